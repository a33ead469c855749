"""Reading the parts of a notice: the returned message, its headers, facturier's token, the
human-readable text, and what it says near a recipient (the RFC 3464 field groups:
``report_fields``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from email.message import Message
from email.utils import getaddresses
from typing import TypedDict

from bounce_parser import message_tree, mime
from bounce_parser.htmltext import html_text
from bounce_parser.literals import CaseBlind
from bounce_parser.rules.detection import RETURNED_MARKER
from bounce_parser.rules.footers import FOOTERS

log = logging.getLogger(__name__)

FACTURIER_HEADER = "X-Facturier-Delivery"


class Common(TypedDict):
    addressed_to: tuple[str, ...]
    subject: str | None
    from_address: str | None
    in_reply_to: str | None
    references: tuple[str, ...]


def excerpt_of(text: str, limit: int = 2000) -> str | None:
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(">") or re.match(r"^(?:On .* wrote:|Le .* a écrit ?:|-----)", line):
            break
        lines.append(line.rstrip())
    out = "\n".join(lines).strip()
    return out[:limit] or None


def report_type_of(msg: Message) -> str | None:
    if mime.ctype(msg) != "multipart/report":
        return None
    value = msg.get_param("report-type")
    return str(value).lower() if value else None


def _returned_part(parts: list[tuple[int, Message]]) -> Message | None:
    for depth, part in parts:
        # RFC 6533 section 6: message/global and message/global-headers, the UTF-8 forms
        returned = (
            "message/rfc822",
            "message/global",
            "text/rfc822-headers",
            "message/global-headers",
        )
        if depth <= 1 and mime.ctype(part) in returned:
            return part
    return None


def report_parts(
    msg: Message, parts: list[tuple[int, Message]], report_type: str, field: str
) -> list[Message]:
    """A report's machine-readable part (``message/<report_type>``): where a gateway relabelled
    it (text/plain, application/octet-stream), the part of a ``report_type`` report whose text
    holds its first ``field`` at a line's start (RFC 6522 3: a report's second part is the
    machine-readable one, whatever it is labelled). For complaints and read receipts; a
    delivery report's is ``dsn.embedded_dsn``'s, which also reads one whose MIME structure
    was lost."""
    found = [p for _, p in parts if mime.ctype(p) == f"message/{report_type}"]
    if found or report_type_of(msg) != report_type:
        return found
    opening = re.compile(rf"^{field}[ \t]*:", re.IGNORECASE | re.MULTILINE)
    return [
        part
        for depth, part in parts
        if depth == 0
        and mime.ctype(part) in ("text/plain", "application/octet-stream")
        and isinstance(part.get_payload(), str)
        and opening.search(mime.text_of(part)) is not None
    ]


def returned_headers(parts: list[tuple[int, Message]]) -> Message | None:
    part = _returned_part(parts)
    if part is None:
        return None
    if mime.ctype(part) == "text/rfc822-headers":
        return mime.kept(part, "returned_headers", headers_part)
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def headers_part(part: Message) -> Message:
    return message_tree.parse(mime.text_of(part).encode("utf-8", "replace"))


def token(parts: list[tuple[int, Message]]) -> str | None:
    for _, part in parts:
        value = part.get(FACTURIER_HEADER)
        if value:
            return str(value).strip()
    for _, part in parts:
        if mime.ctype(part) in ("text/rfc822-headers", "text/plain"):
            m = _token_field(mime.text_of(part))
            if m:
                return m.group(1)
    return None


def _token_field(text: str) -> re.Match[str] | None:
    """The first facturier header field in ``text``, found by a plain scan of the lower-cased
    text (a case-insensitive regex is tried at every position)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: offsets differ
        return _TOKEN_FIELD.search(text)
    at = lowered.find(_TOKEN_NAME)
    while at >= 0:
        m = _TOKEN_FIELD.match(text, at)
        if m:
            return m
        at = lowered.find(_TOKEN_NAME, at + 1)
    return None


_TOKEN_NAME = FACTURIER_HEADER.lower()
_TOKEN_FIELD = re.compile(re.escape(FACTURIER_HEADER) + r":\s*(\S+)", re.IGNORECASE)


def returned_message_id(parts: list[tuple[int, Message]], text: str = "") -> str | None:
    headers = returned_headers(parts)
    if headers is not None:
        mid = mime.first_message_id(str(headers.get("Message-ID", "") or ""))
        if mid:
            return mid
    m = re.search(r"^\s*Message-ID:\s*(<[^>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
    return m.group(1) if m else None


MAX_HUMAN_TEXT = 32 * 1024


def human_text(parts: list[tuple[int, Message]]) -> str:
    """The notice's own readable text: its first plain-text part, else its HTML as lines,
    without a gateway's footer (``without_footers``). A part sent as an attachment (RFC 2183),
    such as the returned headers as a .txt file, is read only when the notice has no other
    text. Worked out once a message: ``parts`` is always the whole walk of its first part."""
    if not parts:
        return ""
    return mime.kept(parts[0][1], "_human_text", lambda _root: without_footers(_human_text(parts)))


# a footer (``rules.footers``): its stamp, not the notice's own words (no reply code, status,
# address nor word of a failure in it)
_FOOTER = CaseBlind("|".join(p for p, _source in FOOTERS))
_NOTICE_OWN = re.compile(
    r"\b[245]\d\d\b|\b[245]\.\d{1,3}\.\d{1,3}\b|@|\b(?:reject|refus|block|denied|bounce|"
    r"deliver|fail|unable|could ?n[o']t|cannot|quarantin|infected|found to|detected as)",
    re.I,
)
# words every footer holds one of: a plain scan for them rules most texts out at once
_FOOTER_WORDS = ("virus", "viren", "spam", "malware", "malicious", "dangerous", "security", "clean",
    "powered by", "protected by", "intended recipient", "received this", "prohibited", "privacy",
    "confidential")  # fmt: skip
_PARAGRAPH_BREAK = re.compile(r"(\r?\n[ \t]*\r?\n)")


def without_footers(text: str) -> str:
    """``text`` without the paragraphs of a gateway's footer (``rules.footers``): its stamps
    and disclaimers say nothing of this failure."""
    lowered = text.lower()
    if not any(word in lowered for word in _FOOTER_WORDS):
        return text
    pieces = _PARAGRAPH_BREAK.split(text)
    for i in range(0, len(pieces), 2):
        paragraph = pieces[i]
        if _NOTICE_OWN.search(paragraph) is None and _FOOTER.search(" ".join(paragraph.split())):
            pieces[i] = ""
    return "".join(pieces)


def _human_text(parts: list[tuple[int, Message]]) -> str:
    # a report a gateway put inside a multipart/mixed of its own, beside the footer it adds
    # (Google Workspace's "Append footer", before it; a Mailman list's footer part, after
    # it), relabelled or not: the report's first part is the explanation (RFC 6522 3), not
    # the gateway's text
    nested = next((p for d, p in parts[1:] if not d and _holds_report(p)), None)
    if nested is not None:
        parts = list(mime.walk(nested))
    attached_plain = attached_html = None
    for depth, part in parts:
        if depth:
            continue
        kind = mime.ctype(part)
        if kind == "text/plain":
            if not _attached(part):
                return mime.text_of(part)[:MAX_HUMAN_TEXT]
            attached_plain = attached_plain or part
        elif kind == "text/html":
            if _attached(part):
                attached_html = attached_html or part
            elif not _has_plain_alternative(part, parts):
                # the first text in the order the parts come (RFC 2046 5.1.3): a plain-text
                # part after it (a footer a gateway appended) is not the explanation
                return html_text(mime.text_of(part)[:MAX_HUMAN_TEXT])
    if attached_plain is not None:
        return mime.text_of(attached_plain)[:MAX_HUMAN_TEXT]
    return html_text(mime.text_of(attached_html)[:MAX_HUMAN_TEXT]) if attached_html else ""


_REPORT = "multipart/report"


def _holds_report(part: Message) -> bool:
    """Whether ``part`` is a report: so labelled, or a multipart with a report's fields as
    one of its own parts (a report a gateway relabelled multipart/mixed)."""
    if mime.ctype(part) == _REPORT:
        return True
    payload = part.get_payload() if part.is_multipart() else None
    return isinstance(payload, list) and any(
        isinstance(p, Message) and mime.ctype(p) in mime.REPORT_PARTS for p in payload
    )


def _has_plain_alternative(html_part: Message, parts: list[tuple[int, Message]]) -> bool:
    """Whether ``html_part`` is one of a multipart/alternative's forms with a plain-text one
    beside it (RFC 2046 5.1.4), which is then the text read."""
    for depth, part in parts:
        if depth or mime.ctype(part) != "multipart/alternative":
            continue
        forms = part.get_payload()
        if isinstance(forms, list) and any(f is html_part for f in forms):
            return any(isinstance(f, Message) and mime.ctype(f) == "text/plain" for f in forms)
    return False


def _attached(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "") or "")
    return disposition.split(";")[0].strip().lower() == "attachment"


def addr(value: str | None) -> str | None:
    """The address of a DSN recipient field (``rfc822; a@b``, RFC 3464 2.3.1-2), also of
    RFC 6533's ``utf-8`` type, whose address may be internationalized (RFC 6531) and may
    write a character as ``\\x{HEX}`` (its section 3)."""
    if not value:
        return None
    kind, sep, rest = value.partition(";")
    if sep and kind.strip().lower() == "utf-8":
        text = _UTF8_ESCAPE.sub(_unescaped, rest).strip().strip("<>")
        if _UTF8_ADDRESS.fullmatch(text):
            return text.lower()
    text = rest or value
    found = next(mime.address_matches(text), None)
    quoted = _QUOTED_LOCAL.search(text)
    if quoted is not None and (found is None or quoted.start() < found.start()):
        return quoted.group(0).lower()  # as written: its quotes are part of its syntax
    return mime.unwrapped(text, found).lower() if found else None


# an address whose local part is a quoted string (RFC 5321 4.1.2, RFC 5322 3.4.1: needed
# where it is no dot-atom, "neko..nyaan"@…), as a report's recipient field may give it
_QUOTED_LOCAL = re.compile(
    r'"(?:[^"\\\r\n]|\\.){1,128}"@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z0-9-]{2,63}'
)


_UTF8_ESCAPE = re.compile(r"\\x\{([0-9A-Fa-f]{1,6})\}")
_UTF8_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\\\"]{1,128}@[^\s@<>()\[\],;:\\\"]{1,255}")


def _unescaped(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)


def diagnostic_near(text: str, address: str, others: Iterable[str] = ()) -> str | None:
    """What the readable text says after ``address``, up to the line that names another of
    the report's recipients (one named on the same line shares the text that follows)."""
    if not text:
        return None
    lowered = mime.lowered(text)
    idx = lowered.find(address.lower())
    if idx < 0:
        return None
    end = idx + 600
    for other in others:
        # only a line that starts before ``end`` can cut the text: look no further than its end
        line_end = lowered.find("\n", end)
        stop = len(lowered) if line_end < 0 else line_end + len(other)
        at = lowered.find(other, idx + len(address), stop)
        line_start = lowered.rfind("\n", idx, at) if at >= 0 else -1
        if 0 <= line_start < end:
            end = line_start + 1
    snippet = text[idx:end]
    marker = RETURNED_MARKER.search(snippet)
    if marker:
        snippet = snippet[: marker.start()]
    return " ".join(snippet.split())[:500] or None


def returned_to(
    parts: list[tuple[int, Message]], returned_text: str, fields: tuple[str, ...] = ("To",)
) -> list[str]:
    """The addresses of the returned message's ``fields`` (its To, by default)."""
    found = mime.addresses_in(" ".join(_returned_values(parts, returned_text, fields)))
    return list(dict.fromkeys(a.lower() for a in found))


def returned_display_names(
    parts: list[tuple[int, Message]], returned_text: str, fields: tuple[str, ...] = ("To", "Cc")
) -> list[tuple[str, str]]:
    """``(display name, address)`` for each mailbox of the returned message's ``fields`` that
    has a display name (RFC 5322 3.4, "Jean Dupont <jean@client.example>")."""
    values = _returned_values(parts, returned_text, fields)
    return [
        (" ".join(name.split()), address.lower())
        for name, address in getaddresses(values)
        if name.strip() and "@" in address
    ]


def _returned_values(
    parts: list[tuple[int, Message]], returned_text: str, fields: tuple[str, ...]
) -> list[str]:
    """The returned message's ``fields``, from its header part where one names an address,
    else from the first such line of each in the returned text."""
    headers = returned_headers(parts)
    if headers is not None:
        values = [str(headers.get(f, "") or "") for f in fields]
        if mime.addresses_in(" ".join(values)):
            return values
    values = []
    for f in fields:
        # with the lines it is folded onto (RFC 5322 2.2.3: a long Cc list goes on under it)
        m = re.search(
            rf"^{f}:[ \t]*(.+(?:\r?\n[ \t]+\S.*)*)", returned_text, re.IGNORECASE | re.MULTILINE
        )
        values += [" ".join(m.group(1).split())] if m else []
    return values


_RECEIVED_FOR = re.compile(
    r"^Received:(?:[^\n]|\n[ \t])*?\bfor <([^<>\s@]+@[^<>\s@]+)>", re.I | re.M
)


def returned_for(parts: list[tuple[int, Message]], returned_text: str) -> list[str]:
    """The addresses the returned message's Received fields say it was for (RFC 5321
    4.4: "for <recipient>"), as received by the server that refused it."""
    headers = returned_headers(parts)
    text = (
        "".join(f"Received: {v}\n" for v in headers.get_all("Received") or ())
        if headers is not None
        else returned_text[:20000]
    )
    return list(dict.fromkeys(m.group(1).lower() for m in _RECEIVED_FOR.finditer(text)))


_WRAPPED_LINES = 8  # the most lines read from a recipient's line on (its reply, wrapped)


def around(text: str, address: str) -> str:
    """The line naming ``address``, the line before it and the two after it, and the
    indented lines that go on from those (a reply wrapped onto further lines) up to one
    that names another address."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if address in line.lower():
            end = i + 3
            while (
                end < min(len(lines), i + _WRAPPED_LINES)
                and lines[end][:1] in (" ", "\t")
                and all(a.lower() == address for a in mime.addresses_in(lines[end]))
            ):
                end += 1
            return "\n".join(lines[max(0, i - 1) : end])
    return ""


def line_before(text: str, diagnostic: str) -> str:
    """In a session transcript, the command line (``>>> DATA``) the diagnostic answered."""
    core = re.sub(r"^\s*\d{3}[ -]?", "", diagnostic).strip()[:24]
    if len(core) < 6:
        return ""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if core in line and i > 0 and lines[i - 1].lstrip().startswith(">>>"):
            return lines[i - 1]
    return ""
