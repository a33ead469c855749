"""Bounces whose structure is damaged or unusual still name the failed recipient."""

from __future__ import annotations

from bounce_parser import Kind, classify
from mailer.sandbox import build_dsn

ORIGINAL = (
    b"From: f@acme.example\r\nTo: x@client.example\r\nSubject: Facture\r\n"
    b"Message-ID: <orig-9@acme.example>\r\n\r\nbody\r\n"
)


def _dsn() -> bytes:
    return build_dsn(
        reporting_mta="mx.test",
        sender="b@acme.example",
        recipient="x@gone.invalid",
        original=ORIGINAL,
        envid="tok9",
        headers_only=True,
        queue_id="Q9",
        delivered=False,
    )


def _declared_boundary(raw: bytes) -> bytes:
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ")
    return head.split(b'boundary="', 1)[1].split(b'"', 1)[0]


def test_a_dsn_whose_header_names_another_boundary_is_still_read() -> None:
    raw = _dsn()
    boundary = _declared_boundary(raw)
    head, body = raw.split(b"\r\n\r\n", 1)
    # an anonymiser (or a broken gateway) changed the header's boundary, not the body's
    damaged = head.replace(boundary, b"not-the-one-in-the-body") + b"\r\n\r\n" + body
    c = classify(damaged)
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.status, r.hard) == ("x@gone.invalid", "5.4.4", True)
    assert c.original_message_id == "<orig-9@acme.example>"


def test_a_report_that_lost_its_content_type_is_read_from_its_fields() -> None:
    raw = _dsn()
    head, body = raw.split(b"\r\n\r\n", 1)
    kept = [
        line
        for line in head.replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ").split(b"\r\n")
        if not line.lower().startswith((b"content-type", b"mime-version"))
    ]
    c = classify(b"\r\n".join(kept) + b"\r\n\r\n" + body)
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.status, r.action) == ("x@gone.invalid", "5.4.4", "failed")


def test_a_bounce_returned_to_the_failed_address_itself_names_it() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example\r\nTo: self@client.example\r\n"
        b"Delivered-To: self@client.example\r\nSubject: failure notice\r\n\r\n"
        b"Hi. This is the qmail-send program at mx.example.\r\n"
        b"I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
        b"This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
        b"<self@client.example>:\r\n"
        b"192.0.2.1 does not like recipient.\r\n"
        b"Remote host said: 552 Error: disk quota exceeded\r\n"
    )
    c = classify(raw)
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.reply_code, r.reason) == ("self@client.example", 552, "mailboxfull")


def test_a_number_in_the_message_details_is_not_taken_for_the_reply_code() -> None:
    raw = (
        b"From: post_master@sms.example\r\nTo: f@acme.example\r\nSubject: Re:Facture\r\n\r\n"
        b"Error: Invalid user address\r\n\r\nError message below:\r\n"
        b"550 - Requested action not taken: no such user here\r\n\r\nMessage details:\r\n"
        b"  Subject: Facture\r\n  MAIL FROM: f@acme.example\r\n"
        b"  RCPT TO: 0612345678@sms.example\r\n  Size (in bytes): 222\r\n"
    )
    c = classify(raw)
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.reply_code, r.action, r.hard) == (
        "0612345678@sms.example",
        550,
        "failed",
        True,
    )
