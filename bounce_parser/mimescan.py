"""A fast reader of a message's MIME tree, for the shapes notifications come in.

The stdlib parser reads a message one line at a time in Python and compiles a regular
expression for every boundary it meets; a bounce is mostly lines the classifier never looks
at (the returned message, its attachment). This reader finds header blocks and delimiter lines
with string searches and builds the same tree of :class:`email.message.Message` objects, with
the same header values and payloads, that ``email.message_from_bytes(raw,
policy=compat32)`` gives. Whatever it is not sure of (a missing boundary, a delimiter that
never comes, a header line it would have to guess about) it declines, with
:class:`Declined`, and the caller uses the stdlib parser, which records the defects.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from email import errors
from email.message import Message
from email.policy import compat32
from typing import Any

MAX_DEPTH = 20


class Declined(Exception):
    """The message has a shape this reader leaves to the stdlib parser."""


def simple_params(value: str) -> list[tuple[str, str]]:
    """What the stdlib's ``Message._get_params_preserve`` makes of a header value without
    backslashes, RFC 2231 stars or an unclosed quote, the same list, made without its
    character-by-character quote counting: a ``name=value`` item with its name lower-cased,
    a bare one as it is; after the first, each value unquoted and quoted again."""
    segments = [""]
    for i, piece in enumerate(value.split('"')):
        if i % 2:  # inside a quoted string: a ";" there separates nothing
            segments[-1] += f'"{piece}"'
        else:
            first, *rest = piece.split(";")
            segments[-1] += first
            segments.extend(rest)
    params: list[tuple[str, str]] = []
    for segment in segments:
        name, sep, val = segment.partition("=")
        params.append((name.strip().lower(), val.strip()) if sep else (segment.strip(), ""))
    return params[:1] + [(name, f'"{_requote(val)}"') for name, val in params[1:]]


def _requote(value: str) -> str:
    """email.utils.quote(email.utils.unquote(value)) for a value without backslashes."""
    if len(value) > 1 and (
        (value[0] == '"' and value[-1] == '"') or (value[0] == "<" and value[-1] == ">")
    ):
        value = value[1:-1]
    return value.replace('"', '\\"')


_KEPT = ("_index", "_fetched", "_content_type", "_params", "_facturier_ctype")


def _forgetting(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def changed(self: Message, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:  # after: the method itself may have looked a header up
            for name in _KEPT:
                self.__dict__.pop(name, None)

    return changed


def read(raw: bytes) -> Message:
    """The message tree of ``raw``; :class:`Declined` when the stdlib parser should do it."""
    text = raw.decode("ascii", "surrogateescape")
    if text.count("\r") != text.count("\r\n"):
        raise Declined("a bare CR: the stdlib parser takes it for a line end")
    return _Reader().message(text, 0)


_MISSING = object()


class ReadMessage(Message):
    """A message whose header lookups go through an index (the stdlib scans every header,
    lower-casing each name, on every ``get``), and whose parameters are parsed once a
    header. What is kept is forgotten when a header changes (``set_boundary`` when a lost
    boundary is looked for again)."""

    _index: dict[str, tuple[str, str]] | None = None

    def _lookup(self) -> dict[str, tuple[str, str]]:
        index = self._index
        if index is None:
            index = {}
            for key, value in self.raw_items():
                index.setdefault(key.lower(), (key, value))
            self._index = index
        return index

    def get(self, name: str, failobj: object = None) -> object:  # type: ignore[override]
        key = name.lower()
        fetched = self.__dict__.setdefault("_fetched", {})
        if key in fetched:
            return fetched[key]
        found = self._lookup().get(key)
        if found is None:
            return failobj
        value = fetched[key] = self.policy.header_fetch_parse(*found)
        return value

    def get_payload(self, i: Any = None, decode: bool = False) -> Any:
        """The stdlib's, without its header lookup and surrogate scan for the common call:
        the payload as it is, when it is a list of parts or plain ASCII text."""
        payload = self._payload  # type: ignore[attr-defined]
        as_is = isinstance(payload, list) or (isinstance(payload, str) and payload.isascii())
        if as_is and i is None and not decode:
            return payload
        return super().get_payload(i, decode)  # type: ignore[call-overload]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def get_content_type(self) -> str:
        cached = self.__dict__.get("_content_type")
        if cached is None:
            cached = self.__dict__["_content_type"] = super().get_content_type()
        return str(cached)

    def _get_params_preserve(self, failobj: object, header: str) -> object:
        cache = self.__dict__.setdefault("_params", {})
        key = header.lower()
        if key not in cache:
            value = self.get(header, _MISSING)
            if (
                isinstance(value, str)
                and "\\" not in value
                and "*" not in value
                and value.count('"') % 2 == 0
            ):
                cache[key] = simple_params(value)
            else:
                cache[key] = super()._get_params_preserve(_MISSING, header)  # type: ignore[misc]
        value = cache[key]
        return failobj if value is _MISSING else value


for _name in (
    "__setitem__",
    "__delitem__",
    "add_header",
    "replace_header",
    "set_raw",
    "set_param",
    "del_param",
    "set_type",
    "set_boundary",
    "set_charset",
):
    setattr(ReadMessage, _name, _forgetting(getattr(Message, _name)))


class _Reader:
    def __init__(self) -> None:
        self.last: Message | None = None  # the message made most recently

    def new(self) -> Message:
        self.last = ReadMessage(policy=compat32)
        return self.last

    def message(self, text: str, depth: int) -> Message:
        if depth > MAX_DEPTH:
            raise Declined("nested too deep")
        msg = self.new()
        body = _read_headers(msg, text)
        ctype = msg.get_content_type()
        maintype = ctype.partition("/")[0]
        if maintype == "multipart":
            boundary = msg.get_boundary()
            if boundary is None:  # the stdlib keeps the body as it is, and says so
                msg.defects.append(errors.NoBoundaryInMultipartDefect())
                msg.set_payload(body)
                return msg
            if not boundary:
                raise Declined("multipart with an empty boundary")
            delimiters = _delimiter_lines(body, "--" + boundary)
            if not delimiters:  # the boundary never comes: the body as it is, and says so
                msg.defects.append(errors.StartBoundaryNotFoundDefect())
                msg.set_payload(body)
                msg.epilogue = ""
                return msg
            parts, preamble, epilogue, closed = _split(body, delimiters)
            if not closed:
                msg.defects.append(errors.CloseBoundaryNotFoundDefect())
            children: list[Message | str] = []
            for part in parts:
                children.append(self.message(part, depth + 1))
                self.delimiter_reached()
                self.last = msg  # a nested multipart's epilogue is next in line
            msg.set_payload(children)
            msg.preamble = preamble
            msg.epilogue = epilogue
        elif ctype in ("message/delivery-status", "message/global-delivery-status"):
            # RFC 3464 and its UTF-8 form, RFC 6533 section 6: groups of fields, not a message
            blocks: list[Message | str] = []
            for block in _blocks(body):
                blocks.append(_header_block(self.new(), block))
            msg.set_payload(blocks)
        elif maintype == "message":
            msg.set_payload([self.message(body, depth + 1)])
        else:
            msg.set_payload(body)
        return msg

    def delimiter_reached(self) -> None:
        """The line end before a delimiter belongs to the delimiter: the stdlib parser takes
        it off the payload (or, for a multipart, the epilogue) of the message it made last."""
        last = self.last
        if last is None:
            return
        if last.get_content_maintype() == "multipart":
            if last.epilogue == "":
                last.epilogue = None
            elif last.epilogue:
                last.epilogue = _strip_eol(last.epilogue)
            return
        payload = last.get_payload()
        if isinstance(payload, str):
            last.set_payload(_strip_eol(payload))


def _lines(text: str) -> list[str]:
    """Lines with their ends, cut where the stdlib parser cuts them: at LF (bare CRs were
    declined), not at the form feeds and separators ``str.splitlines`` also breaks on."""
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


def _read_headers(msg: Message, text: str) -> str:
    """Set ``msg``'s headers from the top of ``text``; return the rest (the body)."""
    if text.startswith(("\n", "\r\n")):  # no headers at all: the body starts at once
        return text.partition("\n")[2]
    end = text.find("\n\n")
    crlf_end = text.find("\r\n\r\n")
    if crlf_end != -1 and (end == -1 or crlf_end < end):
        head, body = text[: crlf_end + 2], text[crlf_end + 4 :]
    elif end != -1:
        head, body = text[: end + 1], text[end + 2 :]
    else:
        head, body = text, ""
    at = 0
    if head.startswith("From "):  # an mbox envelope line
        line = head[: head.find("\n") + 1] or head
        msg.set_unixfrom(_strip_eol(line))
        at = len(line)
    if _HEADER_BLOCK.fullmatch(head, at):  # every line a field or a continuation: all at once
        fields = [(n, v.rstrip("\r\n")) for n, v in _HEADER_FIELD.findall(head, at)]
        msg._headers = fields  # type: ignore[attr-defined]  # what set_raw appends to
        msg._index = {n.lower(): (n, v) for n, v in reversed(fields)}  # type: ignore[attr-defined]
        return body
    add = msg._headers.append  # type: ignore[attr-defined]  # set_raw, without forgetting
    index: dict[str, tuple[str, str]] = {}
    end = len(head)
    match = _HEADER_FIELD.match
    while at < end:
        field = match(head, at)
        if field is None:
            if _HEADER_LIKE.match(head, at):
                raise Declined("a header line the stdlib parser reads its own way")
            # the stdlib ends the header block at a line that is not a header: that line and
            # all that follows it (the blank line too) are the body
            msg.defects.append(errors.MissingHeaderBodySeparatorDefect())
            body = text[at:]
            break
        # kept as compat32 keeps it: the name, and the value with its folding
        name, value = field.group(1), field.group(2).rstrip("\r\n")
        add((name, value))
        index.setdefault(name.lower(), (name, value))
        at = field.end()
    msg._index = index  # type: ignore[attr-defined]
    return body


# What the stdlib's feed parser still takes for a header line when it is not a plain field:
# an envelope line, an empty field name, a continuation before any field.
_HEADER_LIKE = re.compile(r"From |[\041-\071\073-\176]*:|[\t ]")
# One header field: its name, the colon, and its value with any continuation lines (the
# stdlib strips blanks after the colon, keeps the folding). Lines are cut at LF only.
_HEADER_FIELD = re.compile(r"([\041-\071\073-\176]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*\n?)")
# A header block of fields only (one way to match any text: linear, also when it fails).
_HEADER_BLOCK = re.compile(r"(?:[\041-\071\073-\176]+:[^\n]*(?:\n[ \t][^\n]*)*(?:\n|\Z))*")


def _split(
    body: str, lines: list[tuple[int, int, bool]]
) -> tuple[list[str], str | None, str | None, bool]:
    """The parts between the delimiter ``lines``, the preamble, the epilogue, and whether
    the closing delimiter came; cut as the stdlib parser cuts them."""
    if lines[0][2]:
        raise Declined("a closing delimiter before any opening one")
    preamble = _strip_eol(body[: lines[0][0]]) if lines[0][0] else None
    parts: list[str] = []
    at = 0
    while True:
        # delimiter lines right after a delimiter are swallowed (a closing one too)
        while at + 1 < len(lines) and lines[at + 1][0] == lines[at][1]:
            at += 1
        start = lines[at][1]
        if at + 1 == len(lines):  # no delimiter after this part: it runs to the end
            parts.append(body[start:])
            return parts, preamble, None, False
        at += 1
        parts.append(body[start : lines[at][0]])
        if lines[at][2]:
            return parts, preamble, body[lines[at][1] :] or None, True


def _delimiter_lines(body: str, delimiter: str) -> list[tuple[int, int, bool]]:
    """(start, end, closing) of each line that is ``delimiter``, maybe ``--``, maybe blanks."""
    found = []
    at = 0 if body.startswith(delimiter) else body.find("\n" + delimiter) + 1
    while at > 0 or (at == 0 and body.startswith(delimiter)):
        line_end = body.find("\n", at)
        line_end = len(body) if line_end == -1 else line_end + 1
        rest = body[at + len(delimiter) : line_end].rstrip("\r\n")
        closing = rest.startswith("--")
        if not (rest[2:] if closing else rest).strip(" \t"):
            found.append((at, line_end, closing))
        at = body.find("\n" + delimiter, at + 1) + 1
        if at == 0:
            break
    return found


def _strip_eol(text: str) -> str:
    """The line end before a delimiter belongs to the delimiter."""
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


def _blocks(body: str) -> list[list[str]]:
    """The header blocks of a delivery-status body, as the stdlib parser cuts them: each runs
    to the next empty line, which is skipped; an empty line after it starts an empty block."""
    lines = _lines(body)
    blocks: list[list[str]] = []
    at = 0
    while True:
        end = at
        while end < len(lines) and lines[end] not in ("\n", "\r\n", "\r"):
            end += 1
        blocks.append(lines[at:end])
        at = end + 1
        if at >= len(lines):
            return blocks


def _header_block(msg: Message, lines: list[str]) -> Message:
    # no empty line inside: fields, then (after a line that is not one) the block's body
    body = _read_headers(msg, "".join(lines))
    if msg.get_content_maintype() in ("multipart", "message"):
        raise Declined("a delivery-status block that claims to be a container")
    msg.set_payload(body)
    return msg
