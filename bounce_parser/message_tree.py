"""A message's bytes read into its tree of parts, once, with what a gateway or a broken
header made the parser misread read again: a lost boundary, a returned message sent encoded or
passed on as a file, a header in RFC 5322's obsolete syntax."""

from __future__ import annotations

import binascii
import collections
import email
import quopri
import re
from email import errors
from email.message import Message
from email.policy import compat32

from bounce_parser import mimescan
from bounce_parser.mime import MAX_DEPTH

MAX_DELIMITER_LINES = 1000
"""The most lines starting "--" read (each part opens with one, RFC 2046 5.1.1): no more
than MAX_PARTS parts are looked at, and a message of thousands of parts cost the parser
each one's headers and payload."""

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
