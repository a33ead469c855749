from __future__ import annotations

import base64
import functools
import hashlib
import importlib
from email.policy import compat32
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.compose import Attachment, Composer
from mailer.errors import MessageRefused
from mailer.smtp.wire import wire_shape
from tests.helpers import PDF, compose, message_spec, parse

compose_module = importlib.import_module("mailer.compose")
spec = message_spec


def test_message_has_text_html_and_the_invoice() -> None:
    msg = parse(compose(spec()))
    assert msg["Message-ID"] == "<abc@acme.example>"
    assert msg["To"].addresses[0].addr_spec == "Factures@client.example"
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "F-1.pdf" and att.get_content() == PDF


def test_french_template_and_copy_marking() -> None:
    msg = parse(compose(spec(language="fr", is_copy=True)))
    assert msg["Subject"].startswith("[Duplicata / Copy] Facture F-1")
    body = msg.get_body(("plain",))
    assert body is not None and "duplicata" in body.get_content().lower()


@pytest.mark.parametrize(
    ("seller", "subject"),
    [
        ("ACME", "Facture F-1 d'ACME"),
        ("Orange Business", "Facture F-1 d'Orange Business"),
        ("Éditions du Midi", "Facture F-1 d'Éditions du Midi"),
        ("Boulangerie Dupont", "Facture F-1 de Boulangerie Dupont"),
        ("Hachette Livre", "Facture F-1 de Hachette Livre"),
        ("3M France", "Facture F-1 de 3M France"),
    ],
)
def test_a_french_subject_says_whose_invoice_as_french_writes_it(seller: str, subject: str) -> None:
    """The customer reads "Facture F-1 d'ACME", never "de ACME": "de" elides before a vowel,
    and stays before "h" and anything else."""
    msg = parse(compose(spec(language="fr", context=dict(spec().context, seller_name=seller))))
    assert msg["Subject"] == subject


@pytest.mark.parametrize(
    ("language", "one", "nine"),
    [
        ("fr", "(1 jour de retard)", "(9 jours de retard)"),
        ("en", "(1 day overdue)", "(9 days overdue)"),
    ],
)
@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_reminder_counts_the_days_overdue_as_the_language_writes_them(
    language: str, one: str, nine: str, level: int
) -> None:
    """A reminder lists every invoice the customer owes, one due only yesterday among them:
    "1 jour de retard", never "1 jours"."""

    def owed(number: str, days: int) -> dict[str, object]:
        return {"number": number, "issue_date": "01/11/2026", "due_date": "01/12/2026",
                "amount": "120,00", "balance": "120,00", "partially_paid": False,
                "days_overdue": days, "payment_reference": None}  # fmt: skip

    context = dict(
        spec().context,
        invoices=[owed("F-1", 9), owed("F-2", 1)],
        total_owed="240,00",
        final=level == 3,
        legal_notice="",
    )
    msg = parse(compose(spec(language=language, template=f"reminder-{level}", context=context)))
    for kind in ("plain", "html"):
        body = msg.get_body((kind,))
        assert body is not None
        text = body.get_content()
        assert nine in text and one in text, text


@pytest.mark.parametrize(
    "field,value",
    [
        ("recipient", "a@b.example\r\nBcc: victim@x.example"),
        ("recipient_name", "Evil\nBcc: x@y.example"),
        ("message_id", "<a@b>\r\nX: y"),
    ],
)
def test_line_breaks_in_headers_are_refused(field: str, value: str) -> None:
    with pytest.raises(MessageRefused):
        compose(spec(**{field: value}))


def test_bad_address_refused_with_the_address() -> None:
    with pytest.raises(MessageRefused, match="not-an-address"):
        compose(spec(recipient="not-an-address"))


def test_oversize_message_refused_not_truncated() -> None:
    with pytest.raises(MessageRefused, match="over the 1000-byte limit"):
        compose(spec(), max_bytes=1000)


def test_attachment_must_match_stored_invoice() -> None:
    bad = Attachment("F-1.pdf", "application/pdf", PDF + b"x", hashlib.sha256(PDF).hexdigest())
    with pytest.raises(MessageRefused, match="sha256"):
        compose(spec(attachment=bad))


@settings(max_examples=2000, deadline=None)
@given(
    st.sampled_from(["Subject", "To", "From", "Message-ID", "X-Facturier-Delivery", "Date"]),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=120),
)
def test_headers_are_written_exactly_as_compat32_writes_them(name: str, value: str) -> None:
    reference = compat32.clone(linesep="\r\n", max_line_length=78)
    # the same bytes, or the same refusal (a value with an embedded header line)
    assert _folded(compose_module._WIRE, name, value) == _folded(reference, name, value)


def _folded(policy: Any, name: str, value: str) -> bytes | str:
    try:
        return bytes(policy.fold_binary(name, value))
    except Exception as exc:  # compared by kind: both must refuse alike
        return type(exc).__name__


@pytest.mark.parametrize("seller", ["ACME", ".ACME", "Ætna Services"])
def test_the_wire_shape_read_off_the_message_without_its_attachment_is_the_whole_ones(
    seller: str,
) -> None:
    context = dict(spec().context, seller_name=seller)
    raw, shape = Composer().compose_for_wire(spec(context=context))
    assert shape == wire_shape(raw)
    assert shape.crlf


@given(st.binary(max_size=2000) | st.sampled_from([b"", b"x", b"y" * 56, b"z" * 57, b"w" * 58]))
def test_base64_lines_are_the_standard_encoding_with_crlf(data: bytes) -> None:
    expected = base64.encodebytes(data).replace(b"\n", b"\r\n")
    assert compose_module.base64_lines(data) == expected


def _stdlib_message(composer: Composer, message: Any, boundaries: list[str], date: str) -> bytes:
    """The message ``message`` (a spec) as the email package writes the same tree: the
    reference the composer's own writer must match byte for byte."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.nonmultipart import MIMENonMultipart
    from email.mime.text import MIMEText

    from mailer.addresses import normalize_address

    recipient = normalize_address(message.recipient, "recipient")
    ctx = dict(message.context, is_copy=message.is_copy, recipient=recipient)
    render = functools.partial(composer._render, message.template, message.language)
    subject = " ".join(render("subject", ctx).split())
    if message.is_copy:
        subject = f"[Duplicata / Copy] {subject}"
    mixed, alternative = boundaries
    body = MIMEMultipart("alternative", boundary=alternative)
    body.attach(MIMEText(render("txt", ctx), "plain", compose_module._QP))
    body.attach(MIMEText(render("html", ctx), "html", compose_module._QP))
    maintype, _, subtype = message.attachment.content_type.partition("/")
    name = message.attachment.filename
    as_param: Any = name if name.isascii() else ("utf-8", "", name)  # RFC 2231 when not ASCII
    attachment = MIMENonMultipart(maintype, subtype)
    attachment["Content-Transfer-Encoding"] = "base64"
    attachment.add_header("Content-Disposition", "attachment", filename=as_param)
    attachment.set_param("name", as_param)
    # the last line's CRLF is the one before the closing boundary
    attachment.set_payload(base64.encodebytes(message.attachment.data).decode()[:-1])
    msg = MIMEMultipart("mixed", boundary=mixed, _subparts=[body, attachment])
    msg["From"] = compose_module._address(
        message.sender_name, normalize_address(message.sender_address, "sender")
    )
    msg["To"] = compose_module._address(message.recipient_name or "", recipient)
    if message.reply_to:
        msg["Reply-To"] = normalize_address(message.reply_to, "reply-to")
    msg["Subject"] = compose_module._text(subject)
    msg["Date"] = date
    msg["Message-ID"] = message.message_id
    if message.delivery_token:
        msg[compose_module.FACTURIER_HEADER] = message.delivery_token
    if message.is_copy:
        msg["X-Facturier-Copy"] = "yes"
    for header, value in message.extra_headers.items():
        msg[header] = compose_module._text(value)
    return msg.as_bytes(policy=compose_module._WIRE)


_words = st.text(
    alphabet=st.characters(
        min_codepoint=32, max_codepoint=0x2FF, blacklist_categories=("Cc", "Cs")
    ),
    max_size=90,
)


@settings(max_examples=300, deadline=None)
@given(
    seller=_words,
    sender_name=_words,
    recipient_name=_words,
    filename=_words.map(lambda w: w.strip() or "F-1") | st.just('a "quoted" \\ name.pdf'),
    language=st.sampled_from(["fr", "en"]),
    is_copy=st.booleans(),
    token=st.none() | st.just("tok-1"),
    reply_to=st.none() | st.just("compta@acme.example"),
    extra=st.dictionaries(st.sampled_from(["X-Campaign", "X-Note"]), _words, max_size=2),
    data=st.binary(min_size=1, max_size=300),
)
def test_the_message_is_written_as_the_email_package_writes_the_same_tree(
    seller: str,
    sender_name: str,
    recipient_name: str,
    filename: str,
    language: str,
    is_copy: bool,
    token: str | None,
    reply_to: str | None,
    extra: dict[str, str],
    data: bytes,
) -> None:
    message = spec(
        sender_name=sender_name,
        recipient_name=recipient_name,
        language=language,
        is_copy=is_copy,
        delivery_token=token,
        reply_to=reply_to,
        extra_headers=extra,
        context=dict(spec().context, seller_name=seller, number=f"F-{seller[:20]}"),
        attachment=Attachment(filename, "application/pdf", data, hashlib.sha256(data).hexdigest()),
    )
    composer = Composer()
    boundaries = ["=_facturier_mixed", "=_facturier_alternative"]
    date = "Tue, 01 Dec 2026 04:41:47 -0000"
    given_out = iter(boundaries)
    with (
        mock.patch.object(compose_module, "_boundary", lambda: next(given_out)),
        mock.patch.object(compose_module, "formatdate", lambda localtime: date),
    ):
        raw = composer.compose_for_wire(message)[0]
    assert raw == _stdlib_message(composer, message, boundaries, date)
