"""A notice a person forwarded inline: pasted into their own message's text under their mail
client's forward marker and the notice's header lines, not attached (RFC 2046 5.2.1).

Read as the notice it quotes, with the forwarding message's own envelope: the notice's quoted
"To:" line names whoever received the notice (our own sender), never a failed recipient; the
text under the quoted header lines is the notice's own text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message

from bounce_parser.rules.detection import (
    BOUNCE_SENDER,
    BOUNCE_SUBJECT,
    INLINE_FORWARD,
    QUOTED_HEADER_NAMES,
)

_QUOTED_FIELD = re.compile(r"^[ \t>*]*([A-Za-zÀ-ÿ-]+)\*?[ \t]*:[ \t]*(.*?)[ \t*]*$")
# a line that goes on the field above it: white space first (after a quote's "> ")
_CONTINUED = re.compile(r"^(?:>[ \t]?)*+[ \t]+\S")
_SCAN = 8000  # a forwarding person's own words above the marker are short
_HEADER_LINES = 60  # a quoted header block's lines, the blank ones above it included


def quoted_notice(text: str) -> Message | None:
    """The notice ``text`` quotes under a forward marker (``rules.detection.INLINE_FORWARD``)
    and its header lines, as a message of its own, when those lines say it is a delivery
    notice (a bounce sender or subject); None for anything else, such as a notice's own copy
    of our invoice under Gmail's "Forwarded message" line."""
    for quoted in quoted_messages(text):
        sender, subject = quoted.get("From", ""), quoted.get("Subject", "")
        if BOUNCE_SENDER.search(sender) or (subject and BOUNCE_SUBJECT.search(subject)):
            return quoted
    return None


def quoted_messages(text: str) -> Iterator[Message]:
    """Each message ``text`` quotes under a forward marker, in order: its quoted header lines
    as fields, the text under them as its body."""
    for marker in INLINE_FORWARD.finditer(text[:_SCAN]):
        quoted = _message_after(text[marker.end() :])
        if quoted is not None:
            yield quoted


def _message_after(rest: str) -> Message | None:
    """The message under one forward marker (``rest``: the text after it), or None where no
    quoted header lines follow the marker."""
    # only the first lines can be the quoted header block: the rest is split no further (a
    # text of many markers would otherwise be split whole at each)
    lines = rest.lstrip("\r\n").split("\n", _HEADER_LINES)
    fields: dict[str, str] = {}
    used, last = 0, ""
    for used, raw_line in enumerate(lines[:_HEADER_LINES]):  # noqa: B007 (the body's start)
        line = raw_line.rstrip("\r")
        if not line.strip():
            if fields:
                break
            continue
        m = _QUOTED_FIELD.match(line)
        name = QUOTED_HEADER_NAMES.get(m.group(1).lower()) if m else None
        if name is None and last and _CONTINUED.match(line):
            # a long field wrapped onto the line under it ("De : Mail Delivery System" then
            # "    <MAILER-DAEMON@…>"), as RFC 5322 2.2.3 folds one
            fields[last] += " " + line.strip(" \t>")
            continue
        if m is None or name is None:
            if fields:
                break
            return None
        last = name if name not in fields else ""
        fields.setdefault(name, m.group(2))
    if not fields:
        return None
    quoted = Message()
    for name, value in fields.items():
        quoted[name] = value
    quoted.set_payload("\n".join(lines[used:]).replace("\r\n", "\n"), "utf-8")
    return quoted
