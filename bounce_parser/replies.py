"""An SMTP reply as the rules read it: a multi-line reply (RFC 5321 4.2.1) as one text."""

from __future__ import annotations

import re

# "552-5.7.0 This message was blocked because its content presents a potential\n552-5.7.0
# security issue": the code and status that open each line of a multi-line reply; the first
# one is where the reply starts, wherever a notice quotes it ("Error=[552-too many …")
_FIRST_REPLY_CODE = re.compile(r"(?<![\w.-])[245]\d\d[- ]")
_LATER_LINE_PREFIX = re.compile(r"\s+[245]\d\d[- ](?:[245]\.\d{1,3}\.\d{1,3}\s+)?")


def joined_reply_lines(text: str) -> str:
    """The text with the prefixes of a multi-line reply's later lines taken out, so that a
    phrase broken across lines matches; the first line's code stays (rules may name it)."""
    first = _FIRST_REPLY_CODE.search(text)
    if first is None:
        return text
    rest = text[first.end() :]
    if _LATER_LINE_PREFIX.search(rest) is None:
        return text
    return text[: first.end()] + _LATER_LINE_PREFIX.sub(" ", rest)


# the end of a reply's first sentence: a full stop, then the next sentence's capital or the end
_SENTENCE_END = re.compile(r"\.(?=\s+[A-Z]|\s*$)")


def quoted_reply(text: str) -> str | None:
    """The server's reply a notice quotes in ``text``: from its code to the end of its first
    sentence, where the notice's own words resume ("451 4.3.0 Mail server temporarily
    rejected message. No action is required on your part."); None if it quotes none."""
    joined = joined_reply_lines(text)
    first = _FIRST_REPLY_CODE.search(joined)
    if first is None:
        return None
    rest = joined[first.start() :]
    end = _SENTENCE_END.search(rest)
    return rest[: end.end()] if end else rest
