"""Each sender's notice format, as the bounce analysers of two mailing-list managers describe
it: GNU Mailman's detectors (flufl.bounce: ``simplematch``, ``simplewarning`` and one module
a format) and Sympa's (``bounce-lib.pl``, ``anabounce``, a numbered type a format). Those
analysers name, for each format, the line that opens the list of failed addresses, how an
address is written there and the line that closes it; each notice below is written from
that description (the wording of its reason is a documented one), not copied from a
collection. The classifier must read it as a bounce of the one address that failed, never
as a bounce of another address the invoice was written to.
"""

from __future__ import annotations

import pytest

from bounce_parser import Kind, classify
from tests.unit.test_documented_wording import RECIPIENT, RETURNED, _complaint, _dsn, _notice

MAILMAN = "Mailman's bounce detector (flufl.bounce) "
SYMPA = "Sympa's bounce analyser (bounce-lib.pl), "
R = RECIPIENT


def _plain(sender: str, subject: str, body: str, headers: str = "") -> bytes:
    """A plain-text message (UTF-8) from ``sender`` to our billing address, CRLF line ends."""
    raw = (
        f"From: {sender}\nTo: billing@acme.example\nSubject: {subject}\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}"
    )
    return raw.replace("\n", "\r\n").encode()


# name: (source, subject, the notice's text before the returned message)
FAILURES: dict[str, tuple[str, str, str]] = {
    "sdm.de": (
        MAILMAN + "simplematch",
        "Mail delivery failed",
        f"Here is your list of failed recipients:\n\n<{R}>\n    unknown user\n\n"
        "Here is your returned mail.\n\n",
    ),
    "demon.co.uk transcript": (
        MAILMAN + "simplematch",
        "Mail delivery failed",
        "This message was created automatically by mail delivery software.\n\n"
        "The following transcript shows the problem:\n\n"
        f"RCPT TO: <{R}>\n550 {R}... User unknown\n\n------ original message follows ------\n\n",
    ),
    "demon.co.uk addressed to": (
        MAILMAN + "simplematch",
        "Mail delivery failed",
        "This message was created automatically by mail delivery software.\n\n"
        f"The message you sent addressed to '{R}' could not be delivered:\nno such user\n\n"
        "---- START OF RETURNED MESSAGE ----\n",
    ),
    "InterScan VirusWall NT": (
        MAILMAN + "simplematch",
        "Mail could not be delivered",
        "****** Message from InterScan E-Mail VirusWall NT ******\n\n"
        f"Sending of the message failed.\n\nRCPT TO:<{R}>\n550 User unknown\n\n"
        "*****************     End of message     ***************\n\n",
    ),
    "InterScan NT, unable to deliver": (
        MAILMAN + "simplematch",
        "Mail could not be delivered",
        f"Unable to deliver message to <{R}>.\nUser unknown\n\n"
        "*****************     End of message     ***************\n\n",
    ),
    "Smail": (
        MAILMAN + "simplematch",
        "mail failed, returning to sender",
        "|------------------------- Failed addresses follow: ---------------------|\n"
        f" {R} ... unknown user\n"
        "|------------------------- Message text follows: ------------------------|\n",
    ),
    "newmail.ru": (
        MAILMAN + "simplematch",
        "Returned mail",
        "This is the machine generated message from mail service.\n"
        f"Unable to deliver message to <{R}>: no such user.\n\n"
        "--- Below the next line is a copy of the message.\n\n",
    ),
    "MDaemon 3": (
        MAILMAN + "simplematch",
        "Permanent Delivery Failure",
        f"The following addresses did NOT receive a copy of your message:\n\n> {R}\n\n"
        f"--- Session Transcript ---\n RCPT To:<{R}>\n 550 No such user\n"
        "--- End Transcript ---\n\n",
    ),
    "MDaemon PRO": (
        MAILMAN + "simplematch; " + SYMPA + "type 42",
        "Undeliverable",
        f"{R} - no such user here.\n\nThere is no user by that name at this server.\n\n",
    ),
    "usa.net": (
        MAILMAN + "simplematch",
        "Returned mail",
        f"Your mail could not be delivered.\n\nIntended recipient: {R}\n"
        "Reason: 550 User unknown\n\n--------RETURNED MAIL FOLLOWS--------\n",
    ),
    "hotpop.com": (
        MAILMAN + "simplematch",
        "Undeliverable",
        f"Undeliverable Address: {R}\nReason: mailbox does not exist\n\n"
        "Original message attached\n\n",
    ),
    "Microsoft SMTPSVC": (
        MAILMAN + "simplematch",
        "Delivery failure",
        "The email below could not be delivered to the following user:\n\n"
        f'"factures" <{R}>\n\nOld message:\n\n',
    ),
    "Yahoo for other domains": (
        MAILMAN + "simplematch, yahoo; " + SYMPA + "type 20",
        "Failure Notice",
        "Unable to deliver message to the following address(es).\n\n"
        f"<{R}>:\n550 5.1.1 recipient not found\n\n--- Original message follows.\n\n",
    ),
    "googlemail.com": (
        MAILMAN + "simplematch",
        "Delivery Status Notification (Failure)",
        "This is an automatically generated Delivery Status Notification\n\n"
        f"Delivery to the following recipient failed permanently:\n\n     {R}\n\n"
        "Technical details of permanent failure:\n"
        "The email account that you tried to reach does not exist.\n\n"
        "----- Original message -----\n\n",
    ),
    "kundenserver.de": (
        MAILMAN + "simplematch",
        "Mail delivery failed: returning message to sender",
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"{R}:\nSMTP error from remote server after RCPT command:\n550 5.1.1 User unknown\n\n"
        "--- The header of the original message is following. ---\n\n",
    ),
    "songbird": (
        MAILMAN + "simplematch",
        "Delivery failure",
        f"Delivery to the following recipients failed.\n\n       {R}\n\n",
    ),
    "earthlink.net": (
        MAILMAN + "simplematch",
        "Delivery failure",
        f"Sorry, unable to deliver your message to {R} for the following reason:\n\n"
        "550 User unknown\n\nA copy of the original message below this line:\n\n",
    ),
    "ademe.fr": (
        MAILMAN + "simplematch",
        "Delivery failure",
        f"A message could not be delivered to:\n  {R}\n\nSubject: Facture 7\n\n",
    ),
    "andrew.ac.jp": (
        MAILMAN + "simplematch",
        "Undeliverable mail",
        f"Invalid final delivery userid: {R}\n\nOriginal message follows.\n\n",
    ),
    "E500 SMTP Mail Service": (
        MAILMAN + "simplematch",
        "Undeliverable mail",
        f"------ Failed Recipients ------\n<{R}>: User unknown\n\n"
        "-------- Returned Mail --------\n",
    ),
    "LSMTP for Windows": (
        MAILMAN + "simplematch",
        "Undeliverable mail",
        f"--> Error description:\nError-for:  {R}\nError-Text: User unknown\n"
        "Error-End: One error reported.\n\n",
    ),
    "qmail, three languages": (
        MAILMAN + "simplematch",
        "failure notice",
        "Hola. Este es el programa qmail-send.\n"
        "Your message could not be delivered to the following addresses.\n\n"
        f"<{R}>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
        "--- Below this line is a copy of the message.\n\n",
    ),
    "socgen.com": (
        MAILMAN + "simplematch",
        "Undeliverable",
        f"Your message could not be delivered to {R}\n\nUser unknown\n",
    ),
    "dadoservice.it": (
        MAILMAN + "simplematch; " + SYMPA + "type 22",
        "Delivery problems",
        "Your message has encountered delivery problems\nto local user factures.\n"
        f"(Originally addressed to {R})\n\nUser unknown\n\nYour message reads (in part):\n\n",
    ),
    "EYOU MTA": (
        MAILMAN + "simplematch",
        "Delivery failed",
        "This is the deliver program at eyou.example.\n"
        f"Your mail could not be delivered to the following address:\n\n{R} : user unknown\n\n"
        "----- Original message -----\n",
    ),
    "mxlogic.net": (
        MAILMAN + "simplematch",
        "Undeliverable",
        f"The following address failed:\n\n<{R}>: 550 User unknown\n\n"
        "Included is a copy of the message header:\n\n",
    ),
    "fastdnsservers.com": (
        MAILMAN + "simplematch",
        "Undeliverable",
        f"The following recipient(s) could not be reached:\n\n{R}\n    Error Type: SMTP\n"
        "    Remote server replied: 550 User unknown\n\n",
    ),
    "Failed Recipient line": (
        MAILMAN + "simplematch",
        "Undeliverable",
        f"Could not deliver message to the following recipient(s):\n\nFailed Recipient: {R}\n"
        "Reason: Remote host said: 550 User unknown\n\n"
        "   -- The header and top 20 lines of the message follows --\n\n",
    ),
    "uci.edu": (
        MAILMAN + "simplematch",
        "Undeliverable",
        f"Message not delivered to the following addresses:\n\n    {R}\n\n"
        "Error detail:\n    User unknown\n\n",
    ),
    "LLNL sendmail": (
        MAILMAN + "llnl",
        "Returned mail",
        f"Your message could not be delivered.\n550 <{R}>... User unknown, {R}, unknown\n\n",
    ),
    "SMTP32 (IMail)": (
        MAILMAN + "smtp32; " + SYMPA + "type 28",
        "Undeliverable Mail",
        f"User mailbox exceeds allowed size: {R}\n\nOriginal message follows.\n\n",
    ),
    "caiwireless": (
        MAILMAN + "caiwireless; " + SYMPA + "type 29",
        "Returned mail",
        f"The following recipients did not receive this message:\n\n<{R}>\n\n",
    ),
    "Netscape Messaging Server": (
        MAILMAN + "netscape; " + SYMPA + "type 38",
        "Undeliverable Message",
        "This Message was undeliverable due to the following reason:\n\n"
        f"The user(s) account does not exist.\n\n    Recipient: <{R}>\n"
        f"    Reason:    <{R}>... User unknown\n\n"
        "Please reply to Postmaster@relay.example\nif you feel this message to be in error.\n\n",
    ),
    "Exchange 5.5 (MSEXCH)": (
        MAILMAN + "exchange; " + SYMPA + "type 10",
        "Undeliverable: Facture 7",
        "Your message did not reach some or all of the intended recipients.\n\n"
        "The following recipient(s) could not be reached:\n\n"
        f"   {R} on 03.12.26 10:00\n        The recipient name is not recognized\n"
        "        MSEXCH:IMS:ACME:SITE:RELAY 0 (000C05A6) Unknown Recipient\n\n",
    ),
    "Exchange 5.5, SMTP=": (
        MAILMAN + "exchange",
        "Undeliverable: Facture 7",
        "did not reach the following recipient(s):\n\n"
        f"SMTP={R}; on Thu, 3 Dec 2026 10:00:01 +0100\n    The recipient name is not recognized\n"
        "    MSEXCH:IMS:ACME:SITE:RELAY 0 (000C05A6) Unknown Recipient\n\n",
    ),
    "CompuServe": (
        SYMPA + "type 3",
        "Returned mail",
        f"Receiver not found: {R}\n\nYour message could not be delivered as addressed.\n\n",
    ),
    "QuickMail": (
        SYMPA + "type 4",
        "Returned mail",
        f"----- Special condition follows -----\nUnknown QuickMail recipient(s):\n  {R}\n\n",
    ),
    "X.400 gateway": (
        SYMPA + "type 6",
        "Non delivery",
        f"Your message was not delivered to:\n  {R}\nfor the following reason:\n"
        "  Unknown recipient\n\n",
    ),
    "NTMail": (
        SYMPA + "type 7",
        "Delivery failure",
        f"The requested destination was:\n\n   {R}\n\nThe reason was: user unknown\n\n",
    ),
    "IBM VM": (
        SYMPA + "type 12",
        "Undeliverable mail",
        f"Your mail item could not be delivered to the following users:\n\n"
        f"User unknown ----> {R}\n\n",
    ),
    "Lotus SMTP": (
        SYMPA + "type 13",
        "Delivery Failure Report",
        "------- Failure Reasons --------\n\nUser not listed in public Name & Address Book\n"
        f"{R}\n\n------- Returned Message --------\n",
    ),
    "smap": (
        SYMPA + "type 17",
        "Returned mail",
        f"   ----- Transcript of Report follows -----\nRejected-For: {R},\n"
        "    explanation user unknown\n\n",
    ),
    "Exim 1.x": (
        SYMPA + "type 24",
        "Mail failure",
        "A message that you sent could not be delivered to all of its recipients\n\n"
        f"The following address(es) failed:\n\n  {R}:\n"
        '    unknown local-part "factures" in domain "client.example"\n\n',
    ),
    "Mercury 1.43": (
        SYMPA + "type 26",
        "Delivery failure",
        "The local mail transport system has reported the following problems\n\n"
        f"<{R}>   *** Unknown user ***\n\n",
    ),
    "AltaVista Mail": (
        SYMPA + "type 27",
        f"Returned mail: Quota exceeded for user {R}",
        f"unable to deliver mail to the following recipient(s):\n\n{R}:\n"
        "  Mail transport error\n  Quota exceeded\n\n",
    ),
    "Mercury 1.31": (
        SYMPA + "type 30",
        "Delivery failure",
        "One or more addresses in your message have failed with the following\nproblems:\n\n"
        f"<{R}>   User not known\n\n",
    ),
    "Bigfoot": (
        SYMPA + "Bigfoot",
        "Undeliverable",
        f"The following message could not be delivered because the address {R} does not exist.\n\n",
    ),
    "PMDF": (
        SYMPA + "type 41",
        "Delivery failure",
        "Your message cannot be delivered to the following recipients:\n\n"
        f"  Recipient address: {R}\n  Reason: no such user\n\n",
    ),
    "PMDF, given up": (
        SYMPA + "type 41",
        "Delivery failure",
        "Your message has been enqueued and undeliverable for 5 day\n"
        f"to the following recipients:\n\n  Recipient address: {R}\n"
        "  Reason: host not responding\n\n",
    ),
    "GroupWise 7": (
        SYMPA + "groupwise7",
        "Message status - undeliverable",
        f"The message that you sent was undeliverable to the following:\n\t{R} (user not found)"
        "\n\n",
    ),
    "Wanadoo": (
        SYMPA + "Wanadoo",
        "Undelivered mail",
        f"{R}; Action: Failed; Status: 5.1.1 (Adresse e-mail inconnue)\n\n",
    ),
}

# the reason each notice's own wording names, where it names one
REASONS = {
    "SMTP32 (IMail)": "mailboxfull",
    "AltaVista Mail": "mailboxfull",
    "Exchange 5.5 (MSEXCH)": "userunknown",
    "Exchange 5.5, SMTP=": "userunknown",
    "QuickMail": "userunknown",
    "MDaemon PRO": "userunknown",
    "PMDF, given up": "expired",
    "Wanadoo": "userunknown",
}


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_each_described_format_is_a_bounce_of_the_one_address_that_failed(name: str) -> None:
    _source, subject, body = FAILURES[name]
    result = classify(_notice(subject, body))
    assert result.kind == Kind.BOUNCE
    assert [r.address for r in result.recipients] == [RECIPIENT]
    assert result.original_message_id == "<inv-7@acme.example>"
    if name in REASONS:
        assert result.recipients[0].reason == REASONS[name]


# Notices that say delivery is still being tried: a delay, never a failure
WARNINGS: dict[str, tuple[str, str, str]] = {
    "Exim 1.73": (
        MAILMAN + "simplewarning; " + SYMPA + "type 37",
        "Delivery delayed",
        f"The address to which the message has not yet been delivered is:\n\n  {R}\n\n"
        "No action is required on your part. Delivery attempts will continue.\n\n",
    ),
    "MessageSwitch": (
        MAILMAN + "simplewarning",
        "Delivery delayed",
        f"Your message to {R} has been delayed.\n"
        "This is just a warning, you do not need to take any action.\n\n",
    ),
    "Symantec gateway": (
        MAILMAN + "simplewarning",
        "Delivery delayed",
        f"Message could not be delivered to {R} yet.\n"
        "Delivery attempts will continue to be made for 4 days.\n\n",
    ),
    "googlemail.com": (
        MAILMAN + "simplewarning",
        "Delivery Status Notification (Delay)",
        "This is an automatically generated Delivery Status Notification\n\n"
        "THIS IS A WARNING MESSAGE ONLY.\n\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\n\n"
        f"Delivery to the following recipient has been delayed:\n\n     {R}\n\n"
        "Message will be retried for 2 more day(s)\n\n----- Original message -----\n\n",
    ),
    "Exchange advisory": (
        MAILMAN + "simplewarning",
        "Delivery Status Notification (Delay)",
        "This is an advisory-only email. Please do not reply to it.\n\n"
        f'Delivery of your message to "{R}" has been postponed. The server will keep trying.\n\n',
    ),
    "Exchange, will continue to be attempted": (
        "Microsoft Exchange's delay notification",
        "Delivery delayed: Facture 7",
        f"Delivery is delayed to these recipients or groups:\n\n{R}\n\n"
        "This message hasn't been delivered yet. Delivery will continue to be attempted.\n\n",
    ),
    # the same notice in the sender's language, as Exchange and Office 365 localize it
    "Exchange, in French": (
        "Microsoft Exchange's delay notification, French",
        "Remise différée : Facture 7",
        f"La remise aux destinataires ou groupes suivants est différée :\n\n{R}\n\n"
        "Ce message n'a pas encore été remis. Le serveur continuera d'essayer.\n\n",
    ),
    "Exchange 2003, in German": (
        "Microsoft Exchange's delay notification, German (quoted in a hosting FAQ)",
        "Zustellung verzögert: Rechnung 7",
        "Die Zustellung an folgende Empfänger oder Verteilerlisten wurde verzögert:\n\n"
        f"     {R}\n\n",
    ),
    "Exchange, in Spanish": (
        "Microsoft Exchange's delay notification, Spanish",
        "Entrega retrasada: Factura 7",
        f"La entrega a estos destinatarios o grupos se ha retrasado:\n\n{R}\n\n"
        "Este mensaje aún no se ha entregado.\n\n",
    ),
    "Exchange, in Dutch": (
        "Microsoft Exchange's delay notification, Dutch",
        "Bezorging vertraagd: Factuur 7",
        f"De bezorging bij deze geadresseerden of groepen is vertraagd:\n\n{R}\n\n",
    ),
}


# Exchange 2000-2003 names a recipient it could not reach as the invoice's To gave it: its
# display name, or its address's local part, in single quotes, then the date in the sender's
# language. The invoice went to two people: only the one named failed
EXCHANGE_2003_NAMED = {
    "display name": ("Jean Dupont <jean.dupont@client.example>", "'Jean Dupont' on 03/12/2026"),
    "display name, in French": (
        '"Jean Dupont" <jean.dupont@client.example>',
        "'Jean Dupont' le 03/12/2026",
    ),
    "local part": ("jean.dupont@client.example", "'jean.dupont' am 03.12.2026"),
}


@pytest.mark.parametrize("form", sorted(EXCHANGE_2003_NAMED))
def test_exchange_2003_names_the_recipient_it_could_not_reach_by_its_name(form: str) -> None:
    written_to, line = EXCHANGE_2003_NAMED[form]
    raw = (
        "From: System Administrator <postmaster@relay.client.example>\n"
        "To: billing@acme.example\nSubject: Undeliverable: Facture 7\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Your message did not reach some or all of the intended recipients.\n\n"
        "      Subject:\tFacture 7\n      Sent:\t03/12/2026 10:00\n\n"
        "The following recipient(s) could not be reached:\n\n"
        f"      {line} 10:00\n"
        "            The e-mail account does not exist at the organization this message was "
        "sent to.\n            <relay.client.example #5.1.1>\n\n"
        f"From: billing@acme.example\nTo: {written_to}, Compta <compta@client.example>\n"
        "Subject: Facture 7\nMessage-ID: <inv-7@acme.example>\n\nFacture 7.\n"
    )
    result = classify(raw.replace("\n", "\r\n").encode())
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason, r.status) for r in result.recipients] == [
        ("jean.dupont@client.example", "userunknown", "5.1.1")
    ]


def test_a_notice_whose_subject_names_the_failed_recipient_names_that_one() -> None:
    """The text names no address; the subject does, one of the two the invoice went to."""
    raw = (
        "From: postmaster@relay.client.example\nTo: billing@acme.example\n"
        "Subject: Delivery failure to jean.dupont@client.example\n"
        "Content-Type: text/plain\n\nYour message could not be delivered.\n"
        "Reason: 550 5.1.1 User unknown\n\n--- Original message follows.\n\n"
        "From: billing@acme.example\n"
        "To: jean.dupont@client.example, Compta <compta@client.example>\n"
        "Subject: Facture 7\nMessage-ID: <inv-7@acme.example>\n\nFacture 7.\n"
    )
    result = classify(raw.replace("\n", "\r\n").encode())
    assert [(r.address, r.reason) for r in result.recipients] == [
        ("jean.dupont@client.example", "userunknown")
    ]


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_a_warning_that_delivery_goes_on_is_a_delay(name: str) -> None:
    _source, subject, body = WARNINGS[name]
    result = classify(_notice(subject, body))
    assert [(r.address, r.action, r.hard) for r in result.recipients] == [
        (RECIPIENT, "delayed", False)
    ]


# The invoice went to boss@ with copies, RECIPIENT among them (``RETURNED``). A notice that
# names the failed mailbox without its domain, or by the alias it was delivered to, names
# RECIPIENT: never boss@, who received it
BY_LOCAL_PART: dict[str, tuple[str, str, str]] = {
    "AOL screen name": (
        MAILMAN + "aol (AOL reports the screen name alone)",
        "Returned mail: User unknown",
        "----- The following addresses had permanent fatal errors -----\n\n"
        "Mail to the following recipients could not be delivered because they are not "
        "accepting mail from billing@acme.example:\n\tfactures\n\n",
    ),
    "Yale": (
        MAILMAN
        + "yale ('Its reports include the end user's name, but not the full domain'); "
        + SYMPA
        + "type 18",
        "Undeliverable",
        "Message not delivered to the following:\n\n    factures    Mailbox unknown\n\n"
        "Error Detail:\n\n",
    ),
    "GroupWise user id": (
        SYMPA + "groupwise7",
        "Message status - undeliverable",
        "The message that you sent was undeliverable to the following:\n"
        "\tfactures (user not found)\n\n",
    ),
    "sendmail alias": (
        SYMPA + "type 1 ('(expanded from: …)' under the address)",
        "Returned mail: User unknown",
        "   ----- The following addresses had permanent fatal errors -----\nbilling-list\n"
        f"    (expanded from: <{R}>)\n\n   ----- Transcript of session follows -----\n"
        "550 billing-list... User unknown\n\n",
    ),
}


@pytest.mark.parametrize("name", sorted(BY_LOCAL_PART))
def test_a_mailbox_named_without_its_domain_is_the_returned_recipient_of_that_name(
    name: str,
) -> None:
    _source, subject, body = BY_LOCAL_PART[name]
    result = classify(_notice(subject, body))
    assert result.kind == Kind.BOUNCE
    assert [r.address for r in result.recipients] == [RECIPIENT]


def test_a_notice_naming_nobody_proves_none_of_several_recipients_gone() -> None:
    """It went to boss@ with copies; the notice says a mailbox is unknown but not which: the
    classifier may say who it was sent to, never that boss@ (or anyone) is gone."""
    body = "Your message could not be delivered.\n\n550 5.1.1 User unknown\n\n"
    result = classify(_notice("Undeliverable", body))
    assert result.kind == Kind.BOUNCE
    assert result.recipients
    assert not any(r.hard for r in result.recipients)


def test_a_notice_naming_nobody_about_a_message_to_one_address_names_it() -> None:
    returned = RETURNED.replace(f"Cc: copies@client.example, {RECIPIENT}\n", "").replace(
        "To: boss@client.example", f"To: {RECIPIENT}"
    )
    text = (
        "From: MAILER-DAEMON@relay.example\nTo: billing@acme.example\nSubject: Undeliverable\n"
        "Content-Type: text/plain\n\nYour message could not be delivered.\n\n"
        f"550 5.1.1 User unknown\n\n{returned}"
    )
    result = classify(text.encode())
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [
        (RECIPIENT, "userunknown", True)
    ]


LIST_HEADERS = (
    "From: compta-bounces@lists.client.example\nTo: compta-owner@lists.client.example\n"
    "X-BeenThere: compta@lists.client.example\nX-Mailman-Version: 2.1.29\n"
)


_MEMBER_BOUNCE = (
    "From: MAILER-DAEMON@mx.client.example\nTo: compta-bounces@lists.client.example\n"
    "Subject: Undelivered Mail Returned to Sender\nContent-Type: text/plain\n\n"
    "This is the mail system at host mx.client.example.\n\n"
    f"<{R}>: host mx2.client.example[192.0.2.1] said: 550 5.1.1 <{R}>: Recipient "
    "address rejected: User unknown (in reply to RCPT TO command)\n\n"
    "--- Original message follows.\n\n"
    "From: billing@acme.example\nTo: compta@lists.client.example\n"
    "Message-ID: <inv-7@acme.example>\nSubject: Facture 7\n\nVoir.\n"
)
"""A member's bounce of a post, as the list server received it."""

# A list manager passing a member's bounce on, attached whole: (its headers, its own text)
CARRIERS = {
    # Mailman sends the bounces it cannot read to the list's owner ("Uncaught bounce
    # notification"); its text names no address
    "Mailman": (
        f"{LIST_HEADERS}Subject: Uncaught bounce notification\n",
        "The attached message was received as a bounce, but either the bounce format\n"
        "was not recognized, or no member addresses could be extracted from it.  This\n"
        "mailing list has been configured to send all unrecognized bounce messages to\n"
        "the list administrator(s).\n",
    ),
    # LISTSERV sends back what it took for a post as "a possible delivery error notice",
    # naming only its list
    "LISTSERV": (
        'From: "L-Soft list server at LISTS.CLIENT.EXAMPLE (16.0)" '
        "<LISTSERV@LISTS.CLIENT.EXAMPLE>\nTo: billing@acme.example\n"
        "Subject: Rejected posting to COMPTA@LISTS.CLIENT.EXAMPLE\n",
        "The enclosed message, found in the COMPTA@LISTS.CLIENT.EXAMPLE mailbox and shown\n"
        "under the spool ID 3306 in the system log, has been identified as a possible\n"
        'delivery error notice for the following reason: "Sender:" field pointing to the\n'
        "list has been found in mail body.\n",
    ),
}


@pytest.mark.parametrize("manager", sorted(CARRIERS))
def test_a_list_managers_notice_carrying_a_members_bounce_names_the_member(manager: str) -> None:
    headers, text = CARRIERS[manager]
    notice = (
        f"{headers}MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
        f"{text}\n--b\nContent-Type: message/rfc822\n\n{_MEMBER_BOUNCE}\n--b--\n"
    )
    result = classify(notice.replace("\n", "\r\n").encode())
    assert [(r.address, r.reason) for r in result.recipients] == [(R, "userunknown")]
    assert result.original_message_id == "<inv-7@acme.example>"
    assert "a forwarded notice" in result.notes


def test_the_site_administrator_a_notice_names_for_questions_is_not_a_recipient() -> None:
    notice = (
        f"{LIST_HEADERS}Subject: Bounce action notification\nContent-Type: text/plain\n\n"
        "This is a Mailman mailing list bounce action notice:\n\n"
        f"    List:       Compta\n    Member:     {R}\n"
        "    Action:     Subscription disabled.\n    Reason:     Excessive or fatal bounces.\n\n"
        "Questions? Contact the Mailman site administrator at\nmailman@lists.client.example.\n"
    )
    result = classify(notice.replace("\n", "\r\n").encode())
    assert [r.address for r in result.recipients] == [R]
    assert not result.recipients[0].hard


# Notices about the sender's own users, naming each by its local part alone, with no returned
# address that completes it: the mailbox is that local part at the notice's own domain.
# Formats as Mail::DeliveryStatus::BounceParser's preprocessors give them (p_compuserve,
# p_aol_senderblock, p_novell_groupwise_5_2, each quoting the notice in a comment)
OWN_USERS: dict[str, tuple[str, str]] = {
    "CompuServe": (
        "From: CompuServe Postmaster <postmaster@compuserve.example>\n"
        "Subject: Undeliverable Message\nContent-Type: text/plain\n\n"
        "Receiver not found: factures\n\n\nYour message could not be delivered as addressed.\n\n"
        "--- Message From Postmaster ---\n\nSubject: Addressing CompuServe Mail users\n\n"
        "Please contact postmaster@compuserve.example if you need additional formatting\n"
        "information for other types of addresses.\n\n--- Returned Message ---\n\n"
        "Sender: billing@acme.example\n"
        "Received: from relay.acme.example (relay.acme.example [192.0.2.9])\n"
        "        by mx.compuserve.example (8.9.3/8.9.3) with ESMTP id MAA16547\n"
        "        for <factures@compuserve.example>; Thu, 3 Dec 2026 10:00:00 +0100\n"
        "Message-ID: <inv-7@acme.example>\n\nVoir la facture.\n",
        "factures@compuserve.example",
    ),
    "CompuServe, nothing returned": (
        "From: CompuServe Postmaster <postmaster@compuserve.example>\n"
        "Subject: Undeliverable Message\nContent-Type: text/plain\n\n"
        "Receiver not found: factures\n\n\nYour message could not be delivered as addressed.\n",
        "factures@compuserve.example",
    ),
    "AOL AirMail": (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@aol.example>\nSubject: Returned mail\n"
        "Mailer: AirMail\nContent-Type: text/plain\n\n"
        "Sorry billing@acme.example. Your mail to the following recipients could not be "
        "delivered because they are not accepting mail from billing@acme.example:\n"
        "\tfactures\n",
        "factures@aol.example",
    ),
    "GroupWise 5.2": (
        "From: Mailer-Daemon@client.example\nSubject: Message status - undeliverable\n"
        "X-Mailer: Novell GroupWise 5.2\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain; charset=US-ASCII\n\n"
        "The message that you sent was undeliverable to the following:\n"
        "        factures (user not found)\n\n--b--\n",
        "factures@client.example",
    ),
}


@pytest.mark.parametrize("name", sorted(OWN_USERS))
def test_a_senders_own_user_named_by_local_part_is_at_the_senders_domain(name: str) -> None:
    notice, address = OWN_USERS[name]
    text = "To: billing@acme.example\n" + notice
    result = classify(text.replace("\n", "\r\n").encode())
    assert result.kind == Kind.BOUNCE
    assert [r.address for r in result.recipients] == [address]


def test_exims_notice_about_someone_elses_message_names_the_recipient_not_the_sender() -> None:
    """Exim's default bounce text, sent to other than the message's sender (deliver.c): "A
    message sent by <sender> could not be delivered …". The sender's address is not a failed
    recipient, even where no X-Failed-Recipients field says which one failed (a notice a
    person forwarded inline loses that field)."""
    raw = _notice(
        "Mail delivery failed",
        "This message was created automatically by mail delivery software.\n\n"
        "A message sent by\n\n  <billing@sub.acme.example>\n\n"
        "could not be delivered to one or more of its recipients. The following\n"
        f"address(es) failed:\n\n  {R}\n    retry timeout exceeded\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n",
    )
    result = classify(raw)
    assert result.kind == Kind.BOUNCE
    assert [r.address for r in result.recipients] == [R]


def test_sendmails_transcript_of_a_relay_is_not_another_recipient() -> None:
    """sendmail lists the failed address, then the session with the next relay, which wrote
    it its own way ("RCPT To:<user@relay-host>"): one recipient, as listed (the notice as
    BounceParser's p_plain_smtp_transcript quotes it)."""
    body = (
        "The original message was received at Thu, 3 Dec 2026 10:00:00 +0100\n"
        "from daemon@localhost\n\n"
        "   ----- The following addresses had permanent fatal errors -----\n"
        f"<{R}>\n    (expanded from: <{R}>)\n\n"
        "   ----- Transcript of session follows -----\n"
        "... while talking to smtp-local.client.example.:\n"
        ">>> RCPT To:<factures@smtp-local.client.example>\n"
        "<<< 550 <factures@smtp-local.client.example>... User unknown\n"
        f"550 <{R}>... User unknown\n   ----- Message header follows -----\n\n"
    )
    result = classify(_notice("Returned mail: User unknown", body))
    assert [(r.address, r.reason) for r in result.recipients] == [(R, "userunknown")]


# A notice that the invoice was passed on to the recipient's new address: it arrived, so it
# is informational (an auto-reply carrying the new address), never a bounce of the old one.
# Wordings as Mail::DeliveryStatus::BounceParser quotes and reads them
PASSED_ON = {
    "CompuServe": (
        "factures@client.example has a new CompuServe e-mail address.  The new e-mail\n"
        "address is compta@client.example and CompuServe has automatically forwarded\n"
        "your message. Please take this opportunity to update your address book with\n"
        "the new e-mail address.\n\n--- Returned Message ---\n\n"
    ),
    "address changed": (
        "The email address factures@client.example has changed to compta@client.example.\n"
        "Your message has been forwarded to the new address.\n\n"
    ),
}


@pytest.mark.parametrize("name", sorted(PASSED_ON))
def test_a_message_passed_on_to_a_new_address_is_not_a_bounce(name: str) -> None:
    result = classify(_notice("Address change notification", PASSED_ON[name]))
    assert result.kind == Kind.AUTOREPLY
    assert not any(r.hard or r.action == "failed" for r in result.recipients)
    assert "compta@client.example" in (result.excerpt or "")
    assert result.original_message_id == "<inv-7@acme.example>"


def test_a_moved_address_that_was_not_forwarded_is_still_a_bounce() -> None:
    body = (
        f"The address {R} has changed to compta@client.example.\n"
        "Your message was not delivered and will not be forwarded.\n\n"
    )
    result = classify(_notice("Undeliverable", body))
    assert result.kind == Kind.BOUNCE
    assert [r.address for r in result.recipients][:1] == [R]


def test_a_challenge_response_request_is_an_auto_reply_not_unknown() -> None:
    """TMDA holds the message until its sender confirms, and marks its request with its own
    X-Delivery-Agent (as Mail::DeliveryStatus::BounceParser recognises it)."""
    text = (
        "From: factures-confirm@client.example\nTo: billing@acme.example\n"
        "Subject: Please confirm your message\nX-Delivery-Agent: TMDA/1.1.12\n"
        "Content-Type: text/plain\n\nA message that you sent has not yet been delivered to one "
        "or more of its recipients.\nTo confirm your message, reply to this message.\n\n"
        f"{RETURNED}"
    )
    result = classify(text.replace("\n", "\r\n").encode())
    assert result.kind == Kind.AUTOREPLY
    assert "confirm" in (result.excerpt or "")


@pytest.mark.parametrize(
    ("named", "recipients"),
    [(f"{R} on Thu, 3 Dec 2026 10:00:05 +0100", [R]), ("Factures on Thu, 3 Dec 2026", [])],
)
def test_exchanges_delivery_receipt_is_a_delivery_not_a_failure(
    named: str, recipients: list[str]
) -> None:
    """Exchange 4.0-2003's receipt ("Your message … was delivered to the following
    recipient(s)", read as no error by Mail::DeliveryStatus::BounceParser), naming the
    recipient by address or by display name only: delivered, never a failed bounce."""
    body = (
        "Your message\n\n  Subject: Facture 7\n  Sent:    Thu, 3 Dec 2026 10:00:00 +0100\n\n"
        f"was delivered to the following recipient(s):\n\n{named}\n\n"
    )
    result = classify(_notice("Delivered: Facture 7", body))
    assert result.kind == Kind.DELIVERY_REPORT
    assert [r.address for r in result.recipients] == recipients


def test_postfix_smtpd_chat_names_the_refused_recipient_not_our_sender() -> None:
    """Postfix's report of a client's errors (smtpd_chat.c, "Postfix SMTP server: errors
    from …", the session as "In:" and "Out:" lines): the recipient refused at RCPT TO, never
    the sender the session's MAIL FROM named."""
    text = (
        "From: MAILER-DAEMON@mx.client.example (Mail Delivery System)\n"
        "To: postmaster@mx.client.example (Postmaster)\n"
        "Subject: Postfix SMTP server: errors from relay.acme.example[192.0.2.9]\n"
        "Content-Type: text/plain\n\nTranscript of session follows.\n\n"
        " Out: 220 mx.client.example ESMTP Postfix\n In:  EHLO relay.acme.example\n"
        " Out: 250-mx.client.example\n In:  MAIL FROM:<billing@acme.example> SIZE=1234\n"
        f" Out: 250 2.1.0 Ok\n In:  RCPT TO:<{R}>\n"
        f" Out: 550 5.1.1 <{R}>: Recipient address rejected: User unknown in local recipient"
        " table\n In:  QUIT\n Out: 221 2.0.0 Bye\n\nFor other details, see the local mail logfile\n"
    )
    result = classify(text.replace("\n", "\r\n").encode())
    assert [(r.address, r.reason) for r in result.recipients] == [(R, "userunknown")]


def test_the_returned_messages_summed_up_to_is_not_a_failed_recipient() -> None:
    """Oracle Messaging Server's (and PMDF's) notice first sums up the message it returns
    ("This report relates to a message you sent with the following header fields:", its To
    among them), then lists each failed recipient: boss@, the To, received it."""
    body = (
        "This report relates to a message you sent with the following header fields:\n\n"
        "  Message-id: <inv-7@acme.example>\n  From: billing@acme.example\n"
        "  To: boss@client.example\n  Subject: Facture 7\n\n"
        "Your message cannot be delivered to the following recipients:\n\n"
        f"  Recipient address: {R}\n  Reason: Remote SMTP server has rejected address\n"
        f"  Diagnostic code: smtp;550 5.1.1 <{R}>... User Unknown\n\n"
    )
    result = classify(_notice("Delivery Notification: Delivery has failed", body))
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [(R, "userunknown", True)]


@pytest.mark.parametrize(
    "line",
    ["Subject: Factures", "Factures de décembre: votre message n'a pas été remis"],
)
def test_a_word_that_is_a_local_part_does_not_name_that_mailbox(line: str) -> None:
    """A subject field or a sentence that opens with the word 'factures' is not a mailbox
    named without its domain: the notice names nobody, so no one of several is proven gone."""
    body = f"Your message could not be delivered.\n\n{line}\n\n550 5.1.1 User unknown\n\n"
    result = classify(_notice("Undeliverable", body))
    assert not any(r.hard for r in result.recipients)


def test_a_local_part_is_completed_from_the_returned_received_for() -> None:
    """The returned message shows no To, only the Received field its server added (RFC 5321
    4.4, "for <recipient>"): that names the mailbox, not the relay's own domain."""
    text = (
        "From: postmaster@relay.example\nTo: billing@acme.example\nSubject: Undeliverable\n"
        "Content-Type: text/plain\n\nReceiver not found: factures\n\n"
        "--- Returned Message ---\n\nSender: billing@acme.example\n"
        "Received: from relay.acme.example (relay.acme.example [192.0.2.9])\n"
        "        by mx.client.example (8.9.3/8.9.3) with ESMTP id MAA16547\n"
        f"        for <{R}>; Thu, 3 Dec 2026 10:00:00 +0100\n"
        "Message-ID: <inv-7@acme.example>\n\nVoir la facture.\n"
    )
    result = classify(text.replace("\n", "\r\n").encode())
    assert [r.address for r in result.recipients] == [R]


_POSTFIX_NOTICE = (
    "This is the mail system at host relay.example.\n\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients.\n\n"
    f"<{R}>: host mx.client.example[192.0.2.1] said: 550 5.1.1 <{R}>: Recipient "
    "address rejected: User unknown (in reply to RCPT TO command)\n"
)

# A colleague forwarding a notice inline to the bounce mailbox, as each mail client writes it:
# its marker line, the notice's header lines in the client's language, the notice's text
INLINE_FORWARDS = {
    "Gmail": (
        "Fwd: Undelivered Mail Returned to Sender",
        "---------- Forwarded message ---------\n"
        "From: Mail Delivery System <MAILER-DAEMON@relay.example>\n"
        "Date: Thu, 3 Dec 2026 at 10:00\nSubject: Undelivered Mail Returned to Sender\n"
        "To: <billing@acme.example>\n\n",
    ),
    "Thunderbird, French": (
        "Fwd: Undelivered Mail Returned to Sender",
        "-------- Message transféré --------\n"
        "Sujet : Undelivered Mail Returned to Sender\n"
        "Date : Thu, 3 Dec 2026 10:00:00 +0100\n"
        "De : Mail Delivery System <MAILER-DAEMON@relay.example>\n"
        "Pour : billing@acme.example\n\n",
    ),
    "Outlook, French": (
        "TR: Undelivered Mail Returned to Sender",
        "________________________________\n"
        "De : Mail Delivery System <MAILER-DAEMON@relay.example>\n"
        "Envoyé : jeudi 3 décembre 2026 10:00\nÀ : billing@acme.example\n"
        "Objet : Undelivered Mail Returned to Sender\n\n",
    ),
    "Gmail, under the sender's signature rule": (
        "Fwd: Undelivered Mail Returned to Sender",
        "Paul Martin\nService facturation\n________________________________\n\n"
        "---------- Forwarded message ---------\n"
        "From: Mail Delivery System <MAILER-DAEMON@relay.example>\n"
        "Subject: Undelivered Mail Returned to Sender\nTo: <billing@acme.example>\n\n",
    ),
    "Apple Mail": (
        "Fwd: Undelivered Mail Returned to Sender",
        "Begin forwarded message:\n\n"
        "From: Mail Delivery System <MAILER-DAEMON@relay.example>\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Date: 3 December 2026 at 10:00:00 CET\nTo: billing@acme.example\n\n",
    ),
}


@pytest.mark.parametrize("client", sorted(INLINE_FORWARDS))
def test_a_notice_a_person_forwarded_inline_names_its_failed_recipient(client: str) -> None:
    """The notice's quoted "To:" line names who received the notice (our sender), never a
    failed recipient; its text under the quoted lines is read as the notice."""
    subject, quoted = INLINE_FORWARDS[client]
    raw = (
        "From: Paul Martin <paul@acme.example>\nTo: retours@acme.example\n"
        f"Subject: {subject}\nContent-Type: text/plain; charset=utf-8\n\n"
        f"Ça a rebondi, tu peux regarder ?\n\n{quoted}{_POSTFIX_NOTICE}"
    )
    result = classify(raw.replace("\n", "\r\n").encode())
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [(R, "userunknown", True)]
    assert "a notice forwarded inline" in result.notes


_PLAIN_NOTICE = (
    "From: Mail Delivery System <MAILER-DAEMON@relay.example>\nTo: billing@acme.example\n"
    "Subject: Undelivered Mail Returned to Sender\nMessage-ID: <n-1@relay.example>\n"
    f"Content-Type: text/plain\n\n{_POSTFIX_NOTICE}\n--- Original message follows.\n\n"
    f"From: billing@acme.example\nTo: {R}\nMessage-ID: <inv-7@acme.example>\n"
    "Subject: Facture 7\n\nVoir la facture.\n"
)
_AUTO_REPLY = (
    f"From: Compta <{R}>\nTo: billing@acme.example\nSubject: Absence : Facture 7\n"
    "Auto-Submitted: auto-replied\nIn-Reply-To: <inv-7@acme.example>\n"
    "Message-ID: <n-1@relay.example>\nContent-Type: text/plain; charset=utf-8\n\n"
    "Je suis absente jusqu'au 14 décembre.\n"
)
# What a person may pass on attached, and what it is read as: (the message, kind, reason)
CARRIED_ATTACHED = {
    "a plain-text notice": (_PLAIN_NOTICE, Kind.BOUNCE, "userunknown"),
    "a delivery report (RFC 3464)": (
        _dsn("5.1.1", "550 5.1.1 User unknown").decode().replace("\r\n", "\n"),
        Kind.BOUNCE,
        "userunknown",
    ),
    "a complaint (RFC 5965)": (
        _complaint(f"Original-Rcpt-To: <{R}>\r\n", "To: undisclosed-recipients:;\r\n")
        .decode()
        .replace("\r\n", "\n"),
        Kind.FEEDBACK,
        "feedback",
    ),
    "an auto-reply (RFC 3834)": (_AUTO_REPLY, Kind.AUTOREPLY, "vacation"),
}
# How a person's mail client passes a message on attached ("forward as attachment"): its
# subject, and the fields it writes that name the message it forwards
FORWARDS_AS_ATTACHMENT = {
    "Thunderbird": ("Fwd: Undelivered Mail Returned to Sender", ""),
    "Outlook, French": ("TR: Undelivered Mail Returned to Sender", ""),
    "Gmail": ("Fwd: Facture 7", "In-Reply-To: <n-1@relay.example>\n"),
    "a person's own subject": ("à vérifier", ""),
}


def _with_message_id(message: str) -> str:
    """The message with the Message-ID the Gmail forward refers to."""
    if "Message-ID: <n-1@relay.example>" in message:
        return message
    return f"Message-ID: <n-1@relay.example>\n{message}"


@pytest.mark.parametrize("client", sorted(FORWARDS_AS_ATTACHMENT))
@pytest.mark.parametrize("carried", sorted(CARRIED_ATTACHED))
def test_a_notice_a_person_passes_on_attached_is_read_as_that_notice(
    carried: str, client: str
) -> None:
    """RFC 2046 5.2.1: the notice is the attached message; the person's own message names
    no one. The notice's "To:" (our sender) is never read as a failed recipient."""
    notice, kind, reason = CARRIED_ATTACHED[carried]
    subject, fields = FORWARDS_AS_ATTACHMENT[client]
    raw = (
        "From: Paul Martin <paul@acme.example>\nTo: retours@acme.example\n"
        f"Subject: {subject}\n{fields}Message-ID: <fw-1@acme.example>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="F"\n\n--F\n'
        "Content-Type: text/plain; charset=utf-8\n\nÇa a rebondi, tu peux regarder ?\n\n"
        "--F\nContent-Type: message/rfc822\n\n"
        f"{_with_message_id(notice)}\n--F--\n"
    )
    result = classify(raw.replace("\n", "\r\n").encode())
    assert result.kind == kind
    assert [(r.address, r.reason) for r in result.recipients] == [(R, reason)]
    assert result.original_message_id == "<inv-7@acme.example>"
    assert result.addressed_to == ("retours@acme.example",)


def test_a_notices_own_copy_of_the_invoice_under_a_forward_line_is_not_a_forwarded_notice() -> None:
    """Gmail's notice shows our invoice under its own "Forwarded message" line: that is the
    returned message, not a notice someone forwarded."""
    body = (
        "Address not found\n\nYour message wasn't delivered to "
        f"{R} because the address couldn't be found.\n\n"
        "---------- Forwarded message ----------\nFrom: billing@acme.example\n"
        f"To: boss@client.example, {R}\nSubject: Facture 7\n\nVoir la facture.\n"
    )
    result = classify(_notice("Delivery Status Notification (Failure)", body))
    assert [r.address for r in result.recipients] == [R]
    assert "a notice forwarded inline" not in result.notes


# A customer answering the invoice in words a notice's subject also has: (subject, text)
ANSWERS = {
    "English, Re:": (
        "Re: Facture 7 rejected",
        "We rejected this invoice: the VAT number is wrong. Please send a credit note to "
        "ap@client.example.",
    ),
    "French, Outlook's RE :": (
        "RE : Facture 7 - marchandise non remise",
        "Bonjour, la marchandise ne nous a pas été remise, nous ne pouvons pas payer. "
        "Écrivez à compta@client.example.",
    ),
    "German, AW:": (
        "AW: Rechnung 7 - Lieferung nicht zustellbar",
        "Die Lieferung war nicht zustellbar; bitte an buchhaltung@client.example schreiben.",
    ),
    "Brazilian Portuguese, RES:": (
        "RES: Fatura 7 - mercadoria não entregue",
        "A mercadoria não foi entregue e o nosso portal devolveu o erro 554: não podemos "
        "pagar. Escreva a ap@client.example.",
    ),
    # the same, tagged by a receiving gateway before the reply's prefix (a mail flow rule's
    # "[EXTERNAL]", SpamAssassin's "*****SPAM*****")
    "a gateway's tag, then Re:": (
        "[EXTERNAL] Re: Facture 7 rejected",
        "Our portal rejected this invoice with error 550: the VAT number is wrong.",
    ),
    "a spam filter's tag, then AW:": (
        "*****SPAM***** AW: Rechnung 7 - Lieferung nicht zustellbar",
        "Die Lieferung war nicht zustellbar (Fehler 554); bitte an buchhaltung@client.example.",
    ),
    "a subject without a reply's prefix": (
        "Facture 7 rejected",
        "Rejected: the purchase order number is missing. Contact ap@client.example.",
    ),
}


@pytest.mark.parametrize("answer", sorted(ANSWERS))
@pytest.mark.parametrize("refers", ["In-Reply-To", "References"])
def test_a_customers_answer_in_a_notices_words_is_a_reply(answer: str, refers: str) -> None:
    """A person answering the invoice ("invoice rejected", "goods not delivered") is read
    as a reply for a person to read, never a bounce of the address they name."""
    subject, text = ANSWERS[answer]
    raw = (
        f"From: Jean Dupont <jean.dupont@client.example>\nTo: billing@acme.example\n"
        f"Subject: {subject}\n{refers}: <inv-7@acme.example>\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{text}\n\nJean\n"
    )
    result = classify(raw.replace("\n", "\r\n").encode())
    assert (result.kind, result.recipients) == (Kind.HUMAN, ())


_NOTICE_ABOUT_THEIR_REPLY = (
    "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
    "Subject: Delivery Status Notification (Failure)\nTo: jean.dupont@client.example\n\n"
    "Address not found\n\nYour message wasn't delivered to billing@acme.example because the "
    "address couldn't be found.\n\nThe response was:\n\n550 5.1.1 The email account that you "
    "tried to reach does not exist.\n"
)
# A customer's reply to the invoice showing a notice their own reply drew: pasted under a
# forward line, or attached (a report, RFC 3464, or a plain notice): (content type, part)
SHOWN_IN_A_REPLY = {
    "pasted": (
        "text/plain; charset=utf-8",
        "Quand je vous réponds, j'ai ce message :\n\n---------- Forwarded message ---------\n"
        + _NOTICE_ABOUT_THEIR_REPLY,
    ),
    "a report attached": (
        'multipart/mixed; boundary="R"',
        "--R\nContent-Type: text/plain; charset=utf-8\n\nQuand je vous réponds, j'ai ceci.\n"
        "--R\nContent-Type: message/rfc822\n\n"
        + _dsn("5.1.1", "550 5.1.1 User unknown")
        .decode()
        .replace("\r\n", "\n")
        .replace(RECIPIENT, "billing@acme.example")
        + "\n--R--\n",
    ),
    "a notice attached": (
        'multipart/mixed; boundary="R"',
        "--R\nContent-Type: text/plain; charset=utf-8\n\nQuand je vous réponds, j'ai ceci.\n"
        f"--R\nContent-Type: message/rfc822\n\n{_NOTICE_ABOUT_THEIR_REPLY}\n--R--\n",
    ),
}


@pytest.mark.parametrize("shown", sorted(SHOWN_IN_A_REPLY))
def test_a_reply_that_shows_a_notice_about_the_customers_own_message_is_a_reply(
    shown: str,
) -> None:
    """ "Re: Facture 7" with the notice their answer drew: the notice is about their message
    (to our billing address), not our invoice; what they say is for a person to read."""
    content_type, body = SHOWN_IN_A_REPLY[shown]
    raw = (
        "From: Jean Dupont <jean.dupont@client.example>\nTo: billing@acme.example\n"
        "Subject: Re: Facture 7\nIn-Reply-To: <inv-7@acme.example>\nMIME-Version: 1.0\n"
        f"Content-Type: {content_type}\n\n{body}"
    )
    result = classify(raw.replace("\n", "\r\n").encode())
    assert (result.kind, result.recipients) == (Kind.HUMAN, ())
    assert result.original_message_id == "<inv-7@acme.example>"


def test_a_notice_that_answers_the_message_it_returns_is_still_a_notice() -> None:
    """Exchange's notices refer to the message they return (In-Reply-To, References); sent
    from a gateway's own address, under a notice's subject, the returned message says it."""
    raw = (
        "From: Relay <relay@gateway.client.example>\nTo: billing@acme.example\n"
        "Subject: Undeliverable: Facture 7\nIn-Reply-To: <inv-7@acme.example>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="N"\n\n'
        f"--N\nContent-Type: text/plain\n\nDelivery has failed to these recipients:\n\n{R}\n"
        f"Remote Server returned '550 5.1.1 User unknown'\n\n"
        f"--N\nContent-Type: message/rfc822\n\n{RETURNED}\n--N--\n"
    )
    result = classify(raw.replace("\n", "\r\n").encode())
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason) for r in result.recipients] == [(R, "userunknown")]


def test_a_person_forwarding_an_ordinary_message_is_not_a_bounce() -> None:
    raw = (
        "From: Paul Martin <paul@acme.example>\nTo: retours@acme.example\n"
        "Subject: Fwd: Facture 7\nContent-Type: text/plain; charset=utf-8\n\n"
        "Pour info.\n\n---------- Forwarded message ---------\n"
        "From: Client <boss@client.example>\nSubject: Re: Facture 7\n"
        "To: billing@acme.example\n\nMerci, bien reçu.\n"
    )
    assert classify(raw.replace("\n", "\r\n").encode()).kind != Kind.BOUNCE


# A colleague forwards a customer's auto-reply inline (Gmail's and Outlook's markers, the
# quoted header lines in English and French): the responder is the quoted From
FORWARDED_AUTOREPLY = {
    "Gmail": (
        "Fwd: Automatic reply: Facture 7",
        "FYI\n\n---------- Forwarded message ---------\n"
        "From: Jean Dupont <jean.dupont@client.example>\nDate: Thu, 3 Dec 2026 at 10:00\n"
        "Subject: Automatic reply: Facture 7\nTo: billing@acme.example\n\n"
        "I am out of the office until 14 December 2026.\n",
    ),
    "Outlook, French": (
        "TR: Réponse automatique : Facture 7",
        "Pour info\n\n-----Message d'origine-----\n"
        "De : Jean Dupont <jean.dupont@client.example>\nEnvoyé : jeudi 3 décembre 2026 10:00\n"
        "À : billing@acme.example\nObjet : Réponse automatique : Facture 7\n\n"
        "Je suis absent jusqu'au 14 décembre 2026.\n",
    ),
}


@pytest.mark.parametrize("client", sorted(FORWARDED_AUTOREPLY))
def test_an_auto_reply_forwarded_inline_is_the_quoted_responders(client: str) -> None:
    subject, body = FORWARDED_AUTOREPLY[client]
    result = classify(_plain("Paul Martin <paul@acme.example>", subject, body))
    assert result.kind == Kind.AUTOREPLY
    assert [(r.address, r.reason) for r in result.recipients] == [
        ("jean.dupont@client.example", "vacation")
    ]
    assert result.autoreply_until == "2026-12-14"
    assert "an auto-reply forwarded inline" in result.notes


def test_a_person_answering_an_auto_reply_is_not_read_as_the_responder() -> None:
    """ "RE: Automatic reply: …" with the auto-reply quoted under Outlook's marker: the
    person's answer, whoever wrote the quoted lines."""
    raw = _plain(
        "Paul Martin <paul@acme.example>",
        "RE: Automatic reply: Facture 7",
        "Who can I contact meanwhile?\n\n"
        "-----Original Message-----\nFrom: Jean Dupont <jean.dupont@client.example>\n"
        "Subject: Automatic reply: Facture 7\n\nI am out of the office.\n",
        "In-Reply-To: <ar-1@client.example>\n",
    )
    result = classify(raw)
    assert all(r.address != "jean.dupont@client.example" for r in result.recipients)


def test_an_inline_forwarded_notice_naming_nobody_is_a_bounce_of_no_one() -> None:
    """The address was in the report part the forward left out: the notice's quoted "To:"
    (our own sender) is still never taken for the failed recipient."""
    raw = (
        "From: Paul Martin <paul@acme.example>\nTo: retours@acme.example\n"
        "Subject: Fwd: Delivery Status Notification (Failure)\n"
        "Content-Type: text/plain; charset=utf-8\n\nFYI\n\n"
        "---------- Forwarded message ---------\n"
        "From: postmaster@client.example\nSubject: Delivery Status Notification (Failure)\n"
        "To: billing@acme.example\n\nThis message could not be delivered.\n"
    )
    result = classify(raw.replace("\n", "\r\n").encode())
    assert result.kind == Kind.BOUNCE
    assert result.recipients == ()
    assert "a notice forwarded inline" in result.notes


def test_a_notice_forwarded_inline_from_outlooks_html_names_its_failed_recipient() -> None:
    """Outlook writes a forward as HTML: a rule, then the notice's header lines in bold."""
    page = (
        "<html><body><div>Peux-tu regarder ?</div><hr tabindex='-1'>"
        "<div id='divRplyFwdMsg'><b>De :</b> Mail Delivery System "
        "&lt;MAILER-DAEMON@relay.example&gt;<br><b>Envoyé :</b> jeudi 3 décembre 2026 10:00"
        "<br><b>À :</b> billing@acme.example<br><b>Objet :</b> Undelivered Mail Returned to "
        "Sender</div><div>"
        + _POSTFIX_NOTICE.replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
        + "</div></body></html>"
    )
    raw = (
        "From: Paul Martin <paul@acme.example>\nTo: retours@acme.example\n"
        "Subject: TR: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        f"Content-Type: text/html; charset=utf-8\n\n{page}\n"
    )
    result = classify(raw.replace("\n", "\r\n").encode())
    assert [(r.address, r.reason) for r in result.recipients] == [(R, "userunknown")]
    assert "a notice forwarded inline" in result.notes


@pytest.mark.parametrize(
    "said",
    [
        # the returned message's own Message-ID, quoted by the notice (RFC 5322 3.6.4: an
        # identifier is written "id-left@id-right", like an address)
        f"Your message <inv-7@acme.example> could not be delivered to:\n\n{R}: 550 5.1.1 User "
        "unknown\n\n",
        # an identifier named by its label: the message's, the envelope's (RFC 3464 2.2.1's
        # Original-Envelope-Id), a queue's
        f"Delivery to {R} failed.\nOriginal message id: <20261203.ABC@acme.example>\n"
        "Reason: 550 5.1.1 User unknown\n\n",
        f"Original-Envelope-Id: <env123@acme.example>\n\n{R}: 550 5.1.1 User unknown\n\n",
        f"The message with ID <20261203.ABC@relay.example> was not delivered to {R}.\n"
        "Reason: 550 5.1.1 User unknown\n\n",
        f"{R}\n    SMTP error from remote mail server after RCPT TO:<{R}>:\n"
        "    550 5.1.1 User unknown (queue id 4XyzAB@mx.client.example)\n\n",
    ],
)
def test_a_message_identifier_in_a_notices_text_is_not_a_failed_recipient(said: str) -> None:
    result = classify(_notice("Undelivered Mail Returned to Sender", said))
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [(R, "userunknown", True)]


def _bare_notice(body: str) -> bytes:
    """A plain notice sent to a VERP return path, the invoice not returned: nothing but the
    notice's own words says who sent it."""
    text = (
        "From: MAILER-DAEMON@relay.example\nTo: bounce+d41.k3@acme.example\n"
        f"Subject: Undelivered Mail Returned to Sender\nContent-Type: text/plain\n\n{body}"
    )
    return text.replace("\n", "\r\n").encode()


@pytest.mark.parametrize(
    "said",
    [
        f"Your message from billing@acme.example to {R} could not be delivered.\n"
        "Reason: 550 5.1.1 User unknown\n",
        f"A message from <billing@acme.example> to <{R}> was rejected: 550 5.1.1 User unknown\n",
        # Exim's notice of a frozen message (deliver.c: "The sender is <…>")
        f"Message 1abc-000 has been frozen.\nThe sender is <billing@acme.example>.\n\n  {R}\n"
        "    550 5.1.1 User unknown\n",
        f"Original sender: billing@acme.example\nFailed recipient: {R}\n"
        "Reason: 550 5.1.1 User unknown\n",
        # the sender's field in the notice's language (RFC 5322's From, as localized clients
        # label it)
        f"Von: billing@acme.example\nAn: {R}\nFehler: 550 5.1.1 Benutzer unbekannt\n",
        f"De : billing@acme.example\nÀ : {R}\nErreur : 550 5.1.1 Utilisateur inconnu\n",
        f"Expéditeur : billing@acme.example\nDestinataire : {R}\n"
        "Erreur : 550 5.1.1 Utilisateur inconnu\n",
        f"Absender: billing@acme.example\nEmpfänger: {R}\nFehler: 550 5.1.1 Benutzer unbekannt\n",
    ],
)
def test_the_sender_a_notice_names_is_not_a_failed_recipient(said: str) -> None:
    result = classify(_bare_notice(said))
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [(R, "userunknown", True)]


def test_the_address_an_alias_was_made_from_is_still_the_one_written() -> None:
    """Not a sender: Postfix's "(expanded from <written>)" names the address the invoice was
    sent to."""
    said = (
        "<factures@mail.client.example> (expanded from <factures@client.example>): host "
        "mx.client.example said: 550 5.1.1 User unknown (in reply to RCPT TO command)\n"
    )
    [r] = classify(_bare_notice(said)).recipients
    assert (r.address, r.original_recipient) == (
        "factures@mail.client.example",
        "factures@client.example",
    )


# Outlook's read receipt when it sends no RFC 8098 report: its own plain-text template, in
# the reader's language; what the reader did as RFC 8098 3.2.6 names it
TEXT_READ_RECEIPTS = {
    "read": (
        "Read: Facture 7",
        "Your message\n\n  To: Factures\n  Subject: Facture 7\n"
        "  Sent: Thursday, December 3, 2026 10:00:00 AM\n\n"
        "was read on Thursday, December 3, 2026 10:05:00 AM.\n",
        "displayed",
    ),
    "deleted unread": (
        "Not read: Facture 7",
        "Your message\n\n  To: Factures\n  Subject: Facture 7\n"
        "  Sent: Thursday, December 3, 2026 10:00:00 AM\n\n"
        "was deleted without being read on Thursday, December 3, 2026 11:00:00 AM.\n",
        "deleted",
    ),
    "read, in French": (
        "Lu : Facture 7",
        "Votre message\n\n  À : Factures\n  Objet : Facture 7\n"
        "  Envoyé : jeudi 3 décembre 2026 10:00:00\n\n"
        "a été lu le jeudi 3 décembre 2026 10:05:00.\n",
        "displayed",
    ),
    "read, in German": (
        "Gelesen: Rechnung 7",
        "Ihre Nachricht\n\n  An: Factures\n  Betreff: Rechnung 7\n"
        "  Gesendet: Donnerstag, 3. Dezember 2026 10:00:00\n\n"
        "wurde am Donnerstag, 3. Dezember 2026 10:05:00 gelesen.\n",
        "displayed",
    ),
}


@pytest.mark.parametrize("form", sorted(TEXT_READ_RECEIPTS))
def test_a_read_receipt_in_plain_text_is_a_read_receipt_of_its_sender(form: str) -> None:
    subject, body, disposition = TEXT_READ_RECEIPTS[form]
    result = classify(
        _plain(f"Jean Dupont <{R}>", subject, body, "In-Reply-To: <inv-7@acme.example>\n")
    )
    assert result.kind == Kind.READ_RECEIPT
    assert [(r.address, r.reason) for r in result.recipients] == [(R, disposition)]
    assert result.original_message_id == "<inv-7@acme.example>"
    # what the reader's client said, as it said it
    assert (result.recipients[0].diagnostic or "").split(" ")[0] in ("Your", "Votre", "Ihre")


def test_a_person_quoting_a_read_receipt_in_an_answer_is_a_reply() -> None:
    subject, body, _ = TEXT_READ_RECEIPTS["read"]
    raw = _plain(
        f"Jean Dupont <{R}>",
        f"RE: {subject}",
        f"Yes, I read it, but the amount is wrong.\n\n{body}",
        "In-Reply-To: <rr-1@acme.example>\n",
    )
    assert classify(raw).kind == Kind.HUMAN


def test_a_quoted_header_block_is_looked_for_only_in_the_lines_under_the_marker() -> None:
    """``inline_forward._HEADER_LINES``: a text of many forward markers is not split whole at
    each; header lines further down than that are text, not the quoted message."""
    from bounce_parser.inline_forward import _HEADER_LINES, quoted_messages

    quoted = "From: Jean <jean@client.example>\nSubject: Automatic reply: Facture 7\n\nAbsent.\n"
    near = "-----Original Message-----\n" + " \n" * (_HEADER_LINES - 5) + quoted
    far = "-----Original Message-----\n" + " \n" * (_HEADER_LINES + 5) + quoted
    [message] = quoted_messages(near)
    assert (message["From"], message["Subject"]) == (
        "Jean <jean@client.example>",
        "Automatic reply: Facture 7",
    )
    assert list(quoted_messages(far)) == []
