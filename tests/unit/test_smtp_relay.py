"""What the relay client hands over arrives byte for byte, dots and all."""

from __future__ import annotations

import asyncio

import pytest

from mailer.demo_relay import SandboxServer
from mailer.smtp.relay import RelayConfig, SmtpRelay
from mailer.smtp.wire import WireShape, wire_shape

HEAD = (
    b"From: factures@acme.example\r\nTo: compta@dupont.example\r\n"
    b"Subject: Facture F-1\r\nMessage-ID: <f-1@acme.example>\r\n\r\n"
)


async def _send_and_receive(
    sandbox: SandboxServer, message: bytes, shape: WireShape | None = None
) -> bytes:
    relay = SmtpRelay(RelayConfig("127.0.0.1", sandbox.port))
    try:
        reply = await relay.send(
            "factures@acme.example", "compta@dupont.example", message, shape=shape
        )
    finally:
        await relay.close()
    assert reply.code == 250
    [received] = sandbox.received("compta@dupont.example")
    return received


@pytest.mark.parametrize("shape_from_the_maker", [False, True])
async def test_lines_starting_with_a_dot_arrive_unchanged(
    sandbox: SandboxServer, shape_from_the_maker: bool
) -> None:
    body = b".first line starts with a dot\r\n.\r\n..two dots\r\nlast line\r\n"
    shape = wire_shape(HEAD + body) if shape_from_the_maker else None
    received = await _send_and_receive(sandbox, HEAD + body, shape)
    assert received.endswith(HEAD + body)


@pytest.mark.parametrize(
    ("message", "shape"),
    [
        (HEAD + b"body\r\n", WireShape(crlf=True, dot_lines=False)),
        (HEAD + b"body\r\n.dot\r\n", WireShape(crlf=True, dot_lines=True)),
        (b".starts with a dot\r\n", WireShape(crlf=True, dot_lines=True)),
        (HEAD + b"bare\nline feed\r\n", WireShape(crlf=False, dot_lines=False)),
        (HEAD + b"bare\rcarriage return\r\n", WireShape(crlf=False, dot_lines=False)),
        (HEAD + b"no line end at the end", WireShape(crlf=False, dot_lines=False)),
    ],
)
def test_wire_shape(message: bytes, shape: WireShape) -> None:
    assert wire_shape(message) == shape


async def test_a_message_with_bare_line_feeds_is_sent_with_crlf(sandbox: SandboxServer) -> None:
    message = HEAD.replace(b"\r\n", b"\n") + b".dot\nbody\n"
    received = await _send_and_receive(sandbox, message)
    assert received.endswith(HEAD + b".dot\r\nbody\r\n")


async def test_the_message_ends_only_once_what_must_come_first_is_done(
    sandbox: SandboxServer,
) -> None:
    """The hand-off mark is written while the envelope goes out: the relay must not have
    the message before that write is done."""
    written = asyncio.Event()
    relay = SmtpRelay(RelayConfig("127.0.0.1", sandbox.port))
    try:
        sending = asyncio.create_task(
            relay.send(
                "factures@acme.example",
                "compta@dupont.example",
                HEAD + b"body\r\n",
                before_end=written.wait(),
            )
        )
        await asyncio.sleep(0.3)
        assert not sending.done()
        assert sandbox.received("compta@dupont.example") == []
        written.set()
        reply = await sending
    finally:
        written.set()  # never leave the send waiting, whatever failed
        await relay.close()
    assert reply.code == 250
    [received] = sandbox.received("compta@dupont.example")
    assert received.endswith(HEAD + b"body\r\n")


async def test_a_failed_prior_write_leaves_the_relay_without_the_message(
    sandbox: SandboxServer,
) -> None:
    class MarkNotWritten(Exception):
        pass

    async def failing_mark() -> None:
        raise MarkNotWritten("database is locked")

    relay = SmtpRelay(RelayConfig("127.0.0.1", sandbox.port))
    try:
        with pytest.raises(MarkNotWritten):
            await relay.send(
                "factures@acme.example",
                "compta@dupont.example",
                HEAD + b"first\r\n",
                before_end=failing_mark(),
            )
        # the relay discarded the unfinished message; the next one goes through
        reply = await relay.send("factures@acme.example", "compta@dupont.example", HEAD + b"2\r\n")
    finally:
        await relay.close()
    assert reply.code == 250
    await asyncio.sleep(0.1)
    [received] = sandbox.received("compta@dupont.example")
    assert received.endswith(HEAD + b"2\r\n")
