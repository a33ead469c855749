"""One notice, in the other forms mail systems send it: as HTML only, with the returned
headers as an attached file, and for an address that an alias or a forward made.

Each MTA template is the plain-text one of ``test_documented_wording`` (its source named
there); these tests assert that the verdict does not depend on the form it arrives in.
"""

from __future__ import annotations

import html

import pytest

from bounce_parser import Classification, Kind, classify
from bounce_parser.htmltext import MAX_OPEN_TAGS, html_text
from daemon.domain.models import Delivery
from daemon.inbound.tying import recipient_for
from tests.unit.test_documented_wording import RECIPIENT, RETURNED, TEMPLATES, _notice


def _html_notice(subject: str, body: str, style: str) -> bytes:
    """``body`` as the only, HTML, part of a notice (RFC 2854), the returned message's
    headers in a ``<pre>`` block as Exchange shows "Original message headers"."""
    if style == "br":
        shown = "<br>\n".join(html.escape(line) for line in body.splitlines())
    elif style == "p":
        shown = "".join(f"<p>{html.escape(line)}</p>" for line in body.splitlines() if line)
    else:  # one table row a line, as Exchange's diagnostic block is laid out
        shown = "<table>" + "".join(
            f"<tr><td>{html.escape(line)}</td></tr>" for line in body.splitlines()
        )
        shown += "</table>"
    page = (
        "<html><head><title>Notice</title><style>p { margin: 0 }</style></head><body>"
        f"{shown}<pre>{html.escape(RETURNED)}</pre></body></html>"
    )
    text = (
        f"From: MAILER-DAEMON@relay.example\nTo: billing@acme.example\nSubject: {subject}\n"
        "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
        f"{page}\n"
    )
    return text.replace("\n", "\r\n").encode()


def _verdict(raw: bytes) -> list[tuple[str, str | None, bool]]:
    result = classify(raw)
    assert result.kind == Kind.BOUNCE
    return [(r.address, r.reason, r.hard) for r in result.recipients]


@pytest.mark.parametrize("style", ["br", "p", "table"])
@pytest.mark.parametrize("product", sorted(TEMPLATES))
def test_a_notice_sent_only_as_html_reads_as_its_plain_text(product: str, style: str) -> None:
    subject, body = TEMPLATES[product]
    plain = classify(_notice(subject, body))
    raw = _html_notice(subject, body, style)
    assert _verdict(raw) == [(RECIPIENT, "userunknown", True)]
    assert classify(raw).original_message_id == plain.original_message_id


def test_html_entities_and_line_breaks_are_read_as_a_person_sees_them() -> None:
    page = (
        "<div>Delivery has failed to these recipients:</div><div>&lt;a&amp;b@client.example"
        "&gt;</div><script>var x = '<p>no@where.example</p>';</script>"
        "<p>first&nbsp;line<br>second line</p><table><tr><td>Remote server:</td>"
        "<td>mx.client.example</td></tr></table>"
    )
    assert html_text(page).splitlines() == [
        "Delivery has failed to these recipients:",
        "<a&b@client.example>",
        "first line",
        "second line",
        "Remote server: mx.client.example",
    ]
    # a thematic break is a line of its own, as a mail client writes it in plain text
    assert html_text("<p>above</p><hr tabindex='-1'><p>below</p>").splitlines() == [
        "above",
        "_" * 32,
        "below",
    ]


def test_returned_headers_attached_as_a_file_are_not_the_notice() -> None:
    """An HTML notice whose returned headers come as an attached .txt (a plain-text part):
    the notice is the HTML; the attachment's To and Received lines name no failed
    recipient."""
    subject, body = TEMPLATES["Postfix bounce(5)"]
    shown = "<br>\n".join(html.escape(line) for line in body.splitlines())
    raw = (
        "From: MAILER-DAEMON@relay.example\nTo: billing@acme.example\n"
        f"Subject: {subject}\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="B"\n\n'
        f"--B\nContent-Type: text/html; charset=utf-8\n\n<html><body>{shown}</body></html>\n"
        "--B\nContent-Type: text/plain; name=headers.txt\n"
        "Content-Disposition: attachment; filename=headers.txt\n\n"
        f"{RETURNED}\n--B--\n"
    ).replace("\n", "\r\n")
    assert _verdict(raw.encode()) == [(RECIPIENT, "userunknown", True)]


FORWARDED = "f.martin@mail.client.example"
"""Where an alias at the customer (RECIPIENT) sent the invoice on."""

# The failed address that an alias or forward made, then the address written: the one the
# invoice went to. Each is the MTA's own wording of it.
EXPANSIONS = {
    # Postfix bounce(8): "<%s> (expanded from <%s>): %s"
    "Postfix": (
        "Undelivered Mail Returned to Sender",
        "This is the mail system at host relay.example.\n\n"
        f"<{FORWARDED}> (expanded from <{RECIPIENT}>): host mx.mail.client.example"
        "[192.0.2.7] said: 550 5.1.1 User unknown (in reply to RCPT TO command)\n\n",
    ),
    # Exim: the address a router generated, "(generated from …)" under it
    "Exim": (
        "Mail delivery failed: returning message to sender",
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"  {FORWARDED}\n    (generated from {RECIPIENT})\n"
        "    host mx.mail.client.example [192.0.2.7]\n"
        f"    SMTP error from remote mail server after RCPT TO:<{FORWARDED}>:\n"
        "    550 5.1.1 User unknown\n\n",
    ),
    # sendmail: "(expanded from: <…>)" under the address
    "sendmail": (
        "Returned mail: see transcript for details",
        "   ----- The following addresses had permanent fatal errors -----\n"
        f"<{FORWARDED}>\n    (reason: 550 5.1.1 User unknown)\n"
        f"    (expanded from: <{RECIPIENT}>)\n\n",
    ),
}


@pytest.mark.parametrize("product", sorted(EXPANSIONS))
def test_an_address_an_alias_made_is_tied_to_the_address_the_invoice_went_to(
    product: str,
) -> None:
    result = classify(_notice(*EXPANSIONS[product]))
    assert [(r.address, r.original_recipient, r.reason) for r in result.recipients] == [
        (FORWARDED, RECIPIENT, "userunknown")
    ]
    delivery = Delivery(invoice_id=1, recipient=RECIPIENT)
    found = recipient_for(delivery, result)
    assert found is not None and found.address == FORWARDED


def test_an_alias_targets_report_is_tied_by_the_orcpt_we_sent_xtext_encoded() -> None:
    """We send ORCPT=rfc822;<recipient> xtext-encoded (RFC 3461 4.2); a reporting MTA may
    return it in Original-Recipient as it received it: "factures+2Bacme@…" for
    "factures+acme@…"."""
    sent_to = "factures+acme@client.example"
    raw = (
        "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        "Subject: Returned mail\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nUndeliverable.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example"
        "\r\n\r\nOriginal-Recipient: rfc822;factures+2Bacme@client.example\r\n"
        f"Final-Recipient: rfc822; {FORWARDED}\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n"
        "--B--\r\n"
    ).encode()
    found = recipient_for(Delivery(invoice_id=1, recipient=sent_to), classify(raw))
    assert found is not None and (found.address, found.reason) == (FORWARDED, "mailboxfull")
    # and only that address: another with the same local part before the tag is not it
    assert (
        recipient_for(Delivery(invoice_id=1, recipient="factures@client.example"), classify(raw))
        is None
    )


def test_a_role_address_the_notice_names_as_failed_is_the_recipient() -> None:
    """Postfix's "<postmaster@…>: host … said" names a failed recipient even though such an
    address is elsewhere a help desk named to the reader."""
    body = (
        "This is the mail system at host relay.example.\n\n"
        "For further assistance, please send mail to postmaster.\n\n"
        "<postmaster@client.example>: host mx.client.example[192.0.2.1] said: 550 5.1.1 "
        "User unknown (in reply to RCPT TO command)\n\n"
    )
    result = classify(_notice("Undelivered Mail Returned to Sender", body))
    assert [r.address for r in result.recipients] == ["postmaster@client.example"]


def test_a_failure_whose_recipient_field_is_unreadable_is_not_a_success_report() -> None:
    """A report whose failed block names "rfc822; @host" (no local part) beside another
    recipient's success: the failure is read from the notice's text, never dropped in favour
    of a delivery report."""
    human = (
        "   ----- The following addresses had permanent fatal errors -----\r\n"
        f"<{RECIPIENT}>\r\n    (reason: 550 5.1.2 Host unknown)\r\n"
    )
    raw = (
        "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        "Subject: Returned mail: see transcript for details\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        f"--B\r\nContent-Type: text/plain\r\n\r\n{human}\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        "Final-Recipient: RFC822; @client.example\r\nAction: failed\r\nStatus: 5.1.2\r\n\r\n"
        "Final-Recipient: rfc822; boss@client.example\r\nAction: delivered\r\n"
        "Status: 2.0.0\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: billing@acme.example\r\nMessage-ID: <inv-7@acme.example>\r\n\r\n--B--\r\n"
    ).encode()
    result = classify(raw)
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason) for r in result.recipients] == [(RECIPIENT, "hostunknown")]


def test_a_report_that_names_its_recipient_only_in_x_actual_recipient_is_read() -> None:
    """sendmail's X-Actual-Recipient, where the Final-Recipient is not an Internet address
    (an X.400 one here): the recipient and the report's own status are read from the
    report, not guessed from the text."""
    raw = (
        "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        "Subject: Returned mail: see transcript for details\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        "Final-Recipient: x400; /C=FR/ADMD=X/PRMD=CLIENT/S=Factures/\r\n"
        f"X-Actual-Recipient: rfc822; {RECIPIENT}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: billing@acme.example\r\nMessage-ID: <inv-7@acme.example>\r\n\r\n--B--\r\n"
    ).encode()
    result = classify(raw)
    assert [(r.address, r.status, r.reason, r.hard) for r in result.recipients] == [
        (RECIPIENT, "5.1.1", "userunknown", True)
    ]


OTHER = "boss@client.example"
UNKNOWN, FULL = "550 5.1.1 User unknown", "552 5.2.2 Mailbox full"
# Two failed recipients, each with its own cause, in each MTA's template (sources as in
# test_documented_wording's TEMPLATES).
TWO_RECIPIENTS = {
    "Postfix": (
        "Undelivered Mail Returned to Sender",
        "This is the mail system at host relay.example.\n\n                   The mail system\n\n"
        f"<{RECIPIENT}>: host mx.client.example[192.0.2.1] said: {UNKNOWN} (in reply to "
        f"RCPT TO\n    command)\n\n<{OTHER}>: host mx.client.example[192.0.2.1] said: {FULL} "
        "(in\n    reply to RCPT TO command)\n\n",
    ),
    "Exim": (
        "Mail delivery failed: returning message to sender",
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"  {RECIPIENT}\n    host mx.client.example [192.0.2.1]\n"
        f"    SMTP error from remote mail server after RCPT TO:<{RECIPIENT}>:\n    {UNKNOWN}\n"
        f"  {OTHER}\n    host mx.client.example [192.0.2.1]\n"
        f"    SMTP error from remote mail server after RCPT TO:<{OTHER}>:\n    {FULL}\n\n",
    ),
    "qmail-send": (
        "failure notice",
        "Hi. This is the qmail-send program at relay.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
        f"<{RECIPIENT}>:\n192.0.2.1 does not like recipient.\nRemote host said: {UNKNOWN}\n"
        f"Giving up on 192.0.2.1.\n\n<{OTHER}>:\n192.0.2.1 does not like recipient.\n"
        f"Remote host said: {FULL}\nGiving up on 192.0.2.1.\n\n",
    ),
    "sendmail": (
        "Returned mail: see transcript for details",
        "   ----- The following addresses had permanent fatal errors -----\n"
        f"<{RECIPIENT}>\n    (reason: {UNKNOWN})\n<{OTHER}>\n    (reason: {FULL})\n\n"
        "   ----- Transcript of session follows -----\n... while talking to mx.client.example.:\n"
        f">>> RCPT To:<{RECIPIENT}>\n<<< {UNKNOWN}\n>>> RCPT To:<{OTHER}>\n<<< {FULL}\n\n",
    ),
    # Exchange names each recipient for the reader, then again with its server's reply under
    # "Diagnostic information for administrators"
    "Exchange": (
        "Undeliverable: Facture 7",
        f"Delivery has failed to these recipients or groups:\n\n{RECIPIENT}\n"
        f"The email address you entered couldn't be found.\n\n{OTHER}\n"
        "The recipient's mailbox is full and can't accept messages now.\n\n"
        "Diagnostic information for administrators:\n\nGenerating server: relay.example\n\n"
        f"{RECIPIENT}\nmx.client.example #550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\n"
        f"{OTHER}\nmx.client.example #552 5.2.2 mailbox full ##\n\nOriginal message headers:\n\n",
    ),
}


@pytest.mark.parametrize("product", sorted(TWO_RECIPIENTS))
def test_each_of_two_failed_recipients_gets_its_own_cause(product: str) -> None:
    result = classify(_notice(*TWO_RECIPIENTS[product]))
    assert sorted((r.address, r.reason, r.hard) for r in result.recipients) == [
        (OTHER, "mailboxfull", False),
        (RECIPIENT, "userunknown", True),
    ]


# Soft causes as MTAs word them with or without codes (RFC 5321 4.2.3 replies; Postfix
# smtp(8)'s "conversation … timed out"; a refused connection), and refusals of an unknown
# user with and without an RFC 3463 status
SOFT_CAUSES = [
    "421 4.4.2 Connection timed out",
    "Connection refused",
    "550 Mailbox quota exceeded",
    "451 Temporary local problem - please try later",
    "554 5.3.0 System error",
    "conversation with mx.client.example timed out while sending end of data",
]
UNKNOWN_USER = [
    "550 User unknown",
    "550 5.1.1 No such user",
    "550 Recipient address rejected: User unknown in local recipient table",
]


@pytest.mark.parametrize("first", ["unknown", "soft"])
@pytest.mark.parametrize("product", sorted(TWO_RECIPIENTS))
def test_a_code_quoted_for_one_recipient_never_decides_anothers(product: str, first: str) -> None:
    """One recipient's 5.1.1 never marks another, whose own cause is a time-out or a full
    mailbox, undeliverable; another's 4.4.2 never keeps an unknown user from being one."""
    subject, template = TWO_RECIPIENTS[product]
    unknown, soft = (RECIPIENT, OTHER) if first == "unknown" else (OTHER, RECIPIENT)
    for cause in SOFT_CAUSES:
        for refusal in UNKNOWN_USER:
            body = template.replace(UNKNOWN, refusal).replace(FULL, cause)
            if first == "soft":
                body = body.replace(RECIPIENT, "\0").replace(OTHER, RECIPIENT)
                body = body.replace("\0", OTHER)
            said = {r.address: r.hard for r in classify(_notice(subject, body)).recipients}
            assert said == {unknown: True, soft: False}, (cause, refusal)


@pytest.mark.parametrize("charset", ["utf-8", "latin-1"])
def test_a_subject_in_raw_8_bit_is_read_as_the_text_it_is(charset: str) -> None:
    """RFC 6532 lets a field carry UTF-8 as it is, and older mailers sent Latin-1 unencoded:
    Outlook's French auto-reply subject ("Réponse automatique") read as "R\ufffdponse"
    was taken for a person's reply."""
    text = (
        "From: Jean <jean@client.example>\nTo: billing@acme.example\n"
        "Subject: Réponse automatique : Facture 7\nIn-Reply-To: <inv-7@acme.example>\n"
        "Content-Type: text/plain; charset=utf-8\n\nJe suis absent jusqu'au 12/12/2026.\n"
    )
    result = classify(text.encode(charset))
    assert result.kind == Kind.AUTOREPLY
    assert result.subject == "Réponse automatique : Facture 7"


def test_html_tags_that_never_close_are_read_as_text_after_a_few() -> None:
    """A "<" whose quote never closes is text; once ``MAX_OPEN_TAGS`` of them are seen, the
    rest of the markup is read as text, tags and all (each such "<" would otherwise be
    followed to the end of the markup); before that, tags still break the lines."""
    # each "<a" runs into the quote that never closes before any ">"
    few = "<a " * (MAX_OPEN_TAGS - 1) + "'<p>550 5.1.1</p><p>User unknown</p>"
    assert html_text(few).splitlines()[-2:] == ["550 5.1.1", "User unknown"]
    many = "<a " * MAX_OPEN_TAGS + "'<p>550 5.1.1</p><p>User unknown</p>"
    assert html_text(many).endswith("'<p>550 5.1.1</p><p>User unknown</p>")


# A local part may hold a quote, a backquote or an asterisk (RFC 5322 3.2.3 atext), but an
# address never ends in one after its domain: the pair wraps it, as Exchange quotes names
# and a text made from an HTML notice marks bold ("*name@domain*")
@pytest.mark.parametrize("wrap", ["'", "`", "*", '"'])
def test_an_address_wrapped_in_quotes_or_asterisks_is_the_address(wrap: str) -> None:
    body = (
        "Delivery to the following recipient failed permanently:\n\n"
        f"    {wrap}{RECIPIENT}{wrap}\n\n"
        "Technical details of permanent failure:\n550 5.1.1 User unknown\n\n"
    )
    raw = _notice("Delivery Status Notification (Failure)", body)
    assert _verdict(raw) == [(RECIPIENT, "userunknown", True)]


# RFC 5322 3.2.3's atext: a local part may hold any of these, and an invoice address does
# ("compta=fr@…", "ap&ar@…", "o.k!@…"); an Authentication-Results key ("smtp.mailfrom=…")
# before an address is not part of it, an "=" in the address is
@pytest.mark.parametrize("local", ["compta=fr", "ap&ar", "x{1}|y~z", "o.k!", "#compta"])
@pytest.mark.parametrize("product", sorted(TEMPLATES))
def test_an_address_holding_any_character_rfc_5322_allows_is_read_whole(
    product: str, local: str
) -> None:
    subject, body = TEMPLATES[product]
    address = f"{local}@client.example"
    raw = _notice(subject, body).replace(RECIPIENT.encode(), address.encode())
    assert [a for a, _, _ in _verdict(raw)] == [address]


# Notices sent without their machine-readable report (a gateway dropped it, or the sender
# never makes one): the text alone must give what the report would have
def test_courier_s_transcript_alone_shows_a_refusal_after_data() -> None:
    # Courier's notice (courierdsn): the transcript prints the one command that drew the
    # reply; a "user unknown" answering DATA is a filter's refusal, no mailbox proven gone
    body = (
        "This is a delivery status notification from relay.example,\n"
        "running the Courier mail server, version 1.1.8.\n\n"
        "                           UNDELIVERABLE MAIL\n\n"
        "Your message to the following recipients cannot be delivered:\n\n"
        f"<{RECIPIENT}>:\n    mx.client.example [192.0.2.1]:\n>>> DATA\n"
        f"<<< 550 Unknown user {RECIPIENT}\n\n{'-' * 75}\n\n"
        "If your message was also sent to additional recipients, their delivery\n"
        "status is not included in this report.\n\n"
    )
    raw = _notice("DELIVERY FAILURE: Unknown user", body, "MAILER-DAEMON@relay.example")
    assert _verdict(raw) == [(RECIPIENT, "filtered", False)]


def test_sendmail_s_summary_line_is_the_failure_not_its_rewording_in_the_transcript() -> None:
    # sendmail (savemail.c): "(reason: …)" under the address is the remote's reply; the
    # transcript under it repeats the address in sendmail's own "550 5.1.1 … User unknown",
    # which it writes for any refusal of RCPT, and the reply to DATA that followed
    body = (
        "The original message was received at Thu, 3 Dec 2026 10:00:00 +0100\n"
        "from acme.example [192.0.2.9]\n\n"
        "   ----- The following addresses had permanent fatal errors -----\n"
        f"<{RECIPIENT}>\n    (reason: 550 5.7.1 IP address blacklisted by recipient)\n\n"
        "   ----- Transcript of session follows -----\n"
        "... while talking to mx.client.example.:\n"
        f">>> RCPT To:<{RECIPIENT}>\n<<< 550 5.7.1 IP address blacklisted by recipient\n"
        f"550 5.1.1 <{RECIPIENT}>... User unknown\n>>> DATA\n"
        "<<< 503 Error: need RCPT command\n\n   ----- Original message follows -----\n\n"
    )
    raw = _notice("Returned mail: see transcript for details", body)
    assert _verdict(raw) == [(RECIPIENT, "blocked", False)]


@pytest.mark.parametrize("product", sorted(TEMPLATES))
def test_a_notice_with_bare_cr_line_ends_reads_as_with_crlf(product: str) -> None:
    # an old Mac client's line ends, or a store that dropped the LFs: each CR still ends a
    # line, as the stdlib's parser reads it
    subject, body = TEMPLATES[product]
    raw = _notice(subject, body)
    assert _verdict(raw.replace(b"\r\n", b"\r")) == _verdict(raw)


@pytest.mark.parametrize("named", ["factures@société.example", "Factures@SOCIÉTÉ.example"])
def test_a_notice_naming_the_domain_in_unicode_is_tied_to_its_ascii_form(named: str) -> None:
    """We send to an internationalised domain in its ASCII form (IDNA 2008), which is how
    the address is stored; a notice may name it in its Unicode form (RFC 5890 2.3.2.1: one
    name). Another domain stays another."""
    raw = _notice(
        "Undelivered Mail Returned to Sender",
        f"<{named}>: host mx.example[192.0.2.1] said: 550 5.1.1 User unknown "
        "(in reply to RCPT TO command)\n\n",
    )
    result = classify(raw)
    found = recipient_for(
        Delivery(invoice_id=1, recipient="factures@xn--socit-esab.example"), result
    )
    assert found is not None and (found.reason, found.hard) == ("userunknown", True)
    other = Delivery(invoice_id=1, recipient="factures@xn--socite-eva.example")
    assert recipient_for(other, result) is None


@pytest.mark.parametrize(
    ("stored", "named"),
    [
        ('"factures"@client.example', "factures@client.example"),
        ("factures@client.example", '"factures"@client.example'),
    ],
)
def test_a_quoted_local_part_and_its_plain_form_are_one_mailbox(stored: str, named: str) -> None:
    """RFC 5321 4.1.2: the quotes around a local part are syntax, '"factures"@…' and
    'factures@…' one mailbox; an address typed either way is tied to a report naming it the
    other way."""
    raw = (
        "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nUndeliverable.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example"
        f"\r\n\r\nFinal-Recipient: rfc822; {named}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B--\r\n"
    ).encode()
    found = recipient_for(Delivery(invoice_id=1, recipient=stored), classify(raw))
    assert found is not None and (found.reason, found.hard) == ("userunknown", True)


# A Postfix report whose own explanation says more than its report: the refusal came after
# DATA (a content filter), so the "Unknown user" words prove no mailbox gone.
_EXPLANATION = (
    "This is the mail system at host relay.example.\r\n\r\n"
    f"<{RECIPIENT}>: host mx.client.example[192.0.2.7] said: 550 Unknown user "
    f"{RECIPIENT} (in reply to end of DATA command)\r\n\r\n"
)
_FOOTER_PART = (
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Acme SA, 1 rue de la Paix, 75002 Paris. Ce message et ses pièces jointes sont "
    "confidentiels.\r\n"
)
_EXPLAINED = [(RECIPIENT, "filtered", False)]
"""What the explanation says, as the verdict must keep it."""


def _explained_report(
    explanation: str = f"Content-Type: text/plain\r\n\r\n{_EXPLANATION}",
    label: str = "multipart/report; report-type=delivery-status",
    footer: str = "",
) -> str:
    """The report with its explanation part as given and a footer part appended, if any."""
    return (
        f'Content-Type: {label}; boundary="R"\r\n\r\n--R\r\n{explanation}'
        "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        f"Final-Recipient: rfc822; {RECIPIENT}\r\nAction: failed\r\nStatus: 5.0.0\r\n"
        f"Diagnostic-Code: smtp; 550 Unknown user {RECIPIENT}\r\n\r\n"
        "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: billing@acme.example\r\nMessage-ID: <inv-7@acme.example>\r\n\r\n"
        + (f"--R\r\n{footer}" if footer else "")
        + "--R--\r\n"
    )


def _classified(body: str) -> Classification:
    return classify(
        (
            "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n{body}"
        ).encode()
    )


def _said(result: Classification) -> list[tuple[str, str | None, bool]]:
    return [(r.address, r.reason, r.hard) for r in result.recipients]


@pytest.mark.parametrize("label", ["multipart/report", "multipart/mixed"])
@pytest.mark.parametrize("footer", ["none", "before", "after"])
def test_a_report_a_gateway_wrapped_beside_its_footer_part_is_explained_by_its_own_text(
    footer: str, label: str
) -> None:
    """A gateway that cannot add its footer to a report's text wraps the report in a
    multipart/mixed of its own with the footer as a part: before it (Google Workspace's
    "Append footer"), or after it (a Mailman list's footer). The report's first part is
    still its explanation (RFC 6522 3), not the gateway's footer, also where a gateway
    relabelled the report multipart/mixed."""
    report = _explained_report(label=label)
    if footer == "none":
        body = report
    else:
        parts = [report, _FOOTER_PART]
        if footer == "before":
            parts.reverse()
        body = 'Content-Type: multipart/mixed; boundary="W"\r\n\r\n'
        body += "".join(f"--W\r\n{part}\r\n" for part in parts) + "--W--\r\n"
    result = _classified(body)
    assert _said(result) == _EXPLAINED
    assert result.original_message_id == "<inv-7@acme.example>"


def test_a_footer_part_a_gateway_appended_to_a_report_does_not_hide_its_explanation() -> None:
    """A gateway that appends its footer as a last part of whatever multipart passes
    through it (as a Mailman list does to a multipart/mixed), to a report whose explanation
    comes as text and HTML (multipart/alternative, as Gmail's and Exchange's do): the
    explanation is the report's first part (RFC 6522 3), read in the order the parts come
    (RFC 2046 5.1.3), before the footer."""
    alternative = (
        'Content-Type: multipart/alternative; boundary="A"\r\n\r\n'
        f"--A\r\nContent-Type: text/plain\r\n\r\n{_EXPLANATION}"
        f"--A\r\nContent-Type: text/html\r\n\r\n<p>{html.escape(_EXPLANATION)}</p>\r\n--A--\r\n"
    )
    assert _said(_classified(_explained_report(alternative, footer=_FOOTER_PART))) == _EXPLAINED


def test_an_html_explanation_is_read_before_a_plain_footer_part_after_it() -> None:
    """A report whose explanation is HTML only (RFC 2854), with a gateway's footer appended
    after it as a plain-text part: the first text in the order the parts come is the
    explanation (RFC 2046 5.1.3), whatever its type."""
    shown = "".join(f"<p>{html.escape(line)}</p>" for line in _EXPLANATION.splitlines() if line)
    explanation = f"Content-Type: text/html\r\n\r\n<html><body>{shown}</body></html>\r\n"
    body = _explained_report(explanation, footer=_FOOTER_PART)
    assert body.count("text/plain") == 1  # the footer's
    assert _said(_classified(body)) == _EXPLAINED
