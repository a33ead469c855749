"""What the relay client hands over arrives byte for byte, dots and all."""

from __future__ import annotations

from mailer.sandbox import SandboxServer
from mailer.smtp import RelayConfig, SmtpRelay

HEAD = (
    b"From: factures@acme.example\r\nTo: compta@dupont.example\r\n"
    b"Subject: Facture F-1\r\nMessage-ID: <f-1@acme.example>\r\n\r\n"
)


async def _send_and_receive(sandbox: SandboxServer, message: bytes) -> bytes:
    relay = SmtpRelay(RelayConfig("127.0.0.1", sandbox.port))
    try:
        reply = await relay.send("factures@acme.example", "compta@dupont.example", message)
    finally:
        await relay.close()
    assert reply.code == 250
    [received] = sandbox.received("compta@dupont.example")
    return received


async def test_lines_starting_with_a_dot_arrive_unchanged(sandbox: SandboxServer) -> None:
    body = b".first line starts with a dot\r\n.\r\n..two dots\r\nlast line\r\n"
    received = await _send_and_receive(sandbox, HEAD + body)
    assert received.endswith(HEAD + body)


async def test_a_message_with_bare_line_feeds_is_sent_with_crlf(sandbox: SandboxServer) -> None:
    message = HEAD.replace(b"\r\n", b"\n") + b".dot\nbody\n"
    received = await _send_and_receive(sandbox, message)
    assert received.endswith(HEAD + b".dot\r\nbody\r\n")
