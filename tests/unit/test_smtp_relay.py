"""What the relay client hands over arrives byte for byte, dots and all."""

from __future__ import annotations

import pytest

from mailer.sandbox import SandboxServer
from mailer.smtp import RelayConfig, SmtpRelay
from mailer.wire import WireShape, wire_shape

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
