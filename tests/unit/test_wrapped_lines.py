"""A notice reads the same wherever its long lines wrap.

Where a notice's lines break depends on the length of the host names and addresses in them:
Postfix's bounce(8) wraps each long line of its report and indents the lines under it
(its ``line_wrap``, 4 columns), Exim indents the lines of a recipient's block, and a header
field may be folded onto the lines under it (RFC 5322 2.2.3). The same words, wrapped
elsewhere, must give the same verdict.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from bounce_parser import Kind, classify
from tests.unit import test_notice_formats as formats
from tests.unit.test_documented_wording import QUEUE_TIME_OUT, _notice
from tests.unit.test_documented_wording import RETURNED as DESCRIBED_RETURNED
from tests.unit.test_notice_formats import BY_LOCAL_PART, FAILURES

R = "factures@client.example"
RETURNED = (
    "From: billing@acme.example\nTo: factures@client.example\n"
    "Message-ID: <inv-7@acme.example>\nSubject: Facture 7\n\nVoir la facture.\n"
)


def _postfix(human: str, diagnostic: str | None) -> bytes:
    """Postfix's report: its text, a delivery status whose status names no cause (5.0.0,
    as Postfix writes for a reply that gives none; none before Postfix 2.3), the returned
    invoice."""
    report = (
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.example\n\n"
        f"Final-Recipient: rfc822; {R}\nAction: failed\nStatus: 5.0.0\n"
        f"Diagnostic-Code: smtp; {diagnostic}\n\n"
    )
    raw = (
        "From: MAILER-DAEMON@relay.example (Mail Delivery System)\nTo: billing@acme.example\n"
        "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        f"--B\nContent-Type: text/plain; charset=us-ascii\n\n{human}\n"
        + (report if diagnostic is not None else "")
        + f"--B\nContent-Type: message/rfc822\n\n{RETURNED}\n--B--\n"
    )
    return raw.replace("\n", "\r\n").encode()


POSTFIX_HEAD = (
    "This is the mail system at host relay.example.\n\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients. It's attached below.\n\n"
    "                   The mail system\n\n"
)


# "(in reply to end of DATA command)" wrapped at each of its places, and further down than
# the two lines under the address
AFTER_DATA = {
    "one line": f"<{R}>: host mx.client.example[192.0.2.1] said: 550 Unknown user\n"
    f"    {R} (in reply to end of DATA command)\n",
    "after 'end of'": f"<{R}>: host mx.client.example[192.0.2.1] said: 550 Unknown user\n"
    f"    {R} (in reply to end of\n    DATA command)\n",
    "after 'reply to'": f"<{R}>: host mx.client.example[192.0.2.1] said: 550 Unknown user\n"
    f"    {R} (in reply to\n    end of DATA command)\n",
    "fourth line": f"<{R}>: host\n    mx.client.example[192.0.2.1] said:\n"
    f"    550 Unknown user {R}\n    (in reply to end of DATA command)\n",
}


@pytest.mark.parametrize("wrapped", sorted(AFTER_DATA))
def test_a_refusal_after_the_data_wrapped_anywhere_is_a_filters_not_a_gone_mailbox(
    wrapped: str,
) -> None:
    # sisimai's reading, the engine's: a "user unknown" given only after the message was
    # sent is a filter's refusal; it proves no mailbox gone
    c = classify(_postfix(POSTFIX_HEAD + AFTER_DATA[wrapped], f"550 Unknown user {R}"))
    [r] = c.recipients
    assert (r.address, r.reason, r.hard) == (R, "filtered", False)


def test_a_refusal_of_mail_from_wrapped_before_its_command_is_of_the_sender() -> None:
    # "(in reply to\n    MAIL FROM command)": a refusal of our sender, never the
    # recipient's mailbox gone, wherever the line breaks
    human = (
        f"<{R}>: host mx.client.example[192.0.2.1] said: 550 User unknown (in reply to\n"
        "    MAIL FROM command)\n"
    )
    [r] = classify(_postfix(POSTFIX_HEAD + human, "550 User unknown")).recipients
    assert (r.reason, r.hard) == ("rejected", False)


def test_a_refusal_at_rcpt_wrapped_onto_a_fourth_line_stays_a_missing_user() -> None:
    human = (
        f"<{R}>: host\n    mx.client.example[192.0.2.1] said:\n"
        f"    550 Unknown user {R}\n    (in reply to RCPT TO command)\n"
    )
    [r] = classify(_postfix(POSTFIX_HEAD + human, f"550 Unknown user {R}")).recipients
    assert (r.reason, r.hard) == ("userunknown", True)


# Postfix before 2.3 quoted the remote reply without the command it answered; the notice is
# known by its first line, which a long host name wraps
EARLY_POSTFIX = {
    "one line": "This is the Postfix program at host relay.example.\n\n",
    "wrapped": "This is the Postfix program at host\n    mail-gateway-01.relay.example.\n\n",
}


@pytest.mark.parametrize("first_line", sorted(EARLY_POSTFIX))
def test_an_early_postfix_notice_whose_first_line_wraps_still_says_no_stage(
    first_line: str,
) -> None:
    human = (
        EARLY_POSTFIX[first_line] + "I'm sorry to have to inform you that the message returned\n"
        "below could not be delivered to one or more destinations.\n\n"
        f"<{R}>: host mx.client.example[192.0.2.1] said: 550\n    <{R}>: User unknown\n"
    )
    [r] = classify(_postfix(human, None)).recipients
    assert (r.address, r.reason, r.hard) == (R, "filtered", False)


# Exim's default bounce text (the Exim specification, "Customizing bounce and warning
# messages"), up to the addresses it lists
EXIM_OPENING = (
    "This message was created automatically by mail delivery software.\n\n"
    "A message that you sent could not be delivered to one or more of its\n"
    "recipients. This is a permanent error. The following address(es) failed:\n\n"
)


def _plain(subject: str, body: str) -> bytes:
    raw = (
        f"From: MAILER-DAEMON@relay.example\nTo: billing@acme.example\nSubject: {subject}\n"
        f"Content-Type: text/plain; charset=us-ascii\n\n{body}"
    )
    return raw.replace("\n", "\r\n").encode()


@pytest.mark.parametrize(
    "opening",
    [
        "Unable to deliver message to the following address(es).",
        "Unable to deliver message to the following\n    address(es).",
    ],
)
def test_a_notice_template_known_by_its_wrapped_opening_is_known(opening: str) -> None:
    # the template that never says the stage: its "user unknown" proves no mailbox gone
    body = (
        f"Message from relay.example.\n{opening}\n\n<{R}>:\n"
        f"550 This user doesn't have a client.example account ({R})\n\n"
        f"--- Original message follows.\n\n{RETURNED}"
    )
    [r] = classify(_plain("Failure Notice", body)).recipients
    assert (r.address, r.reason, r.hard) == (R, "filtered", False)


@pytest.mark.parametrize(
    "code_line",
    [
        "    MSEXCH:IMS:ACME:CLIENT:MAIL01 0 (000C05A6) Unknown Recipient\n",
        "    MSEXCH:IMS:ACME:CLIENT:MAIL01 0\n        (000C05A6) Unknown Recipient\n",
    ],
)
def test_an_exchange_2003_failure_code_wrapped_under_its_line_still_names_the_failure(
    code_line: str,
) -> None:
    # Exchange 2003's NDR: the hexadecimal code names the failure (000C05A6, unknown
    # recipient), so the notice does say why, wherever the code falls
    body = (
        "Your message\n\n  To:      factures@client.example\n  Subject: Facture 7\n\n"
        f"did not reach the following recipient(s):\n\n{R} on 03/12/2026 10:00\n"
        "    The recipient name is not recognized\n" + code_line + "\n"
    )
    [r] = classify(_plain("Undeliverable: Facture 7", body)).recipients
    assert (r.address, r.reason, r.hard) == (R, "userunknown", True)


@pytest.mark.parametrize("quote", ["", "> "])
def test_a_message_id_folded_onto_its_next_line_is_not_a_failed_recipient(quote: str) -> None:
    # the returned headers pasted into the text, with no line that opens the returned
    # message (as a mail client inlines a notice's parts when a colleague forwards it), with
    # Message-ID folded as RFC 5322 2.2.3 allows
    notice = (
        EXIM_OPENING + f"  {R}\n    SMTP error from remote mail server after RCPT TO:<{R}>:\n"
        f"    550 5.1.1 <{R}>: Recipient address rejected: User unknown\n\n"
        "From: billing@acme.example\nTo: factures@client.example\n"
        "Message-ID:\n    <20261203100000.inv-7@mailer.acme.example>\n"
        "References:\n    <20261201090000.inv-6@mailer.acme.example>\nSubject: Facture 7\n\n"
    )
    body = "".join(quote + line + "\n" for line in notice.splitlines())
    c = classify(_plain("Mail delivery failed: returning message to sender", body))
    assert c.kind == Kind.BOUNCE
    assert [(r.address, r.reason) for r in c.recipients] == [(R, "userunknown")]


def test_the_written_address_an_alias_was_made_from_stays_so_when_it_wraps() -> None:
    # Exim: "(generated from <written>)" under the address an alias made; the written address
    # is the one the invoice went to, not a second failed recipient
    body = (
        EXIM_OPENING + "  comptabilite.fournisseurs@mailhost.client.example\n    (generated from\n"
        f"        {R})\n    SMTP error from remote mail server after end of data:\n"
        "    550 5.7.1 Message rejected as spam\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n" + RETURNED
    )
    c = classify(_plain("Mail delivery failed: returning message to sender", body))
    assert [r.address for r in c.recipients] == [
        "comptabilite.fournisseurs@mailhost.client.example"
    ]


def _wrapped(text: str, width: int) -> str:
    """``text`` with each line longer than ``width`` wrapped, the lines under it indented
    (and a quoted line's "> " kept), as an MTA wraps a long line of its notice."""
    out = []
    for line in text.splitlines():
        prefix = re.match(r"[ \t]*(?:>[ \t])*", line).group(0)  # type: ignore[union-attr]
        pieces = textwrap.wrap(
            line[len(prefix) :], width, break_long_words=False, break_on_hyphens=False
        )
        if len(line) <= width or not pieces:
            out.append(line)
            continue
        out += [prefix + pieces[0]] + [prefix + "    " + piece for piece in pieces[1:]]
    return "\n".join(out) + "\n"


def _verdict(raw: bytes) -> tuple[str, list[tuple[str, str | None, bool]]]:
    c = classify(raw)
    return c.kind.value, sorted((r.address, r.reason, r.hard) for r in c.recipients)


# every format Mailman's and Sympa's analysers describe, and the notices that name their
# recipient by its local part alone, wrapped at three widths (their returned headers too: a
# long Cc list folds onto the lines under it)
DESCRIBED = {
    f"{table} {name}": (subject, body)
    for table, formats in (("formats", FAILURES), ("local part", BY_LOCAL_PART))
    for name, (_source, subject, body) in formats.items()
}


def _described(subject: str, text: str) -> bytes:
    """The notice as ``test_documented_wording._notice`` writes it, its whole text given."""
    raw = (
        "From: MAILER-DAEMON@relay.example\nTo: billing@acme.example\n"
        f"Subject: {subject}\nContent-Type: text/plain; charset=utf-8\n\n{text}"
    )
    return raw.replace("\n", "\r\n").encode()


@pytest.mark.parametrize("width", [40, 50, 60])
@pytest.mark.parametrize("name", sorted(DESCRIBED))
def test_a_described_format_wrapped_at_another_width_reads_the_same(name: str, width: int) -> None:
    subject, body = DESCRIBED[name]
    assert _described(subject, body + DESCRIBED_RETURNED) == _notice(subject, body)
    wrapped = _described(subject, _wrapped(body + DESCRIBED_RETURNED, width))
    assert _verdict(wrapped) == _verdict(_notice(subject, body))


def _read_receipt(body: str) -> bytes:
    return formats._plain(
        f"Jean Dupont <{formats.R}>", "Read: Facture 7", body, "In-Reply-To: <inv-7@acme.example>\n"
    )


def _forwarded(body: str) -> bytes:
    return formats._plain("Paul Martin <paul@acme.example>", "TR: Facture 7", body)


# other texts whose lines a long name or date wraps: a queue's giving up, a plain-text read
# receipt, a forwarded auto-reply or notice (its quoted header lines wrap too: "De : Mail
# Delivery System" over "    <MAILER-DAEMON@…>")
TEXTS = {
    **{f"gave up, {k}": (lambda b, s=s: _notice(s, b), b) for k, (s, b) in QUEUE_TIME_OUT.items()},
    **{
        f"read receipt, {k}": (_read_receipt, b)
        for k, (_, b, _d) in formats.TEXT_READ_RECEIPTS.items()
    },
    **{
        f"forwarded auto-reply, {k}": (_forwarded, b)
        for k, (_, b) in formats.FORWARDED_AUTOREPLY.items()
    },
    **{
        f"forwarded notice, {k}": (_forwarded, f"Voir ci-dessous.\n\n{q}{formats._POSTFIX_NOTICE}")
        for k, (_, q) in formats.INLINE_FORWARDS.items()
    },
}


@pytest.mark.parametrize("width", [40, 50, 60])
@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_notice_or_receipt_whose_lines_wrap_elsewhere_reads_the_same(
    name: str, width: int
) -> None:
    build, text = TEXTS[name]
    assert _verdict(build(_wrapped(text, width))) == _verdict(build(text))


def test_a_header_block_quoted_indented_is_not_one_folded_field() -> None:
    # the lines under "Message-ID:" or "From:" that open with a field's name are fields of
    # their own, not the value folded on: the To line below still names the recipient
    body = (
        "Your message could not be delivered.\n\n"
        "    Message-ID: <inv-7@acme.example>\n    From: billing@acme.example\n"
        f"    To: {R}\n\n    Error: 550 5.1.1 user unknown\n"
    )
    c = classify(_described("Undeliverable: Facture 7", body))
    assert [(r.address, r.reason) for r in c.recipients] == [(R, "userunknown")]


def test_the_stage_another_recipients_reply_names_is_not_borrowed() -> None:
    # Exim's block for each address, indented under it: the lines read for the first one end
    # where the second is named, so the second's "after end of data" is not the first's
    body = (
        EXIM_OPENING + f"  {R}\n    host mx.client.example [192.0.2.1]\n    550 Unknown user\n"
        "  copies@client.example\n    host mx.client.example [192.0.2.1]\n"
        "    SMTP error from remote mail server after end of data:\n"
        "    550 5.7.1 Message refused by the content filter\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n"
    )
    c = classify(_described("Mail delivery failed: returning message to sender", body))
    reasons = {r.address: r.reason for r in c.recipients}
    assert reasons[R] == "userunknown"
