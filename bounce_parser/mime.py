"""Defensive MIME helpers: parse once, walk with limits, decode text leniently."""

from __future__ import annotations

import binascii
import collections
import contextlib
import email
import quopri
import re
from collections.abc import Callable, Iterator
from email import errors
from email.header import Header, decode_header, make_header
from email.message import Message
from email.policy import compat32
from typing import TypeVar, cast

from bounce_parser import mimescan

MAX_DEPTH = 8
MAX_PARTS = 200
MAX_TEXT = 256 * 1024
MAX_DELIMITER_LINES = 1000
"""The most lines starting "--" read (each part opens with one, RFC 2046 5.1.1): no more
than MAX_PARTS parts are looked at, and a message of thousands of parts cost the parser
each one's headers and payload."""
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


# A line that looks like a MIME delimiter: "--" then a boundary (RFC 2046: up to 70 chars).
_DELIMITER = re.compile(r"^--([0-9A-Za-z'()+_,./:=? -]{1,70}?)(?:--)?[ \t]*\r?$", re.MULTILINE)
_LOST_BOUNDARY = (errors.StartBoundaryNotFoundDefect, errors.NoBoundaryInMultipartDefect)


def parse(raw: bytes) -> Message:
    """The message tree; a multipart whose declared boundary never occurs (an edited or
    broken header) is re-read with the delimiter lines its body actually has."""
    if b"\r" in raw[:4096] and b"\n" not in raw:
        # bare CR line ends (an old Mac client's, or a store that stripped LFs): every
        # reader here splits lines at LF, as RFC 5322 2.3's CRLF ends them
        raw = raw.replace(b"\r", b"\n")
    if raw[:1] in (b"\r", b"\n"):
        # a blank line before the header (an export's or a fetch's stray line end): a
        # message with no header at all has no From or Date (RFC 5322 3.6), so the
        # header is the one after it
        raw = raw.lstrip(b"\r\n")
    return _with_boundaries_found(_read(_to_delimiter_lines(_obsolete_fields_read(raw))), 0)


# RFC 5322 4.5.3's obsolete field syntax, white space between a field's name and its colon
# ("X-Scanned : yes"), which a parser must accept; the stdlib's (and so mimescan's) ends the
# header at such a line and reads the fields after it as the body
_OBSOLETE_FIELD = re.compile(rb"^([\041-\071\073-\176]++)[ \t]+:", re.MULTILINE)


def _obsolete_fields_read(raw: bytes) -> bytes:
    """``raw`` with its own header's fields in the obsolete syntax written the usual way."""
    first = raw.find(b"\n")
    end = raw.find(b"\r\n\r\n" if raw[first - 1 : first] == b"\r" else b"\n\n")
    end = len(raw) if end < 0 else end
    if raw.find(b" :", 0, end) < 0 and raw.find(b"\t:", 0, end) < 0:
        return raw  # (most headers: no regex run at all)
    if _OBSOLETE_FIELD.search(raw, 0, end) is None:
        return raw
    return _OBSOLETE_FIELD.sub(rb"\1:", raw[:end]) + raw[end:]


def _to_delimiter_lines(raw: bytes) -> bytes:
    """``raw`` up to its ``MAX_DELIMITER_LINES``-th line that starts with "--"."""
    at = -1
    for _ in range(MAX_DELIMITER_LINES):
        at = raw.find(b"\n--", at + 1)
        if at < 0:
            return raw
    return raw[: at + 1]


def _read(raw: bytes) -> Message:
    try:
        return mimescan.read(raw)
    except mimescan.Declined:
        # the stdlib's parser, but with the same indexed header lookups: it scans every
        # header on each lookup otherwise, which thousands of headers make slow
        return email.message_from_bytes(raw, _class=mimescan.ReadMessage, policy=compat32)


def _with_boundaries_found(part: Message, depth: int) -> Message:
    """``part`` with what the parser misread read again: a multipart's lost boundary, a
    returned message sent encoded or passed on as a file."""
    if depth > MAX_DEPTH:
        return part
    payload = part.get_payload()
    if isinstance(payload, list):
        _returned_message_read(part)
        subparts = part.get_payload()
        # a multipart's parts may be files; a report's blocks of fields are not looked at
        files = part.get_content_maintype() == "multipart"
        if isinstance(subparts, list):
            for i, sub in enumerate(subparts):
                if isinstance(sub, Message):
                    if files:
                        _message_file_read(sub)
                    subparts[i] = _with_boundaries_found(sub, depth + 1)
        return part
    if not isinstance(payload, str) or not any(isinstance(d, _LOST_BOUNDARY) for d in part.defects):
        return part
    seen = collections.Counter(m.group(1).rstrip() for m in _DELIMITER.finditer(payload))
    found = [b for b, n in seen.items() if n >= 2 and not b.endswith("--")]
    if not found:
        return part
    # the first delimiter of a body is its own part's (RFC 2046 5.1.1): a nested multipart's
    # come after that part's header, and may well be more (a returned message's attachments)
    boundary = found[0]
    try:
        part.set_boundary(boundary)
        # only the body is read again, under a header naming the boundary: regenerating the
        # whole part would fold every one of its headers again (seconds for thousands)
        shell = f'Content-Type: {part.get_content_type()}; boundary="{boundary}"\r\n\r\n'
        reread = _read((shell + payload).encode("ascii", "surrogateescape"))
    except Exception:
        return part
    subparts = reread.get_payload()
    if not isinstance(subparts, list):
        return part
    part.set_payload(subparts)
    part.preamble, part.epilogue = reread.preamble, reread.epilogue
    part.defects = [d for d in part.defects if not isinstance(d, _LOST_BOUNDARY)]
    return _with_boundaries_found(part, depth + 1)


def _as_read(inner: Message) -> str:
    """The text ``inner`` was read from: its fields, then its body, with the blank line
    between only where the text had one (the parser ends a header at a line that is no
    field, such as one an encoding's soft line break began)."""
    body = inner.get_payload()
    if not isinstance(body, str):
        return inner.as_string()
    head = "".join(f"{name}:{value}\n" for name, value in inner.raw_items())
    ended = not any(isinstance(d, errors.MissingHeaderBodySeparatorDefect) for d in inner.defects)
    return head + ("\n" if ended and head else "") + body


_MESSAGE_FILE = re.compile(r"\.(?:eml|mime)$", re.IGNORECASE)


def _message_file_read(part: Message) -> bool:
    """A message passed on as a file (a ".eml" or ".mime" attachment, the extensions
    mime.types gives message/rfc822), labelled as any file (application/octet-stream) or as
    text: read as the message/rfc822 part it is (a gateway's or a client's way of returning
    or forwarding a message). Whether it was."""
    said = [v for _k, v in part.raw_items() if ".eml" in v.lower() or ".mime" in v.lower()]
    if not said:
        return False  # (most parts: no field parsed)
    if part.get_content_type() not in ("application/octet-stream", "text/plain"):
        return False
    name = part.get_filename() or part.get_param("name") or ""
    if not isinstance(name, str) or not _MESSAGE_FILE.search(name.strip()):
        return False
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return False
    message = _headed(data)
    if message is None:
        return False  # no header: a file, not a message
    del part["Content-Transfer-Encoding"]
    part.set_type("message/rfc822")
    part.set_payload([_read(message)])
    return True


_FIELD_LINE = re.compile(rb"[\041-\071\073-\176]+[ \t]*:")  # RFC 5322 2.2's field name


def _headed(data: bytes) -> bytes | None:
    """``data`` from its first field, where it opens with a header after any blank lines (a
    message, not a file or a body); else None."""
    data = data.lstrip(b"\r\n")
    return data if _FIELD_LINE.match(data, 0, 1000) else None


def _returned_message_read(part: Message) -> None:
    """A message part the parser misread, read again: sent base64 or quoted-printable (RFC
    2046 5.2.1 forbids it for message/rfc822, RFC 6532 3.5 allows it for message/global;
    gateways do it to both), the encoded text taken for the message; or with a blank line
    before its header (a stray line end after the part's own header, as a message's own is
    read), the header taken for its body."""
    payload = part.get_payload()
    if not (isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], Message)):
        return  # (a multipart's parts, a report's blocks: no header parsed)
    if part.get_content_type() not in ("message/rfc822", "message/global"):
        return
    inner = payload[0]
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    body = inner.get_payload()
    headerless = not len(inner) and isinstance(body, str)
    try:
        if encoding == "base64":
            if not headerless:
                return  # it has a header: not base64 text
            data = binascii.a2b_base64(str(body).encode("ascii", "replace"))
        elif encoding == "quoted-printable":
            # its text reads as a header with encoded values ("charset=3DUTF-8", lines
            # ending "=" that continue): the text as read, decoded
            data = quopri.decodestring(_as_read(inner).encode("ascii", "surrogateescape"))
        elif headerless:
            headed = _headed(str(body).encode("utf-8", "surrogateescape"))
            if headed is None:
                return
            data = headed
        else:
            return
    except (binascii.Error, ValueError, LookupError, UnicodeError):
        return
    part.set_payload([_read(data.lstrip(b"\r\n"))])


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
