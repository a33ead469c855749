"""What a failure's text quotes: the RFC 3463 status, the SMTP reply code, and the SMTP command
the server was answering."""

from __future__ import annotations

import re

from bounce_parser.rules.status import COMMANDS

# Each is searched with the character before a match checked apart (_not_after): a pattern
# that opens with a look-behind makes the regex engine try every position of the text.
_STATUS_IN_TEXT = re.compile(r"([45])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
_SUCCESS_STATUS_IN_TEXT = re.compile(r"(2)\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
_REPLY_IN_TEXT = re.compile(r"([45]\d\d)(?:[ -](?:[45]\.\d)|\s|$)")
_SUCCESS_IN_TEXT = re.compile(r"(2\d\d)(?:[ -](?:2\.\d)|\s|$)")
# a code the text names as such: Zoho's "ERROR_CODE :421", "error code: 550"
_LABELLED_REPLY = re.compile(r"error[_ ]code\s*:?\s*([45]\d\d)\b", re.IGNORECASE)
_ERROR_CODE_WORD = re.compile(r"CODE|[Cc]ode")  # a literal scan, before the case-blind one


def _not_after(pattern: re.Pattern[str], text: str, before: str) -> re.Match[str] | None:
    """The first match of ``pattern`` in ``text`` not right after one of ``before``."""
    at = 0
    while True:
        m = pattern.search(text, at)
        if m is None or m.start() == 0 or text[m.start() - 1] not in before:
            return m
        at = m.start() + 1


_DIGITS_DOT = "0123456789."
_DIGITS_DOT_DASH = "0123456789.-"


def status_in_text(text: str | None) -> str | None:
    """The RFC 3463 status a text quotes: a failure's (4.x.x, 5.x.x) before any 2.x.x, which
    in a session transcript is only an earlier command's "250 2.0.0 Ok"."""
    text = text or ""
    m = _not_after(_STATUS_IN_TEXT, text, _DIGITS_DOT) or _not_after(
        _SUCCESS_STATUS_IN_TEXT, text, _DIGITS_DOT
    )
    return f"{m.group(1)}.{m.group(2)}.{m.group(3)}" if m else None


def reply_code_in_text(*texts: str | None) -> int | None:
    """The SMTP reply code quoted by the first of ``texts`` that quotes one: a failure's
    (4xx, 5xx) before any 2xx, which is often only a number in the text ("Size (in bytes):
    222") or an earlier "250 OK". A code labelled as one ("ERROR_CODE :421") comes first."""
    for text in texts:
        m = _LABELLED_REPLY.search(text) if text and _ERROR_CODE_WORD.search(text) else None
        if m:
            return int(m.group(1))
    for pattern in (_REPLY_IN_TEXT, _SUCCESS_IN_TEXT):
        for text in texts:
            m = _not_after(pattern, text or "", _DIGITS_DOT_DASH)
            if m:
                return int(m.group(1))
    return None


_WRAPPED = re.compile(r"[ \t]*\r?\n[ \t]+(?=\S)")


def smtp_command(text: str) -> str | None:
    """The SMTP command the remote server was answering, when the bounce says: DATA, RCPT or
    MAIL, or CONNECT for the greeting and HELO/EHLO."""
    # a reply wrapped onto further lines (Postfix and Exim indent them) reads as one line
    lowered = _WRAPPED.sub(" ", (text or "").lower())
    first: re.Match[str] | None = None
    for pattern in COMMANDS:
        m = pattern.search(lowered)
        if m is not None and (first is None or m.start() < first.start()):
            first = m
    if first is None:
        return None
    word = first.group(1) if first.re.groups else "helo"
    if word.startswith(("data", ".", "after i sent")):
        return "DATA"
    if word.startswith(("initial", "helo", "ehlo", "greeting")):
        return "CONNECT"
    return "RCPT" if word.startswith(("rcpt", "recipient")) else "MAIL"
