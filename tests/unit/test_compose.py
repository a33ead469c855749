from __future__ import annotations

import base64
import hashlib
import importlib
from email.policy import compat32
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.compose import Attachment, Composer
from mailer.errors import MessageRefused
from mailer.wire import wire_shape
from tests.helpers import PDF, message_spec, parse

compose_module = importlib.import_module("mailer.compose")
spec = message_spec


def test_message_has_text_html_and_the_invoice() -> None:
    msg = parse(Composer().compose(spec()))
    assert msg["Message-ID"] == "<abc@acme.example>"
    assert msg["To"].addresses[0].addr_spec == "Factures@client.example"
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "F-1.pdf" and att.get_content() == PDF


def test_french_template_and_copy_marking() -> None:
    msg = parse(Composer().compose(spec(language="fr", is_copy=True)))
    assert msg["Subject"].startswith("[Duplicata / Copy] Facture F-1")
    body = msg.get_body(("plain",))
    assert body is not None and "duplicata" in body.get_content().lower()


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
        Composer().compose(spec(**{field: value}))


def test_bad_address_refused_with_the_address() -> None:
    with pytest.raises(MessageRefused, match="not-an-address"):
        Composer().compose(spec(recipient="not-an-address"))


def test_oversize_message_refused_not_truncated() -> None:
    with pytest.raises(MessageRefused, match="over the 1000-byte limit"):
        Composer().compose(spec(), max_bytes=1000)


def test_attachment_must_match_stored_invoice() -> None:
    bad = Attachment("F-1.pdf", "application/pdf", PDF + b"x", hashlib.sha256(PDF).hexdigest())
    with pytest.raises(MessageRefused, match="sha256"):
        Composer().compose(spec(attachment=bad))


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
