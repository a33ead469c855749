"""The fields of an RFC 3464 report: its per-recipient groups (also when a reporter encoded
the part, split it over several blocks or left fields out of their group), a Diagnostic-Code's
type and text, an MTA's name."""

from __future__ import annotations

import binascii
import logging
import quopri
import re
from collections.abc import Iterable
from email.message import Message

from bounce_parser import mime
from bounce_parser.parts import headers_part

log = logging.getLogger(__name__)

# RFC 3464 2.3.6: "Diagnostic-Code: diagnostic-type ; *text", the type an atom ("smtp",
# "X-Unix", "X-mPOP-Fallback_MX"); a reporter that leaves the type out writes the text alone, which
# may hold a ";" of its own ("… deferred; see https://…")
_DIAGNOSTIC_TYPE = re.compile(r"\s*([A-Za-z][A-Za-z0-9_.+-]*)\s*;")


def typed_text(value: str) -> tuple[str, str]:
    """``(type, text)`` of a Diagnostic-Code value; the type "" where it gives none."""
    m = _DIAGNOSTIC_TYPE.match(value)
    return (m.group(1), value[m.end() :].strip()) if m else ("", value.strip())


def mta_name(value: str | None) -> str | None:
    if not value:
        return None
    return value.partition(";")[2].strip() or value.strip()


_ENCODINGS = ("base64", "quoted-printable")


_RECIPIENT_FIELDS = ("final-recipient", "original-recipient")


def dsn_groups(dsn: Message) -> list[dict[str, str]]:
    """The report's field groups (RFC 3464 2.1: the per-message fields, then one group per
    recipient), each a dict of lower-cased names."""
    return _rejoined(_field_groups(dsn))


def _rejoined(groups: list[dict[str, str]]) -> list[dict[str, str]]:
    """``groups`` with a recipient's fields put back together where the reporting MTA wrote a
    blank line between them (the IIS SMTP service's reports, as Mail::DeliveryStatus::
    BounceParser notes): a group that names no recipient and follows one that does is the
    rest of that recipient's fields, not a recipient of its own."""
    out: list[dict[str, str]] = []
    for group in groups:
        previous = out[-1] if out else None
        if (
            previous is not None
            and any(f in previous for f in _RECIPIENT_FIELDS)
            and not any(f in group for f in _RECIPIENT_FIELDS)
            and not any(f in previous for f in group)
        ):
            previous.update(group)
        else:
            out.append(group)
    return out


def _has_body(block: Message) -> bool:
    body = block.get_payload()
    return isinstance(body, str) and bool(body.strip())


def _block_text(block: object) -> str:
    """A block of fields as it was written: its fields, then the lines the parser took for
    a body, with no blank line put between them."""
    if not isinstance(block, Message):
        return str(block)
    fields = "".join(f"{name}: {value}\n" for name, value in block.raw_items())
    body = block.get_payload()
    return fields + (body if isinstance(body, str) else "")


def report_blocks(part: Message) -> list[Message]:
    """A report part's blocks of fields, each as a message whose header is its fields, for
    a field that may repeat (RFC 5965 3.2's Original-Rcpt-To); read from the blocks' text
    where the parser cut a block short (``_field_groups``)."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return [headers_part(part)]
    if not any(isinstance(b, Message) and _has_body(b) for b in payload):
        return [b for b in payload if isinstance(b, Message)]
    blocks = []
    for fields in mime.field_blocks("\n\n".join(_block_text(b) for b in payload)):
        block = Message()
        for name, value in fields:
            block[name] = value
        blocks.append(block)
    return blocks


def _field_groups(dsn: Message) -> list[dict[str, str]]:
    payload = dsn.get_payload()
    encoding = str(dsn.get("content-transfer-encoding", "")).strip().lower()
    if isinstance(payload, list) and encoding in _ENCODINGS:
        # RFC 6533 3.1 lets a message/global-delivery-status be sent base64 or
        # quoted-printable, and some MTAs encode message/delivery-status too; the parser splits
        # the encoded text into blocks as if it were fields: decode it, then read the fields
        return mime.parse_fields(_decoded_blocks(payload, encoding))
    if isinstance(payload, list):
        if any(isinstance(b, Message) and _has_body(b) for b in payload):
            # a block of fields with a body: the parser ended its fields at a line it could
            # not read as one, such as RFC 5322 4.5.3's obsolete syntax, a space before the
            # colon ("Final-Recipient : rfc822;…", as Mimecast writes), which a reader must
            # still accept: read the text itself
            return mime.parse_fields("\n\n".join(_block_text(b) for b in payload))
        groups = []
        for block in payload:
            if isinstance(block, Message):
                groups.append(
                    {k.lower(): " ".join(_field_text(v).split()) for k, v in block.raw_items()}
                )
        if len(groups) >= 1:
            return groups
    text = mime.text_of(dsn) if not isinstance(payload, list) else ""
    return mime.parse_fields(text)


def _decoded_blocks(blocks: Iterable[object], encoding: str) -> str:
    """The text of a report's body that the parser split into blocks, its transfer encoding
    undone (read as UTF-8, which RFC 6533 allows and ASCII is part of)."""
    encoded = "\n".join(b.as_string() if isinstance(b, Message) else str(b) for b in blocks)
    if encoding == "base64":
        try:
            data = binascii.a2b_base64("".join(encoded.split()).encode("ascii", "ignore") + b"==")
        except binascii.Error:  # not base64 after all: read as it is
            return encoded
    else:
        data = quopri.decodestring(encoded.encode("utf-8", "surrogateescape"))
    return data.decode("utf-8", "replace")


def _field_text(value: object) -> str:
    """A report field's value as text: its raw bytes read as UTF-8 (RFC 6533 lets a
    message/global-delivery-status carry UTF-8; RFC 3464's fields are ASCII, unchanged)."""
    text = str(value)
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
