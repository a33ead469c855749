"""The fast MIME reader builds exactly the tree the stdlib parser builds, or declines."""

from __future__ import annotations

import email
import random
from email import errors
from email.message import Message
from email.policy import compat32
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.mutations import mutations
from bounce_parser import message_tree, mime, mimescan

# The defects the classifier acts on (a lost boundary is looked for again).
_BOUNDARY_DEFECTS = (
    errors.StartBoundaryNotFoundDefect,
    errors.NoBoundaryInMultipartDefect,
    errors.CloseBoundaryNotFoundDefect,
)


def _tree(msg: Message, depth: int = 0) -> list[object]:
    defects = sorted(type(d).__name__ for d in msg.defects if isinstance(d, _BOUNDARY_DEFECTS))
    out: list[object] = [(depth, msg.get_content_type(), msg.items(), defects)]
    payload = msg.get_payload()
    if isinstance(payload, list):
        for part in payload:
            assert isinstance(part, Message)
            out += _tree(part, depth + 1)
    else:
        out.append((depth, "payload", payload))
    return out


def _same_or_declined(raw: bytes) -> bool:
    """True when the reader gave the stdlib's tree; False when it declined."""
    try:
        fast = mimescan.read(raw)
    except mimescan.Declined:
        return False
    assert _tree(fast) == _tree(email.message_from_bytes(raw, policy=compat32))
    return True


DSN = (
    "From MAILER-DAEMON Mon Jan  1 00:00:00 2026\n"
    "From: MAILER-DAEMON@mx.example\nTo: f@acme.example\nSubject: Undelivered\n"
    'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="OUTER"\n\n'
    "preamble\n--OUTER\nContent-Type: multipart/alternative; boundary=INNER\n\n"
    "--INNER\nContent-Type: text/plain\n\nplain text\n\n--INNER\nContent-Type: text/html\n\n"
    "<p>html</p>\n--INNER--\ninner epilogue\n\n--OUTER\n"
    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n\n"
    "Final-Recipient: rfc822; a@client.example\nAction: failed\nStatus: 5.1.1\n\n"
    "--OUTER\n--OUTER\nContent-Type: message/rfc822\n\nFrom: f@acme.example\n"
    "Subject: Facture\n\nbody\n\n--OUTER--\nepilogue\n"
)


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_a_nested_report_reads_the_same_as_with_the_stdlib(eol: str) -> None:
    assert _same_or_declined(DSN.replace("\n", eol).encode())


def test_a_form_feed_in_a_report_field_does_not_cut_the_field() -> None:
    # str.splitlines breaks lines at a form feed; the stdlib's parser does not
    raw = DSN.replace("Reporting-MTA: dns; mx.example\n", "Reporting-MTA: dns; mx\x0c\n")
    assert _same_or_declined(raw.encode())


def test_a_multipart_whose_delimiter_never_comes_is_read_as_the_stdlib_reads_it() -> None:
    raw = DSN.replace("--OUTER", "--ELSEWHERE").encode()
    assert _same_or_declined(raw)
    fast = mimescan.read(raw)
    assert isinstance(fast.get_payload(), str)  # the body as it is, for a later re-read
    assert any(isinstance(d, errors.StartBoundaryNotFoundDefect) for d in fast.defects)


def test_a_multipart_without_a_boundary_is_read_as_the_stdlib_reads_it() -> None:
    raw = DSN.replace('boundary="OUTER"', 'charset="us-ascii"').encode()
    assert _same_or_declined(raw)
    assert any(
        isinstance(d, errors.NoBoundaryInMultipartDefect) for d in mimescan.read(raw).defects
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(DSN.splitlines(keepends=True)), max_size=40))
def test_any_arrangement_of_report_lines_reads_the_same_or_is_declined(lines: list[str]) -> None:
    _same_or_declined("".join(lines).encode())


@pytest.mark.corpus
def test_corpus_and_its_mutations_read_the_same_or_are_declined(corpus_dir: Path) -> None:
    rng = random.Random(11)
    read = total = 0
    for path in sorted((corpus_dir / "bounces").glob("*.eml")):
        raw = path.read_bytes()
        total += 1
        read += _same_or_declined(raw)
        for _kind, damaged in list(mutations(raw, rng))[:3]:
            if len(damaged) < 2_000_000:
                _same_or_declined(damaged)
    assert read >= 0.85 * total  # the fast path is the common path


def test_a_header_block_ended_by_a_line_that_is_not_a_header_is_read_not_declined() -> None:
    # the stdlib ends the header block there: that line and the rest are the body
    raw = DSN.replace("Subject: Undelivered\n", "Subject: Undelivered\nnot a header line\n")
    assert _same_or_declined(raw.encode())
    fast = mimescan.read(raw.encode())
    assert fast.get_payload().startswith("not a header line\n")
    assert fast["Content-Type"] is None  # it came after the line: part of the body


def test_what_a_read_message_keeps_follows_changes_to_its_headers() -> None:
    raw = DSN.encode()
    fast, slow = mimescan.read(raw), email.message_from_bytes(raw, policy=compat32)
    for msg in (fast, slow):
        assert msg.get_boundary() == "OUTER"  # looked up (and kept) before the changes
        msg.set_boundary("AGAIN")
        msg["X-Added"] = "1"
        del msg["Subject"]
        msg.set_param("charset", "utf-8")
    for name in ("Content-Type", "X-Added", "Subject"):
        assert fast.get(name) == slow.get(name)
    assert fast.get_boundary() == slow.get_boundary() == "AGAIN"
    assert fast.get_param("charset") == slow.get_param("charset") == "utf-8"
    assert ("Subject" in fast) is ("Subject" in slow) is False


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='ab=;" <>\t\\*XY/-', max_size=40))
def test_parameters_read_the_same_as_the_stdlibs(value: str) -> None:
    head = f"Content-Type: text/plain; {value}\n\nbody\n".encode()
    try:
        fast = mimescan.read(head)
    except mimescan.Declined:
        return
    slow = email.message_from_bytes(head, policy=compat32)
    assert fast.get_params() == slow.get_params()
    for name in ("a", "b", "XY", "charset"):
        assert fast.get_param(name) == slow.get_param(name)


@pytest.mark.parametrize(
    "body",
    [
        b"Ceci est une facture.\r\n",
        "Facture réglée, merci.\r\n".encode("latin-1"),  # 8-bit: the stdlib re-decodes it
    ],
)
def test_a_payload_reads_as_the_stdlib_reads_it(body: bytes) -> None:
    raw = b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n" + body
    ours = mimescan.read(raw)
    theirs = email.message_from_bytes(raw, policy=compat32)
    assert ours.get_payload() == theirs.get_payload()
    assert ours.get_payload(decode=True) == theirs.get_payload(decode=True) == body


def test_a_header_field_is_read_to_its_bound() -> None:
    """A field's value is read to ``mime.MAX_FIELD`` characters, whatever its length."""
    msg = message_tree.parse(b"Subject: " + b"x" * (mime.MAX_FIELD + 5000) + b"\r\n\r\nhello\r\n")
    assert mime.header(msg, "Subject") == "x" * mime.MAX_FIELD


def test_a_message_is_read_to_its_bounded_count_of_delimiter_lines() -> None:
    """Parts after the ``message_tree.MAX_DELIMITER_LINES``-th line starting "--" are not read."""
    part = b"--B\r\nContent-Type: text/plain\r\n\r\npart\r\n"
    raw = (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        + part * (message_tree.MAX_DELIMITER_LINES + 500)
        + b"--B--\r\n"
    )
    read = message_tree.parse(raw).get_payload()
    assert isinstance(read, list)
    assert len(read) == message_tree.MAX_DELIMITER_LINES - 1


def test_lowered_text_keeps_each_character_where_it_stood() -> None:
    """Positions found in ``mime.lowered`` are the text's own: ``str.lower`` makes "İ" two
    characters, which would shift every position after it."""
    text = "İZMİR: Your message has been delivered to the following recipients"
    lowered = mime.lowered(text)
    assert len(lowered) == len(text)
    assert lowered.startswith("izmir: your message has been delivered")
    assert lowered.index("delivered") == text.index("delivered")
