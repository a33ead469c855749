"""Recipients and diagnostics out of the human-readable text of a non-standard bounce."""

from __future__ import annotations

import re

from bounce_parser import mime

_NOT_RECIPIENT = re.compile(
    r"^(?:mailer-daemon|postmaster|root|abuse|noreply|no-reply|bounce[s]?|double-bounce)@",
    re.IGNORECASE,
)
_MAX_DIAG = 500
# lines of returned headers that carry addresses which are not the failed recipient
_HEADER_LINE = re.compile(
    r"^[ \t>]*(?:Message-Id|MAIL FROM|Received|References|In-Reply-To|Return-Path|From|Sender|"
    r"Reply-To|X-[A-Za-z-]+|\(envelope-from|envelope-from)[ \t]*[:(].*$",
    re.IGNORECASE | re.MULTILINE,
)


# exim, under an address an alias or a forward made: "(generated from <the address
# written>)"; the address in it is not another failed recipient, and the reason follows
_GENERATED_FROM = re.compile(r"\((?:ultimately )?generated from [^)\n]*\)", re.IGNORECASE)

# "smtp.mailfrom=…", "header.from=…" of an Authentication-Results field
_KEYED = re.compile(r"^[a-z.-]+=")
_CONTACT = re.compile(r"contact[ \t]*<?$", re.IGNORECASE)
_SENDMAIL_LINE = re.compile(r">?\.\.\. ")


def _unquoted(text: str, m: re.Match[str]) -> str:
    """A matched address without the dots around it, nor the single quotes Exchange's notices
    put around it ("'name@domain' on 12/3/2026"), which a local part may hold but not wrap."""
    address = m.group(0).strip(".").lower()
    if address.startswith("'") and text[m.end() : m.end() + 1] == "'":
        address = address[1:]
    return address


def text_recipients(head: str, exclude: set[str]) -> list[tuple[str, str]]:
    """``(address, diagnostic)`` for each failed recipient named in a bounce's text."""
    head = _HEADER_LINE.sub(lambda m: " " * len(m.group(0)), head)
    if "generated from" in head:
        head = _GENERATED_FROM.sub(lambda m: " " * len(m.group(0)), head)
    found = [(m.start(), m.end(), _unquoted(head, m)) for m in mime._ADDR.finditer(head)]
    # "please contact <support@…>": the provider's help desk, wherever else it is named
    contacts = {a for start, _, a in found if _CONTACT.search(head, max(0, start - 12), start)}
    matches = [
        (start, end, address)
        for start, end, address in found
        if address not in exclude
        and address not in contacts
        and not _NOT_RECIPIENT.match(address)
        and not _KEYED.match(address)
    ]
    out: dict[str, str] = {}
    for i, (_start, end, address) in enumerate(matches):
        if address in out:
            continue
        # the diagnostic runs to the next other recipient (a repeat of this one, as in
        # "5.2.1 <address>... User unknown", is part of it)
        stop = next((m[0] for m in matches[i + 1 :] if m[2] != address), len(head))
        if _SENDMAIL_LINE.match(head, end):  # sendmail's "<address>... reason": that line
            line_end = head.find("\n", end)
            stop = min(stop, len(head) if line_end < 0 else line_end)
        line_start = head.rfind("\n", 0, _start) + 1
        before = head[line_start:_start]
        after = head[end : min(stop, end + _MAX_DIAG)]
        diagnostic = " ".join((before + " " + after).split()).strip(" <>:;,.()")
        out[address] = diagnostic[:_MAX_DIAG]
    # an address mentioned only inside another recipient's diagnostic text is not a recipient
    return list(out.items())[:50]


_STRONG_RECIPIENT = re.compile(
    r"^[ \t]*<([^<>\s@]+@[^<>\s@]+)>:[ \t]*\r?$"
    r"|RCPT TO:[ \t]*<?([^<>\s@]+@[^<>\s@]+?)>?[ \t]*\r?$"
    r"|^[ \t]*<?([^<>\s@]+@[^<>\s@]+?)>?\.\.\. ",
    re.IGNORECASE | re.MULTILINE,
)


def strong_recipients(head: str) -> list[str]:
    """Recipients named as such: qmail's ``<address>:`` line, ``RCPT TO:<address>``,
    sendmail's ``address... reason``."""
    found = (next(g for g in m.groups() if g) for m in _STRONG_RECIPIENT.finditer(head))
    return list(dict.fromkeys(found))[:50]
