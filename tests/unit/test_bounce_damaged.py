"""Bounces whose structure is damaged or unusual still name the failed recipient."""

from __future__ import annotations

import base64

import pytest

from bounce_parser import Kind, classify
from mailer.demo_relay import build_dsn

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


@pytest.mark.parametrize("attachments", [1, 4])
def test_a_report_with_another_boundary_declared_is_read_whatever_it_returns(
    attachments: int,
) -> None:
    """The header names another boundary than the body's, and the returned message is
    itself multipart, with more parts than the report (an invoice with its attachments) and
    the report's closing delimiter lost: the report's own boundary is the body's first."""
    returned = "".join(
        "--INNER\r\nContent-Type: application/pdf\r\n\r\nJVBERi0x\r\n" for _ in range(attachments)
    )
    raw = (
        "From: MAILER-DAEMON@relay.example\r\nTo: b@acme.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="NOT-IT"\r\n\r\n'
        "--OUTER\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        "--OUTER\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        "Final-Recipient: rfc822; x@client.example\r\nAction: failed\r\nStatus: 4.2.2\r\n"
        "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n\r\n"
        "--OUTER\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: b@acme.example\r\nTo: x@client.example\r\nSubject: Facture 7\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="INNER"\r\n\r\n'
        f"--INNER\r\nContent-Type: text/plain\r\n\r\nVoir.\r\n{returned}--INNER--\r\n"
    ).encode()
    [r] = classify(raw).recipients
    assert (r.address, r.reason, r.hard) == ("x@client.example", "mailboxfull", False)


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


def test_each_recipient_of_a_text_bounce_gets_its_own_reason() -> None:
    raw = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: f@acme.example\r\n"
        b"Subject: Mail delivery failed: returning message to sender\r\n\r\n"
        b"A message that you sent could not be delivered to one or more of\r\n"
        b"its recipients. This is a permanent error. The following address\r\nfailed:\r\n\r\n"
        b'"a@client.example":\r\nSMTP error from remote server after RCPT command:\r\n'
        b"5.2.1 <a@client.example>... User Unknown\r\n"
        b'"b@client.example":\r\nSMTP error from remote server after RCPT command:\r\n'
        b"5.2.2 <b@client.example>... Mailbox Full\r\n"
    )
    c = classify(raw)
    # RFC 3463 X.2.1: the mailbox exists but is disabled; "User Unknown" beside it is no
    # proof that it is gone, so not hard
    assert {(r.address, r.reason, r.hard) for r in c.recipients} == {
        ("a@client.example", "userunknown", False),
        ("b@client.example", "mailboxfull", False),
    }


def test_giving_up_on_a_full_mailbox_is_reported_as_the_full_mailbox() -> None:
    raw = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: f@acme.example\r\n"
        b"Subject: Mail delivery failed\r\n\r\n"
        b"A message that you sent could not be delivered to one or more of its\r\n"
        b"recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
        b"  a@client.example\r\n    generated by mailbox is full: retry timeout exceeded\r\n"
    )
    [r] = classify(raw).recipients
    assert (r.address, r.reason) == ("a@client.example", "mailboxfull")


def test_a_dsn_without_diagnostic_takes_the_reason_from_its_human_part() -> None:
    raw = (
        b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"
        b"To: f@acme.example\r\nSubject: Delivery Status Notification (Failure)\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n** Address not found **\r\n\r\n"
        b"Your message wasn't delivered to a@client.example because the address couldn't be "
        b"found.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; googlemail.com\r\n"
        b"\r\nFinal-Recipient: rfc822; a@client.example\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n"
        b"--B--\r\n"
    )
    [r] = classify(raw).recipients
    assert (r.address, r.reason, r.hard) == ("a@client.example", "userunknown", True)


def _sendmail_transcript(lines: bytes, status: bytes = b"5.0.0") -> bytes:
    return (
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.acme.example>\r\n"
        b"To: f@acme.example\r\nSubject: Returned mail: see transcript for details\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="S"\r\n\r\n'
        b"--S\r\n\r\n   ----- Transcript of session follows -----\r\n"
        b"... while talking to mx.client.example.:\r\n" + lines + b"\r\n"
        b"--S\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.example"
        b"\r\n\r\nFinal-Recipient: RFC822; a@client.example\r\nAction: failed\r\n"
        b"Status: " + status + b"\r\n\r\n--S--\r\n"
    )


def test_sendmail_pipelined_recipient_refusal_after_data_is_an_unknown_user() -> None:
    raw = _sendmail_transcript(b">>> DATA\r\n<<< 550 <a@client.example>... User unknown\r\n")
    [r] = classify(raw).recipients
    assert (r.address, r.reason, r.hard) == ("a@client.example", "userunknown", True)


def test_a_refusal_of_the_sent_data_is_filtered_not_an_unknown_user() -> None:
    raw = _sendmail_transcript(
        b">>> DATA\r\n<<< 354 go ahead\r\n>>> .\r\n<<< 550 <a@client.example>... User unknown\r\n"
    )
    [r] = classify(raw).recipients
    assert (r.address, r.reason, r.hard) == ("a@client.example", "filtered", False)


def test_a_refusal_named_as_the_answer_to_data_is_filtered() -> None:
    raw = (
        b"From: MAILER-DAEMON@mfilter.acme.example\r\nTo: f@acme.example\r\n"
        b"Subject: failure notice\r\n\r\nsend error to\r\n<a@client.example>\r\n\r\n"
        b"-------server message\r\n550 unknown user <a@client.example>\r\n\r\n"
        b"-------SMTP command\r\nDATA\r\n"
    )
    [r] = classify(raw).recipients
    assert (r.address, r.reason) == ("a@client.example", "filtered")


def _sendmail_report(status: str, diagnostic: str, transcript: str) -> bytes:
    return (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.acme.example>\r\n"
        "To: <b@acme.example>\r\nSubject: Returned mail: see transcript for details\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n\r\n'
        "--B1\r\n\r\n   ----- Transcript of session follows -----\r\n"
        f"... while talking to mx.client.example.:\r\n>>> DATA\r\n{transcript}"
        "554 5.0.0 Service unavailable\r\n\r\n"
        "--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.acme.example\r\n\r\n"
        f"Final-Recipient: RFC822; x@client.example\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: SMTP; {diagnostic}\r\n\r\n"
        "--B1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: f@acme.example\r\nTo: x@client.example\r\n\r\n--B1--\r\n"
    ).encode()


def test_a_multi_line_reply_cut_to_its_first_line_is_completed_from_the_transcript() -> None:
    first = "552-5.7.0 This message was blocked because its content presents a potential"
    raw = _sendmail_report(
        "5.7.0",
        first,
        f"<<< {first}\r\n<<< 552-5.7.0 security issue. Please visit\r\n"
        "<<< 552 5.7.0 the guidelines. - gsmtp\r\n",
    )
    [r] = classify(raw).recipients
    assert r.diagnostic == (
        "552-5.7.0 This message was blocked because its content presents a potential "
        "security issue. Please visit the guidelines. - gsmtp"
    )
    assert r.reason == "policyviolation"


def test_the_remote_servers_own_status_wins_over_the_reporting_mtas() -> None:
    diagnostic = "550 5.7.1 IP address blacklisted by recipient"
    raw = _sendmail_report("5.1.1", diagnostic, f"<<< {diagnostic}\r\n")
    [r] = classify(raw).recipients
    assert (r.status, r.reason, r.hard) == ("5.7.1", "blocked", False)


@pytest.mark.parametrize(
    "subject",
    [
        "Returned mail: User unknown",
        # as our own receiving gateway passes it on, tagged
        "[EXTERNAL] Returned mail: User unknown",
        "*****SPAM***** Returned mail: User unknown",
    ],
)
def test_sendmails_subject_names_the_failure_when_the_report_does_not(subject: str) -> None:
    raw = (
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.acme.example>\r\n"
        b"To: <b@acme.example>\r\nSubject: " + subject.encode() + b"\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
        b"The original message was received at Thu, 15 Oct 2015 15:22:22 +0900\r\n\r\n"
        b"----- The following addresses had permanent delivery errors -----\r\n"
        b"<x@client.example>\r\n\r\n"
        b"----- Original message follows -----\r\nTo: x@client.example\r\n\r\nbody\r\n"
    )
    [r] = classify(raw).recipients
    assert (r.address, r.reason, r.hard) == ("x@client.example", "userunknown", True)


def test_the_delivery_token_is_found_in_returned_text_whatever_precedes_it() -> None:
    def bounce(returned: str) -> bytes:
        return (
            "From: MAILER-DAEMON@mx.acme.example\r\nTo: b@acme.example\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "<x@client.example>: host mx.client.example said: 550 5.1.1 User unknown\r\n\r\n"
            f"----- Original message follows -----\r\n{returned}"
        ).encode()

    field = "X-Facturier-Delivery: tok-42.sig\r\n"
    # a mention of the header's name that is not the field, then the field itself
    c = classify(bounce(f"Note: x-facturier-delivery header below\r\n{field}\r\nbody\r\n"))
    assert c.facturier_token == "tok-42.sig"
    # a letter whose lower case is longer (İ) before the field shifts no offset
    c = classify(bounce(f"Subject: Facture İstanbul\r\n{field}\r\nbody\r\n"))
    assert c.facturier_token == "tok-42.sig"


def test_each_recipient_of_a_report_without_diagnostic_codes_keeps_its_own_line() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.acme.example\r\nTo: b@acme.example\r\n"
        b"Subject: Delivery status notification: error\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B2"\r\n\r\n'
        b"--B2\r\nContent-Type: text/plain\r\n\r\n"
        b"An error has occurred while attempting to deliver a message for\r\n"
        b"the following list of recipients:\r\n\r\n"
        b"gone@client.example: 550 5.1.1 <gone@client.example>: Recipient address rejected: "
        b"User unknown\r\n"
        b"full@client.example: 552 5.2.2 <full@client.example>: Recipient address rejected: "
        b"Mailbox full\r\n\r\n"
        b"--B2\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.acme.example\r\n\r\n"
        b"Final-Recipient: rfc822; gone@client.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        b"Final-Recipient: rfc822; full@client.example\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n"
        b"--B2--\r\n"
    )
    gone, full = classify(raw).recipients
    assert (gone.reason, gone.hard) == ("userunknown", True)
    assert gone.diagnostic is not None and "Mailbox full" not in gone.diagnostic
    assert (full.reason, full.hard) == ("mailboxfull", False)


def test_a_bare_x00_in_the_diagnostic_does_not_hide_the_specific_status_field() -> None:
    raw = _sendmail_report("5.2.2", "552 5.0.0 Requested mail action aborted", "<<< 552\r\n")
    [r] = classify(raw).recipients
    assert (r.status, r.reason) == ("5.2.2", "mailboxfull")


def test_a_sendmail_recipient_line_is_that_recipients_whole_diagnostic() -> None:
    raw = (
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.acme.example>\r\n"
        b"To: <b@acme.example>\r\nSubject: Returned mail: see transcript for details\r\n"
        b"Content-Type: text/plain\r\n\r\n"
        b"   ----- Transcript of session follows -----\r\n"
        b"554 <a@one.example>... Remote protocol error: Connection reset by peer\r\n"
        b"550 two.example (smtp)... 550 Host unknown\r\n"
        b"554 <b@two.example>... 550 Host unknown (Authoritative answer from name server)\r\n"
        b"\r\n   ----- Unsent message follows -----\r\nTo: a@one.example\r\n\r\nbody\r\n"
    )
    first, second = classify(raw).recipients
    assert first.diagnostic is not None and first.diagnostic.endswith("reset by peer")
    # a connection the receiver cut: its host refused, soft (sisimai's Blocked list)
    assert (first.reason, first.hard) == ("blocked", False)
    assert (second.reason, second.hard) == ("hostunknown", True)


def test_help_desks_quoted_message_ids_and_authentication_results_are_not_recipients() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.isp.example\r\nTo: b@acme.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nContent-Type: text/plain\r\n\r\n"
        b"For further assistance, please contact <support@isp.example>\r\n\r\n"
        b"<x@client.example>: host mx.client.example said: 550 5.1.1 User unknown\r\n"
        b"> Message-Id: <200904290210.0000@mx.isp.example>\r\n"
        b"Authentication-Results: spf=pass smtp.mailfrom=f@acme.example\r\n"
        b"(the help desk again: <support@isp.example>)\r\n"
    )
    c = classify(raw)
    assert [r.address for r in c.recipients] == ["x@client.example"]


@pytest.mark.parametrize(
    "asked",
    [
        "Pour toute question, écrivez à",
        "En cas de problème, contactez",
        "Bei Fragen wenden Sie sich bitte an",
        "Para más información, escriba a",
        "Per assistenza, contattare",
    ],
)
def test_a_help_desk_named_in_the_notices_own_language_is_not_a_recipient(asked: str) -> None:
    # a provider writes its notices in its readers' language: the address it asks them to
    # write to is its help desk there too
    raw = (
        "From: postmaster@univ.example\r\nTo: b@acme.example\r\n"
        "Subject: Message non remis\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Le message n'a pas pu être remis à :\r\n\r\n    x@client.example\r\n\r\n"
        f"Raison : 550 5.1.1 adresse inconnue.\r\n\r\n{asked} support-mail@univ.example.\r\n"
    ).encode()
    [r] = classify(raw).recipients
    assert (r.address, r.reason) == ("x@client.example", "userunknown")


def test_the_returned_message_after_message_text_follows_names_no_recipient() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.acme.example\r\nTo: b@acme.example\r\n"
        b"Subject: Returned mail\r\nContent-Type: text/plain\r\n\r\n"
        b"|------------------------- Failed addresses follow: ---------------------|\r\n"
        b" x@gone.example ... unknown host\r\n"
        b"|------------------------- Message text follows: ------------------------|\r\n"
        b"Received: from mx.acme.example\r\n\tby mx.client.example\r\n"
        b"\tfor other@client.example; Thu, 29 Apr 2006 23:34:45 +0000\r\n"
        b"To: x@gone.example\r\nCc: other@client.example\r\n\r\nbody\r\n"
    )
    [r] = classify(raw).recipients
    assert (r.address, r.reason, r.hard) == ("x@gone.example", "hostunknown", True)


def test_an_exim_forward_reports_the_reason_not_the_address_it_came_from() -> None:
    raw = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: f@acme.example\r\n"
        b"Subject: Mail delivery failed: returning message to sender\r\n\r\n"
        b"A message that you sent could not be delivered to one or more of its\r\n"
        b"recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
        b"  dupont.perso@client-mail.example\r\n"
        b"    (generated from factures@client.example)\r\n"
        b"    SMTP error from remote mail server after RCPT TO:\r\n"
        b"    <dupont.perso@client-mail.example>:\r\n"
        b"    host mx.client-mail.example [192.0.2.7]: 550 5.1.1 No such user\r\n"
    )
    [r] = classify(raw).recipients
    assert r.address == "dupont.perso@client-mail.example"
    assert r.reason == "userunknown"
    assert r.diagnostic is not None
    assert r.diagnostic.startswith("SMTP error from remote mail server after RCPT TO")
    assert "550 5.1.1 No such user" in r.diagnostic


def _report(fields: str, label: str = "message/delivery-status") -> bytes:
    """A delivery report whose text names no recipient: only its ``fields`` (the report
    part's body, CRLF line ends) do."""
    return (
        "From: MAILER-DAEMON@relay.example\r\nTo: b@acme.example\r\n"
        "Subject: Mail Delivery Failure\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n\r\n"
        f"--R\r\nContent-Type: {label}\r\n\r\n{fields}\r\n--R--\r\n"
    ).encode()


def test_a_report_written_with_a_space_before_each_colon_is_read_from_its_fields() -> None:
    # RFC 5322 4.5.3's obsolete syntax ("field-name *WSP ':'"), which a reader must accept;
    # Mimecast writes its reports so, in one block, after a blank line
    raw = _report(
        "\r\nReporting-MTA : dns;relay.example\r\nAction : failed\r\nStatus : 5.0.0\r\n"
        "Diagnostic-Code : smtp;550 5.7.54 SMTP; Unable to relay recipient in non-accepted "
        "domain\r\nFinal-Recipient : rfc822;x@client.example\r\n",
        "message/delivery-status; charset=UTF-8",
    )
    c = classify(raw)
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.status, r.reason, r.hard) == (
        "x@client.example",
        "5.7.54",
        "norelaying",
        False,
    )


def test_a_report_whose_reply_runs_on_unindented_lines_keeps_the_fields_after_it() -> None:
    # Symantec MessageLabs writes a multi-line reply under Diagnostic-Code without indenting
    # its lines (RFC 5322 2.2.3 folds with white space); the fields after it are still read
    raw = _report(
        "Reporting-MTA: dns; server-1.messagelabs.example\r\n\r\n"
        "Diagnostic-Code: smtp; 550-Please turn on SMTP Authentication in your mail client.\r\n"
        "550-mail1.messagelabs.example [192.0.2.1]:25 is not permitted to\r\n"
        "550 relay through this server without authentication.\r\n"
        "Status: 5.7.1\r\nAction: failed\r\nFinal-Recipient: rfc822; x@client.example\r\n"
    )
    c = classify(raw)
    assert c.reporting_mta == "server-1.messagelabs.example"
    [r] = c.recipients
    assert (r.address, r.status, r.action) == ("x@client.example", "5.7.1", "failed")
    assert r.diagnostic is not None and r.diagnostic.endswith("without authentication.")


@pytest.mark.parametrize("typed", ["smtp; ", ""])
def test_a_diagnostic_without_its_type_is_read_whole_even_where_it_holds_a_semicolon(
    typed: str,
) -> None:
    # RFC 3464 2.3.6 puts a type before the text ("smtp; 554 …"); a reporter that leaves it
    # out writes the text alone, and the text's own ";" does not end a type
    raw = _report(
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        "Final-Recipient: rfc822; x@client.example\r\nAction: failed\r\nStatus: 5.0.0\r\n"
        f"Diagnostic-Code: {typed}554 Message rejected as spam; see "
        "https://help.client.example/delivery\r\n"
    )
    [r] = classify(raw).recipients
    assert (r.address, r.reason) == ("x@client.example", "spamdetected")
    assert r.diagnostic == "554 Message rejected as spam; see https://help.client.example/delivery"


@pytest.mark.parametrize("label", ["text/plain", "application/octet-stream"])
def test_a_relabelled_report_part_is_not_read_as_the_notices_own_words(label: str) -> None:
    # Gmail's report gives no Diagnostic-Code: why it failed is in its text for people (in
    # a multipart/alternative, as Gmail sends it). A gateway relabelled the report part
    # (RFC 6522 3: the second part is the report whatever its label); its fields are still
    # the report, not the notice's explanation
    raw = (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"
        "To: b@acme.example\r\nSubject: Delivery Status Notification (Failure)\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="G"\r\n\r\n'
        '--G\r\nContent-Type: multipart/alternative; boundary="A"\r\n\r\n'
        "--A\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n** Address not found **\r\n\r\n"
        "Your message wasn't delivered to x@client.example because the address couldn't be "
        "found. Check for typos or unnecessary spaces and try again.\r\n\r\n"
        "--A\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>Address not found</p>\r\n"
        "--A--\r\n\r\n"
        f"--G\r\nContent-Type: {label}\r\n\r\nReporting-MTA: dns; googlemail.com\r\n\r\n"
        "Final-Recipient: rfc822; x@client.example\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n"
        "--G--\r\n"
    ).encode()
    [r] = classify(raw).recipients
    assert (r.address, r.reason) == ("x@client.example", "userunknown")
    assert r.diagnostic is not None and "couldn't be found" in r.diagnostic


@pytest.mark.parametrize("end", ["", ".", " (delivery not authorized)"])
def test_a_status_that_ends_a_sentence_is_still_the_status(end: str) -> None:
    # "Status: 5.7.1." : the full stop ends the field's sentence, it does not make the code
    # a longer number (as "5.7.1.2" would be); 5.7.1 says a policy refused the message, so
    # the "invalid recipient" beside it proves no mailbox gone
    raw = _report(
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        "Final-Recipient: rfc822; x@client.example\r\nAction: failed\r\n"
        f"Status: 5.7.1{end}\r\nDiagnostic-Code: smtp; 553 Invalid recipient x@client.example"
        "\r\n"
    )
    [r] = classify(raw).recipients
    assert (r.status, r.hard) == ("5.7.1", False)


def test_a_status_quoted_at_a_sentences_end_still_proves_the_mailbox_there() -> None:
    # the reply quotes a second status, 5.7.1 (a policy refusal), as its last word: the
    # mailbox is not proven gone, whatever "user unknown" beside it says
    raw = _report(
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        "Final-Recipient: rfc822; x@client.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown to the policy service 5.7.1.\r\n"
    )
    [r] = classify(raw).recipients
    assert (r.status, r.hard) == ("5.1.1", False)


def test_a_header_field_in_the_obsolete_syntax_does_not_end_the_header() -> None:
    # RFC 5322 4.5.3: "field-name *WSP ':'" must still be read. A gateway's stamp written
    # so atop the notice ended the stdlib's header there: From, Subject and the MIME
    # structure below it were read as the body
    c = classify(b"X-Gateway-Stamp : scanned\r\n" + _dsn())
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.status) == ("x@gone.invalid", "5.4.4")
    assert c.original_message_id == "<orig-9@acme.example>"


@pytest.mark.parametrize("stray", [b"\r\n", b"\n\n"])
def test_a_stray_line_end_before_the_header_does_not_make_the_notice_headerless(
    stray: bytes,
) -> None:
    # an export or a fetch that writes a line end first: read as it stood, the message would
    # have no header at all, and RFC 5322 3.6 requires From and Date in one
    c = classify(stray + _dsn())
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.status) == ("x@gone.invalid", "5.4.4")
    assert c.original_message_id == "<orig-9@acme.example>"  # the returned part, found


def test_a_complaint_written_with_a_space_before_each_colon_names_who_complained() -> None:
    # RFC 5965 3.2: Original-Rcpt-To names the complaining recipient; written in RFC 5322
    # 4.5.3's obsolete syntax, it was lost and every recipient of the returned invoice
    # was taken for the complainant
    raw = (
        b"From: fbl@provider.example\r\nTo: abuse@acme.example\r\nSubject: complaint\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="F"\r\n\r\n'
        b"--F\r\nContent-Type: text/plain\r\n\r\nA complaint about a message from you.\r\n\r\n"
        b"--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type : abuse\r\n"
        b"User-Agent : FBL/1.0\r\nVersion : 1\r\nOriginal-Rcpt-To : copies@client.example\r\n"
        b"\r\n--F\r\nContent-Type: message/rfc822\r\n\r\n"
        + ORIGINAL.replace(
            b"To: x@client.example", b"To: x@client.example\r\nCc: copies@client.example"
        )
        + b"\r\n--F--\r\n"
    )
    c = classify(raw)
    assert (c.kind, c.feedback_type) == (Kind.FEEDBACK, "abuse")
    assert [r.address for r in c.recipients] == ["copies@client.example"]


def test_a_report_without_the_blank_line_after_its_per_message_fields_keeps_them() -> None:
    """A reporter that leaves out the blank line after the per-message fields (RFC 3464 2.2;
    AOL's and Mimecast's reports do): they are still the report's, told apart by their
    names, so the reporting MTA still says whose reply it is (SES receiving's 4.3.0 holds the
    message, it names no cause)."""
    raw = _report(
        "Reporting-MTA: dns; inbound-smtp.eu-west-1.amazonaws.com\r\n"
        "Arrival-Date: Thu, 3 Dec 2026 10:00:00 +0000\r\n"
        "Final-Recipient: rfc822; x@client.example\r\nAction: failed\r\nStatus: 4.3.0\r\n"
        "Diagnostic-Code: smtp; 451 4.3.0 This message could not be delivered due to a "
        "recipient error. Please try again later.\r\n"
    )
    c = classify(raw)
    assert c.reporting_mta == "inbound-smtp.eu-west-1.amazonaws.com"
    [r] = c.recipients
    assert (r.address, r.reason, r.hard) == ("x@client.example", "onhold", False)


@pytest.mark.parametrize("order", ["written", "reversed"])
def test_a_report_pasted_as_text_is_read_in_whatever_order_its_fields_come(order: str) -> None:
    """A report whose MIME structure was lost (its fields in the notice's text): RFC 3464
    2.3 lists an order, reporters write others (a recipient's Action or Status before its
    Final-Recipient)."""
    per_message = ["Reporting-MTA: dns; relay.example", "Arrival-Date: Thu, 3 Dec 2026"]
    per_recipient = [
        "Final-Recipient: rfc822; x@client.example",
        "Action: failed",
        "Status: 5.1.1",
        "Diagnostic-Code: smtp; 550 5.1.1 <x@client.example>: User unknown",
    ]
    if order == "reversed":
        per_message.reverse()
        per_recipient.reverse()
    text = "\r\n".join(per_message) + "\r\n\r\n" + "\r\n".join(per_recipient) + "\r\n"
    raw = (
        "From: MAILER-DAEMON@relay.example\r\nTo: b@acme.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n\r\n"
        f"The message could not be delivered.\r\n\r\n{text}"
    ).encode()
    c = classify(raw)
    assert (c.reporting_mta, c.arrival_date) == ("relay.example", "Thu, 3 Dec 2026")
    [r] = c.recipients
    assert (r.address, r.status, r.reason, r.hard) == (
        "x@client.example",
        "5.1.1",
        "userunknown",
        True,
    )


_RETURNED_INVOICE = (
    "Return-Path: <bounces+tok9@acme.example>\r\nFrom: billing@acme.example\r\n"
    "To: x@client.example\r\nSubject: Facture 7\r\n"
    "Message-ID:\r\n <inv-7.2026-12-03.a-long-enough-id-to-be-folded@acme.example>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nVoir la facture.\r\n"
)


_AS_RFC822 = "Content-Type: message/rfc822\r\n"
_AS_FILE = (
    'Content-Type: application/octet-stream; name="ATT00001.eml"\r\n'
    'Content-Disposition: attachment; filename="ATT00001.eml"\r\n'
)


def _returned_as(encoding: str, returned: str, part: str) -> bytes:
    head = part + ("" if encoding == "8bit" else f"Content-Transfer-Encoding: {encoding}\r\n")
    return (
        "From: MAILER-DAEMON@relay.example\r\nTo: b@acme.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        "Final-Recipient: rfc822; x@client.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--R\r\n{head}\r\n{returned}\r\n--R--\r\n"
    ).encode()


_QP_FOLDED = _RETURNED_INVOICE.replace(
    "Message-ID:\r\n <inv-7.2026", "Message-ID:=20\r\n <inv-7.20=\r\n26"
)


def _b64(text: str) -> str:
    return base64.encodebytes(text.encode()).decode().replace("\n", "\r\n")


@pytest.mark.parametrize(
    ("encoding", "returned", "part"),
    [
        pytest.param("8bit", _RETURNED_INVOICE, _AS_RFC822, id="as sent (the control)"),
        # a gateway's re-encoding, which RFC 2046 5.2.1 forbids and gateways do
        pytest.param("base64", _b64(_RETURNED_INVOICE), _AS_RFC822, id="base64"),
        # quoted-printable, its long line broken by a soft line break ("=" at the line end)
        pytest.param("quoted-printable", _QP_FOLDED, _AS_RFC822, id="quoted-printable"),
        # a stray line end between the part's header and the returned message's
        pytest.param("8bit", "\r\n" + _RETURNED_INVOICE, _AS_RFC822, id="blank line before"),
        pytest.param(
            "base64", _b64("\r\n" + _RETURNED_INVOICE), _AS_RFC822, id="base64, blank line before"
        ),
        # passed on as a file (".eml", mime.types' extension for message/rfc822)
        pytest.param("base64", _b64(_RETURNED_INVOICE), _AS_FILE, id="an .eml file"),
    ],
)
def test_the_returned_message_is_read_in_the_form_a_gateway_passed_it_on(
    encoding: str, returned: str, part: str
) -> None:
    """What ties a report to its invoice is in the returned message (its Message-ID): it is
    read whatever form the report's last part comes in."""
    c = classify(_returned_as(encoding, returned, part))
    assert c.original_message_id == "<inv-7.2026-12-03.a-long-enough-id-to-be-folded@acme.example>"
    [r] = c.recipients
    assert (r.address, r.hard) == ("x@client.example", True)


@pytest.mark.parametrize(
    "declared",
    ['; charset="ISO-2022-JP"', '; charset="us-ascii"', ""],
    ids=["declared (the control)", "us-ascii", "no charset"],
)
def test_iso_2022_jp_text_is_read_whatever_charset_its_part_declares(declared: str) -> None:
    """ISO-2022-JP (RFC 1468) is 7-bit: a part labelled us-ascii, or not labelled, decodes
    into escapes and stray letters unless its escape sequences are known for what they are.
    Lotus Domino's Japanese "not in the Domino Directory" must still read as such."""
    body = (
        "Your message\r\n\r\n  Subject: Facture 7\r\n\r\nwas not delivered to:\r\n\r\n"
        "  x@client.example\r\n\r\nbecause:\r\n\r\n"
        "  User x (x@client.example) は Domino ディレクトリには見つかりません\r\n"
    )
    raw = (
        "From: Postmaster@relay.example\r\nTo: b@acme.example\r\nSubject: DELIVERY FAILURE\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain{declared}\r\n\r\n"
    ).encode() + body.encode("iso-2022-jp")
    [r] = classify(raw).recipients
    assert (r.address, r.reason, r.hard) == ("x@client.example", "userunknown", True)
