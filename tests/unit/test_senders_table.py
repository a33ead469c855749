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


def _notice(body: str, headers: str = "", subject: str = "Delivery failure") -> bytes:
    """A plain-text notice without a delivery-status part, then the returned message."""
    return (
        f"From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        f"Subject: {subject}\r\n{headers}\r\n{body}\r\n--- Original message follows.\r\n\r\n"
        "From: billing@acme.example\r\nTo: factures@client.example\r\n"
        "Message-ID: <inv-7@acme.example>\r\nSubject: Facture 7\r\n\r\nVoir.\r\n"
    ).encode()


_UNKNOWN = "factures@client.example [User unknown]\r\n"
_DSN_UNKNOWN = "Status: 5.0.0\r\nDiagnostic-Code: smtp; 550 Unknown user factures@client.example"
_EXIM = (
    "This message was created automatically by mail delivery software.\r\n\r\n"
    "A message that you sent could not be delivered to one or more of its\r\n"
    "recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
    "  factures@client.example\r\n    {cause}\r\n"
)

_GMAIL_STATE = (
    "Delivery to the following recipient failed permanently:\r\n\r\n"
    "     factures@client.example\r\n\r\nTechnical details of permanent failure:\r\n"
    "Google tried to deliver your message, but it was rejected by the recipient domain.\r\n"
    "The error that the other server returned was:\r\n"
    "554 554 5.7.0 Header error (state 18).\r\n"
)

# For every row: the same notice with the sender's mark and without it, and what each says.
# (product, with the mark, without it, (reason, status) with, (reason, status) without)
ROW_CASES: list[tuple[str, bytes, bytes, tuple[str, str], tuple[str, str]]] = [
    (
        "Facebook",
        _dsn("f@client.example", "550 5.1.1 RCP-P2 Refused due to recipient preferences", "5.1.1"),
        _dsn("f@client.example", "550 5.1.1 Recipient unknown", "5.1.1"),
        ("filtered", "5.1.1"),
        ("userunknown", "5.1.1"),
    ),
    (
        "Yahoo Mail",
        _notice(
            "<factures@client.example>: host mx.client.example[192.0.2.1] said: 554 delivery "
            "error: dd This user doesn't have a client.example account (factures@client.example)"
            " [0] - mta1 (in reply to end of DATA command)\r\n"
        ),
        _notice(
            "<factures@client.example>: host mx.client.example[192.0.2.1] said: 554 delivery "
            "error: This user doesn't exist here (in reply to end of DATA command)\r\n"
        ),
        ("userunknown", "5.1.1"),
        ("filtered", "5.0.0"),
    ),
    (
        "NTT docomo",
        _dsn("f@docomo.ne.jp", "550 Unknown user f@docomo.ne.jp"),
        _dsn("f@client.example", "550 Unknown user f@client.example"),
        ("rejected", "5.0.0"),
        ("userunknown", "5.0.0"),
    ),
    (
        "au (KDDI)",
        _dsn("f@ezweb.ne.jp", "550 : User unknown"),
        _dsn("f@client.example", "550 : User unknown"),
        ("filtered", "5.0.0"),
        ("userunknown", "5.0.0"),
    ),
    (
        "Amazon SES receiving",
        _dsn("f@client.example", "450 4.0.0 Temporary failure", "4.0.0").replace(
            b"relay.example\r\n\r\nFinal", b"inbound-smtp.eu-west-1.amazonaws.com\r\n\r\nFinal"
        ),
        _dsn("f@client.example", "450 4.0.0 Temporary failure", "4.0.0"),
        ("onhold", "4.0.0"),
        ("systemerror", "4.0.0"),
    ),
    (
        "Gmail, its notice with the session state",
        _notice(_GMAIL_STATE, "", "Delivery Status Notification (Failure)").replace(
            b"MAILER-DAEMON@relay.example",
            b"Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        ),
        _notice(
            _GMAIL_STATE.replace("Google tried to deliver", "We tried to deliver"),
            "",
            "Delivery Status Notification (Failure)",
        ),
        ("filtered", "5.7.0"),
        ("policyviolation", "5.7.0"),
    ),
    (
        "Google Groups",
        _dsn("compta@googlegroups.com", "550 permission denied"),
        _dsn("compta@client.example", "550 permission denied"),
        ("rejected", "5.0.0"),
        ("onhold", "5.0.0"),
    ),
    (
        "Zoho Mail",
        _notice("factures@client.example [host not reachable]\r\n", "X-ZohoMail: Si\r\n"),
        _notice("factures@client.example [host not reachable]\r\n"),
        ("expired", "5.4.7"),
        ("onhold", "5.0.0"),
    ),
    (
        "Exim",
        _notice(_EXIM.format(cause="retry timeout exceeded")),
        _notice(
            "The following address failed:\r\n  factures@client.example\r\n"
            "    retry timeout exceeded\r\n"
        ),
        ("expired", "4.4.7"),
        ("expired", "5.4.7"),
    ),
    (
        "Courier",
        _dsn("factures@client.example", "550 Unknown user factures@client.example").replace(
            b"Delivery failed.",
            b"This is a delivery status notification from relay.example,\r\nrunning the "
            b"Courier mail server, version 1.1.\r\n\r\n<factures@client.example>:\r\n"
            b">>> DATA\r\n<<< 550 Unknown user factures@client.example",
        ),
        _dsn("factures@client.example", "550 Unknown user factures@client.example").replace(
            b"Delivery failed.",
            b"<factures@client.example>:\r\n>>> DATA\r\n<<< 550 Unknown user "
            b"factures@client.example",
        ),
        ("filtered", "5.0.0"),
        ("userunknown", "5.0.0"),
    ),
    (
        "Postfix, early versions",
        _notice(
            "This is the Postfix program at host relay.example.\r\n\r\n"
            "<factures@client.example>: host mx.client.example[192.0.2.22] said: 550\r\n"
            "    <factures@client.example>: User unknown\r\n"
        ),
        _notice(
            "<factures@client.example>: host mx.client.example[192.0.2.22] said: 550\r\n"
            "    <factures@client.example>: User unknown\r\n"
        ),
        ("filtered", "5.0.0"),
        ("userunknown", "5.1.1"),
    ),
    (
        "Microsoft Exchange 5.5-2003",
        _notice(
            "factures@client.example on Thu, 29 Apr 2021 16:51:51 -0500\r\n"
            "    MSEXCH:IMS:CLIENT:EXAMPLE:MAIL Unknown Recipient\r\n"
        ),
        _notice(
            "factures@client.example on Thu, 29 Apr 2021 16:51:51 -0500\r\n"
            "    Unknown Recipient\r\n"
        ),
        ("filtered", "5.0.0"),
        ("userunknown", "5.1.1"),
    ),
    (
        "McAfee Email Gateway",
        _notice(_UNKNOWN, "X-NAI-Header: Modified by McAfee Email and Web Security\r\n"),
        _notice(_UNKNOWN),
        ("filtered", "5.0.0"),
        ("userunknown", "5.1.1"),
    ),
    (
        "'Mail Deliver System' notices",
        _notice("---The following addresses had delivery errors---\r\n\r\n" + _UNKNOWN),
        _notice(_UNKNOWN),
        ("filtered", "5.0.0"),
        ("userunknown", "5.1.1"),
    ),
    (
        "'Unable to deliver message' notices",
        _notice("Unable to deliver message to the following address(es).\r\n\r\n" + _UNKNOWN),
        _notice(_UNKNOWN),
        ("filtered", "5.0.0"),
        ("userunknown", "5.1.1"),
    ),
    (
        "BIGLOBE",
        _notice(
            "   ----- The following addresses had delivery problems -----\r\n"
            "factures@client.example\r\n\r\n   ----- Non-delivered information -----\r\n"
            "Mail Delivery Failed... User unknown\r\n",
            subject="Returned mail: Delivery failed",
        ),
        _notice(
            "   ----- The following addresses had delivery problems -----\r\n"
            "factures@client.example\r\n\r\nMail Delivery Failed... User unknown\r\n",
            subject="Returned mail: Delivery failed",
        ),
        ("filtered", "5.0.0"),
        ("userunknown", "5.1.1"),
    ),
    (
        "sendmail",
        _notice("factures@client.example\r\n", subject="Returned mail: User unknown"),
        _notice("factures@client.example\r\n", subject="Delivery failure"),
        ("userunknown", "5.1.1"),
        ("undefined", "5.0.0"),
    ),
]


@pytest.mark.parametrize(
    ("recipient", "reason", "hard"),
    [
        # au states the account's state above the recipients; the reply it quotes says less
        ("factures@ezweb.ne.jp", "suspend", False),
        # the same words from another sender: its recipient's own reply decides
        ("factures@client.example", "userunknown", True),
    ],
)
def test_a_cause_stated_above_the_recipients_is_read_for_its_sender(
    recipient: str, reason: str, hard: bool
) -> None:
    raw = _notice(
        f"The user(s) account is disabled.\r\n\r\n<{recipient}>: 550 user unknown (in reply "
        "to RCPT TO command)\r\n",
        subject="Mail System Error - Returned Mail",
    ).replace(b"To: factures@client.example", f"To: {recipient}".encode())
    [r] = classify(raw).recipients
    assert (r.address, r.reason, r.hard) == (recipient, reason, hard)


def test_every_sender_row_has_a_case_here() -> None:
    assert {case[0] for case in ROW_CASES} == {s.product for s in SENDERS}


@pytest.mark.parametrize(
    ("product", "marked", "unmarked", "said", "unsaid"),
    ROW_CASES,
    ids=[case[0] for case in ROW_CASES],
)
def test_a_sender_rows_fact_applies_to_its_notices_only(
    product: str,
    marked: bytes,
    unmarked: bytes,
    said: tuple[str, str],
    unsaid: tuple[str, str],
) -> None:
    [with_mark] = classify(marked).recipients
    [without] = classify(unmarked).recipients
    assert (with_mark.reason, with_mark.status) == said, product
    assert (without.reason, without.status) == unsaid, product


def test_gmails_notice_is_known_by_its_words_whoever_passed_it_on() -> None:
    """A gateway or a forwarding mailbox that rewrote the From: Gmail's template still says
    whose notice it is, and so what its session state means."""
    raw = _notice(_GMAIL_STATE, "", "Delivery Status Notification (Failure)").replace(
        b"MAILER-DAEMON@relay.example", b"Retours <retours@gateway.acme.example>"
    )
    [r] = classify(raw).recipients
    assert (r.reason, r.hard) == ("filtered", False)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("500 Remote server does not support TLS (state 6).", "failedstarttls"),
        (
            "454 454 TLS missing certificate: error:0200100D:system library:fopen:Permission "
            "denied (#4.3.0) (state 9).",
            "failedstarttls",
        ),
        ("535 SMTP AUTH failed with the remote server. (state 8).", "systemerror"),
        ("500 Remote server does not support SMTP Authenticated Relay (state 12).", "norelaying"),
        ("550 550 Unknown user factures@client.example (state 18).", "filtered"),
        # a specific status says more than the stage
        ("550 550 5.2.2 <factures@client.example>... Mailbox Full (state 14).", "mailboxfull"),
        ("550 550 5.7.1 <factures@client.example>... Access denied (state 13).", "securityerror"),
    ],
)
def test_gmails_session_state_names_the_stage_that_failed(reply: str, reason: str) -> None:
    body = _GMAIL_STATE.replace("554 554 5.7.0 Header error (state 18).", reply)
    headers = "X-Mailer: none\r\n"
    raw = _notice(body, headers, "Delivery Status Notification (Failure)").replace(
        b"From: MAILER-DAEMON@relay.example",
        b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        1,
    )
    [r] = classify(raw).recipients
    assert r.reason == reason
    assert not r.hard
