"""Defensive MIME helpers: walk a parsed message with limits, read its fields and decode its
text leniently (``message_tree`` reads the bytes into the tree)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from email.header import Header, decode_header, make_header
from email.message import Message
from typing import TypeVar, cast

MAX_DEPTH = 8
MAX_PARTS = 200
MAX_TEXT = 256 * 1024
MAX_FIELD = 16 * 1024
"""The most of one header field's value read: RFC 5322 2.1.1's lines are under 1,000
characters; a long References field, folded, runs to a few kilobytes; a longer field is
junk or an attack, and its tail tells nothing."""

# Starts only where a run of address characters starts: linear time on long junk runs. A
# domain's labels may hold Latin letters with diacritics: an internationalised domain in its
# Unicode form (RFC 5890's U-label, "société.fr"), as a notice may name it
_LABEL = "[A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f-]"
_ADDR = re.compile(
    r"(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,128}+"
    rf"@(?:{_LABEL}{{1,63}}+\.)+{_LABEL}{{2,63}}"
)
_MSGID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


def ctype(part: Message) -> str:
    """The content type, even when the header is mangled (``text/plain\n charset=…``)."""
    return kept(part, "_facturier_ctype", _ctype)


_T = TypeVar("_T")


def kept(part: Message, key: str, make: Callable[[Message], _T]) -> _T:
    """``make(part)``, worked out once and kept on the part (a parsed message is not changed
    after; mimescan's messages forget what they keep when a header is changed)."""
    found = part.__dict__.get(key)
    if found is None:
        found = part.__dict__[key] = make(part)
    return cast(_T, found)


def _ctype(part: Message) -> str:
    try:
        value = part.get_content_type()
    except Exception:
        return "text/plain"
    return value.split()[0].rstrip(";").lower() if value.strip() else "text/plain"


def header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:
        return None
    if value is None:
        return None
    if isinstance(value, Header):  # raw 8-bit bytes in the field (the stdlib's unknown-8bit)
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
        text = _eight_bit(str(raw)[:MAX_FIELD])
    else:
        text = str(value)[:MAX_FIELD]
    if "=?" in text:  # RFC 2047 encoded words
        with contextlib.suppress(Exception):
            text = str(make_header(decode_header(text)))
    return " ".join(text.split()) or None


def _eight_bit(text: str) -> str:
    """A field value's raw 8-bit bytes (read as escaped surrogates) as the text they are:
    UTF-8, as RFC 6532 allows in a field, else Latin-1, as older mailers sent."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


REPORT_PARTS = frozenset(
    {
        "message/delivery-status",
        "message/global-delivery-status",
        "message/disposition-notification",
        "message/feedback-report",
    }
)
"""A report's own part (RFC 6522 3: its second), whose body is blocks of fields."""


def walk(msg: Message) -> Iterator[tuple[int, Message]]:
    """Every part with its depth of message/rfc822 nesting, within MAX_DEPTH and MAX_PARTS,
    in the order the parts come (RFC 2046 5.1.3): a footer part a gateway appended comes
    after the explanation a multipart/alternative holds, not before it."""
    count = 0
    stack: list[tuple[int, Message]] = [(0, msg)]
    while stack and count < MAX_PARTS:
        depth, part = stack.pop()
        count += 1
        yield depth, part
        if depth >= MAX_DEPTH:
            continue
        try:
            payload = part.get_payload()
        except Exception:
            continue
        if isinstance(payload, list):
            ctype = part.get_content_type()
            if ctype in REPORT_PARTS:
                continue  # its "parts" are groups of report fields, read by the caller
            child_depth = depth + 1 if ctype in ("message/rfc822", "message/global") else depth
            for sub in reversed(payload):
                if isinstance(sub, Message):
                    stack.append((child_depth, sub))


def text_of(part: Message) -> str:
    """A text part's content as str, whatever its declared (or wrong) charset. Decoded once
    a part: a parsed message is not changed after."""
    return kept(part, "_decoded_text", _decoded_text)


# RFC 1468's escape sequences into and out of JIS X 0208: ISO-2022-JP text is 7-bit, so a
# part that declares another charset, or none (us-ascii), still decodes, into escapes and
# letters; Japanese mail systems' notices are often so labelled
_JIS_ESCAPES = (b"\x1b$B", b"\x1b$@")


def _decoded_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw[:MAX_TEXT]
        return ""
    data = bytes(payload)[:MAX_TEXT]
    charset = None
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    tried: tuple[str | None, ...] = (charset, "utf-8", "cp1252")
    jis = b"\x1b$" in data and any(e in data for e in _JIS_ESCAPES)
    if jis and (charset or "").lower() != "iso-2022-jp":
        tried = ("iso-2022-jp", *tried)
    for cs in tried:
        if not cs:
            continue
        try:
            return data.decode(cs)
        except (LookupError, UnicodeDecodeError, ValueError):
            # no such codec, bytes it cannot read, or a name it cannot even look up (a NUL
            # inside "charset=us-ascii" makes the codec lookup raise ValueError)
            continue
    return data.decode("latin-1")


def lowered(text: str) -> str:
    """``text`` lower-cased, each character where it stood: positions found in it are the
    text's own (``str.lower`` turns only U+0130, "İ", into two characters). A lower-case
    pattern searched in it is several times faster than the same one with IGNORECASE."""
    return (text.replace("\u0130", "i") if "\u0130" in text else text).lower()


def spaced(pattern: str) -> str:
    """``pattern`` with each space matching any run of white space, line ends included: a
    notice's template wraps where the host names, addresses and list names in it end."""
    return pattern.replace(" ", r"\s+")


def addresses_in(text: str) -> list[str]:
    return _ADDR.findall(text)


def address_matches(text: str) -> Iterator[re.Match[str]]:
    """The addresses in ``text``, each with where it stands."""
    return _ADDR.finditer(text)


_WRAPPERS = ("'", "`", "*")


def unwrapped(text: str, m: re.Match[str]) -> str:
    """The address ``m`` found in ``text`` without a pair of quotes, backquotes or asterisks
    around it ("'name@domain'", "*name@domain*" for bold in a text made from HTML): a local
    part may hold them (RFC 5322 3.2.3 atext), but the same character right after the
    domain, where no address goes on, closes a pair that wraps it."""
    address = m.group(0)
    if address[:1] in _WRAPPERS and text[m.end() : m.end() + 1] == address[0]:
        return address[1:]
    return address


def first_message_id(text: str) -> str | None:
    m = _MSGID.search(text)
    return m.group(0) if m else None


def message_ids(text: str) -> list[str]:
    """The message identifiers in ``text`` (RFC 5322 3.6.4), without their angle brackets."""
    return [m[1:-1] for m in _MSGID.findall(text)]


def parse_fields(block: str) -> list[dict[str, str]]:
    """RFC 822-style field groups separated by blank lines (the body of a DSN), each a dict
    of lower-cased names (a repeated field: its last value)."""
    return [dict(fields) for fields in field_blocks(block)]


def field_blocks(block: str) -> list[list[tuple[str, str]]]:
    """The field groups of ``block``, each its ``(lower-cased name, value)`` pairs in order,
    a repeated field kept (RFC 5965 3.2's Original-Rcpt-To). A name may have white space
    before its colon (RFC 5322 4.5.3); a line that is no field goes on the value above it."""
    groups: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in block.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                groups.append(current)
                current = []
            continue
        name, sep, value = line.partition(":")
        if (line[:1] in (" ", "\t") and current) or not sep or " " in name.strip():
            # a folded value's next line, or one its MTA did not indent (a reply's "550-…")
            if current:
                current[-1] = (current[-1][0], f"{current[-1][1]} {line.strip()}")
            continue
        current.append((name.strip().lower(), value.strip()))
    if current:
        groups.append(current)
    return groups
