"""A notice is known by what it says, whoever its sender: an admin sets the From of a mail
system's notices (Exim's ``dsn_from``, a Postfix bounce template's ``From:``), a gateway or
a forwarding mailbox may rewrite it, and a notice's header may also say it was written by a
program (Exim marks its notices ``Auto-Submitted: auto-replied``). Such a notice is still a
notice, never an auto-reply from the address in its From.

Each text is the product's documented template (source named beside it)."""

from __future__ import annotations

import pytest

from bounce_parser import Kind, classify

RECIPIENT = "factures@client.example"
SENDER = "Service informatique <informatique@acme.example>"
"""An admin's choice of From, naming no mail system."""

RETURNED = (
    "From: billing@acme.example\nTo: factures@client.example\n"
    "Message-ID: <inv-7@acme.example>\nSubject: Facture 7\n\nVoir la facture.\n"
)


def _notice(subject: str, body: str) -> bytes:
    text = (
        f"From: {SENDER}\nTo: billing@acme.example\nSubject: {subject}\n"
        "Auto-Submitted: auto-replied\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{body}{RETURNED}"
    )
    return text.replace("\n", "\r\n").encode()


NOTICES = {
    # Exim's delay warning: warn_message_file's default subject and text (the Exim
    # specification, "Customizing bounce and warning messages")
    "Exim delay warning": (
        "Warning: message 1tQx2a-000Abc-7Z delayed 24 hours",
        "This message was created automatically by mail delivery software.\n"
        "A message that you sent has not yet been delivered to one or more of its\n"
        "recipients after more than 24 hours on the queue on relay.acme.example.\n\n"
        "The message identifier is:     1tQx2a-000Abc-7Z\n"
        "The subject of the message is: Facture 7\n\n"
        "The address to which the message has not yet been delivered is:\n\n"
        f"  {RECIPIENT}\n    host mx.client.example [192.0.2.1]\n"
        "    Delay reason: SMTP error from remote mail server after RCPT TO:"
        f"<{RECIPIENT}>:\n    451 4.7.1 Greylisted, please try again later\n\n"
        "No action is required on your part. Delivery attempts will continue for\n"
        "some time, and this warning may be repeated at intervals if the message\n"
        "remains undelivered. Eventually the mail delivery software will give up,\n"
        "and when that happens, the message will be returned to you.\n\n"
        "------ This is a copy of the message's headers. ------\n\n",
    ),
    # Exim's moan.c: a recipient address it could not parse, under "Mail failure - …"
    "Exim malformed address": (
        "Mail failure - malformed recipient address",
        "A message that you sent contained one or more recipient addresses that were\n"
        "incorrectly constructed:\n\n"
        f"  {RECIPIENT}>: malformed address: > may not follow {RECIPIENT}\n\n"
        "This address has been ignored. The other addresses in the message were\n"
        "syntactically valid and have been passed on for an attempt at delivery.\n\n"
        "------ This is a copy of your message, including all the headers. ------\n\n",
    ),
    # Smail 3's notice (its subject "mail failed, returning to sender" and its banners)
    "Smail": (
        "mail failed, returning to sender",
        "|------------------------- Message log follows: -------------------------|\n"
        " no valid recipients were found for this message\n"
        "|------------------------- Failed addresses follow: ---------------------|\n"
        f" {RECIPIENT} ... unknown host\n"
        "|------------------------- Message text follows: ------------------------|\n",
    ),
}


@pytest.mark.parametrize("product", sorted(NOTICES))
def test_a_notice_from_a_sender_named_by_its_admin_is_a_notice(product: str) -> None:
    subject, body = NOTICES[product]
    result = classify(_notice(subject, body))
    assert result.kind == Kind.BOUNCE
    assert [r.address for r in result.recipients] == [RECIPIENT]


def test_an_exim_warning_in_an_admins_own_words_is_known_by_its_subject() -> None:
    """warn_message_file replaces the warning's text; its default subject stays."""
    subject, body = NOTICES["Exim delay warning"]
    body = body.replace("This message was created automatically by mail delivery software.\n", "")
    result = classify(_notice(subject, body))
    assert result.kind == Kind.BOUNCE
    assert [r.address for r in result.recipients] == [RECIPIENT]


def test_an_exim_delay_warning_is_no_failure_of_the_address() -> None:
    subject, body = NOTICES["Exim delay warning"]
    [r] = classify(_notice(subject, body)).recipients
    assert not r.hard
    assert r.reason != "vacation"


# Templates whose words of failure are few or none, known by the fixed lines that open or
# mark their parts: under the returned message's own subject and a From naming no mail system
MARKED = {
    # OpenSMTPD's delay notice (bounce.c)
    "OpenSMTPD delay": (
        "Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\n\n"
        "A message is delayed for more than 4 hours for the following\n"
        f"list of recipients:\n\n{RECIPIENT}: 421 4.7.0 Try again later\n\n"
        "Please note that this is only a temporary failure report.\n"
        "The message is kept in the queue for up to 4 days.\n"
        "You DO NOT NEED to re-send the message to these recipients.\n\n"
        "Below is a copy of the original message:\n\n"
    ),
    # sendmail's warning (savemail.c: its banner, then the transcript)
    "sendmail warning": (
        "    **********************************************\n"
        "    **      THIS IS A WARNING MESSAGE ONLY      **\n"
        "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n"
        "    **********************************************\n\n"
        "The original message was received at Thu, 3 Dec 2026 10:00:00 +0100\n\n"
        "   ----- Transcript of session follows -----\n"
        f"<{RECIPIENT}>... Deferred: 421 4.4.2 Connection timed out with mx.client.example.\n"
        "Warning: message still undelivered after 4 hours\n"
        "Will keep trying until message is 5 days old\n\n"
        "   ----- Original message follows -----\n\n"
    ),
    # Exchange 5.5-2003's NDR text
    "Exchange 2003": (
        "Your message\n\n  To:      boss@client.example\n  Subject: Facture 7\n"
        "  Sent:    Thu, 3 Dec 2026 10:00:00 +0100\n\n"
        "did not reach the following recipient(s):\n\n"
        f"{RECIPIENT} on Thu, 3 Dec 2026 10:00:05 +0100\n"
        "    The recipient name is not recognized\n"
        "    MSEXCH:IMS:ACME:RELAY:EXCHANGE 0 (000C05A6) Unknown Recipient\n\n"
    ),
    # Lotus Notes' SMTP MTA
    "Lotus Notes": (
        "------- Failure Reasons  --------\n\n"
        f"User factures ({RECIPIENT}) not listed in public Name & Address Book\n"
        f"{RECIPIENT}\n\n------- Returned Message --------\n"
    ),
}


MARKED["Exim delay warning"] = NOTICES["Exim delay warning"][1]


@pytest.mark.parametrize("product", sorted(MARKED))
def test_a_notice_under_the_returned_subject_is_known_by_its_templates_lines(
    product: str,
) -> None:
    result = classify(_notice("Facture 7", MARKED[product]))
    assert result.kind == Kind.BOUNCE
    assert [r.address for r in result.recipients] == [RECIPIENT]
