"""The per-sender table: each row sourced and carrying a fact, and each fact applied."""

from __future__ import annotations

import dataclasses

import pytest

from bounce_parser import classify
from bounce_parser.rules.senders import SENDERS, Sender

FACTS = (
    "stage_untold",
    "stage_untold_if",
    "transcript_command",
    "wording",
    "gives_up_after_retries",
    "subject_reason",
)


@pytest.mark.parametrize("row", SENDERS, ids=[s.product for s in SENDERS])
def test_each_sender_row_names_its_source_and_says_something(row: Sender) -> None:
    assert len(row.source) > 40, "a row's source says where its facts come from"
    assert any(getattr(row, fact) for fact in FACTS), "a row with no fact changes nothing"
    marked = row.body or row.header or row.domains or row.hosts
    # without a mark, a row is recognised by its own wording only (the provider's words)
    assert marked or row.wording or row.subject_reason
    assert not (row.stage_told_if and not row.stage_untold)


def test_the_products_are_named_once() -> None:
    names = [s.product for s in SENDERS]
    assert len(names) == len(set(names))
    assert all(dataclasses.is_dataclass(s) for s in SENDERS)


def _dsn(recipient: str, diagnostic: str, status: str = "5.0.0", extra: str = "") -> bytes:
    return (
        f"From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n{extra}"
        "Subject: Delivery Status Notification\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n--B--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("recipient", "diagnostic", "reason", "hard"),
    [
        # au's filter answers as a missing user would; elsewhere the words mean what they say
        ("f@ezweb.ne.jp", "550 : User unknown", "filtered", False),
        ("f@client.example", "550 : User unknown", "userunknown", True),
        # a Google group that refuses the post: the group refused, nobody is missing
        ("compta@googlegroups.com", "550 5.1.1 group does not exist", "userunknown", True),
        ("compta@googlegroups.com", "550 permission denied", "rejected", False),
    ],
)
def test_a_senders_wording_is_read_as_its_documentation_says(
    recipient: str, diagnostic: str, reason: str, hard: bool
) -> None:
    [r] = classify(_dsn(recipient, diagnostic)).recipients
    assert (r.reason, r.hard) == (reason, hard)
