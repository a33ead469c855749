"""What DATA needs to know of a message's bytes, worked out once, where it is made.

Composition reads it off the message before the attachment goes in (a few KB, not the
whole message), in the compose workers, so the sending loop does not scan each message
three more times before it writes it to the relay.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WireShape:
    """What DATA needs to know of a message's bytes: whether every line already ends in
    CRLF (what composition makes), and whether any line starts with a dot."""

    crlf: bool
    dot_lines: bool


def wire_shape(message: bytes) -> WireShape:
    crlf = message.count(b"\r\n")
    return WireShape(
        crlf=message.count(b"\n") == crlf == message.count(b"\r") and message.endswith(b"\r\n"),
        dot_lines=message.startswith(b".") or b"\r\n." in message,
    )
