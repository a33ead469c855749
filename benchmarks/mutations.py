"""Hostile variants of real messages, shared by the mutation test and bounce_hostile.py."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator


def mutations(raw: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    yield "truncated", raw[: rng.randrange(1, max(2, len(raw)))]
    boundary = re.search(rb'boundary="?([^";\r\n]+)', raw)
    if boundary:
        b = boundary.group(1)
        yield "boundary-broken", raw.replace(b"--" + b, b"--" + b[:-1] + b"X", 1)
        yield "boundary-missing-end", raw.replace(b"--" + b + b"--", b"")
        part = b"--" + b + b"\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@b\r\n\r\nhi\r\n"
        first = raw.find(b"\n--" + b) + 1
        if first > 0:  # thousands of parts before the message's own
            yield "many-parts", raw[:first] + part * 14_000 + raw[first:]
    yield "wrong-charset", re.sub(rb"charset=\"?[\w-]+\"?", b'charset="x-no-such-charset"', raw)
    yield "latin1-as-utf8", raw.replace(b"\n\n", b"\n\n\xe9\xff\xfe", 1)
    yield "huge-header", b"X-Huge: " + b"a" * 200_000 + b"\r\n" + raw
    # the fields the classifier reads, each one huge, before the message's own
    yield "huge-subject", b"Subject: " + b"Returned mail " * 60_000 + b"\r\n" + raw
    words = b" ".join([b"=?utf-8?q?a?="] * 60_000)  # RFC 2047: the stdlib's decoder is quadratic
    yield "encoded-subject", b"Subject: " + words + b"\r\n" + raw
    yield "huge-from", b"From: " + b"postmaster@example.org, " * 35_000 + b"\r\n" + raw
    yield "many-headers", b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + raw
    first = re.search(rb"(?im)^(?:final-recipient|original-rcpt-to)[ \t]*:", raw)
    if first:  # a report naming thousands of recipients before its own
        eol = b"\r\n" if b"\r\n" in raw[first.start() : first.start() + 200] else b"\n"
        group = b"Final-Recipient: rfc822; user%d@junk.example" + eol + b"Action: failed" + eol
        many = b"".join(group % i + b"Status: 5.1.1" + eol + eol for i in range(5000))
        yield "many-recipients", raw[: first.start()] + many + raw[first.start() :]
    # read as HTML, ending in tags whose quotes never close
    yield "html-open-quotes", b"Content-Type: text/html\r\n" + raw + b"<a href='" * 90_000
    # hundreds of forward markers at the top of the text, each followed by no quoted header
    body_at = raw.find(b"\r\n\r\n") + 4 if b"\r\n\r\n" in raw else raw.find(b"\n\n") + 2
    if body_at > 1:
        markers = b"-----Original Message-----\r\n" * 280 + (b"x" * 70 + b"\r\n") * 11_000
        yield "forward-markers", raw[:body_at] + markers + raw[body_at:]
    nested = raw
    for _ in range(50):
        nested = b"From: m@x\r\nContent-Type: message/rfc822\r\n\r\n" + nested
    yield "nested-50", nested
    yield "nul-bytes", raw.replace(b"\n", b"\n\x00", 20)
    yield "big-body-900k", raw + b"\r\n" + b"B" * 900_000
    yield "body-20mb", raw + b"\r\n" + b"C" * (20 * 1024 * 1024)
