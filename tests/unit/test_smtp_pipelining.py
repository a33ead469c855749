"""MAIL, RCPT and DATA go to a relay that advertises PIPELINING in one write, and every
refusal in the group is still reported as the command's own (RFC 2920)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mailer.demo_relay import SandboxServer
from mailer.errors import PermanentMailError, TransientMailError
from mailer.smtp.relay import RelayConfig, SmtpRelay, SmtpReply

MESSAGE = b"From: factures@acme.example\r\nSubject: Facture F-1\r\n\r\nbody\r\n"
EHLO = b"250-relay.example\r\n250-PIPELINING\r\n250 DSN\r\n"

Replies = Callable[[list[bytes]], bytes]
"""The relay's answer to a group of envelope commands (MAIL, RCPT, DATA lines)."""


@dataclass
class ScriptedRelay:
    """A relay that answers the envelope only once all three commands have come, so a
    client that waits for each reply before the next command never gets one."""

    answer: Replies
    close_after_answer: bool = False
    groups: list[list[bytes]] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 relay.example ESMTP\r\n")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(EHLO)
                elif verb == b"MAIL":
                    group = [line, await reader.readline(), await reader.readline()]
                    self.groups.append(group)
                    answer = self.answer(group)
                    writer.write(answer)  # the three replies in one segment
                    if self.close_after_answer:
                        writer.close()
                        return
                    if answer.rstrip().endswith(b"354 go ahead"):
                        self.messages.append(await _message(reader))
                        ok = b"554 5.5.1 no valid recipients" if b"550" in answer else b"250 ok"
                        writer.write(ok + b" queued as Q1\r\n")
                elif verb == b"RSET":
                    writer.write(b"250 2.0.0 Ok\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                await writer.drain()
        finally:
            writer.close()


async def _message(reader: asyncio.StreamReader) -> bytes:
    """The message's lines up to and with the line that ends it."""
    lines = []
    while (line := await reader.readline()) not in (b".\r\n", b""):
        lines.append(line)
    return b"".join(lines) + line


Start = Callable[..., Awaitable[tuple[ScriptedRelay, SmtpRelay]]]
"""Starts a scripted relay (its answer, ``close_after_answer``) and a client for it."""


@pytest.fixture
async def scripted() -> AsyncIterator[Start]:
    servers: list[asyncio.Server] = []
    relays: list[SmtpRelay] = []

    async def start(
        answer: Replies, close_after_answer: bool = False
    ) -> tuple[ScriptedRelay, SmtpRelay]:
        script = ScriptedRelay(answer, close_after_answer)
        server = await asyncio.start_server(script.serve, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        relays.append(SmtpRelay(RelayConfig("127.0.0.1", port, timeout=5)))
        return script, relays[-1]

    yield start
    for relay in relays:
        await relay.close()
    for server in servers:
        server.close()


def _accept(group: list[bytes]) -> bytes:
    return b"250-2.1.0 sender\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"


async def _send(relay: SmtpRelay) -> SmtpReply:
    return await relay.send(
        "factures@acme.example", "compta@dupont.example", MESSAGE, envid="tok-1"
    )


async def test_the_envelope_goes_in_one_write_and_the_message_after_its_replies(
    scripted: Start,
) -> None:
    script, relay = await scripted(_accept)
    reply = await asyncio.wait_for(_send(relay), 10)
    assert reply.queue_id == "Q1"
    [[mail, rcpt, data]] = script.groups
    assert mail.startswith(b"MAIL FROM:<factures@acme.example> RET=HDRS ENVID=tok-1")
    assert rcpt.startswith(b"RCPT TO:<compta@dupont.example> NOTIFY=SUCCESS,FAILURE,DELAY")
    assert data == b"DATA\r\n"
    assert script.messages == [MESSAGE + b".\r\n"]


async def test_a_refused_recipient_is_reported_and_the_relay_gets_no_message(
    scripted: Start,
) -> None:
    """A relay that answers DATA with 354 after refusing the only recipient gets an empty
    message, never the invoice; the refusal is the recipient's; the connection goes on."""
    refusals = iter([True, False])

    def answer(group: list[bytes]) -> bytes:
        if next(refusals):
            return b"250 ok\r\n550 5.1.1 <compta@dupont.example>: User unknown\r\n354 go ahead\r\n"
        return _accept(group)

    script, relay = await scripted(answer)
    with pytest.raises(PermanentMailError) as refused:
        await asyncio.wait_for(_send(relay), 10)
    assert refused.value.code == 550 and "User unknown" in str(refused.value)
    assert refused.value.status == "5.1.1"
    assert script.messages == [b".\r\n"]
    reply = await asyncio.wait_for(_send(relay), 10)
    assert reply.code == 250
    assert script.messages[-1] == MESSAGE + b".\r\n"


@pytest.mark.parametrize(
    ("answer", "hang_up", "error", "reported", "message_read"),
    [
        pytest.param(
            b"553 5.7.1 sender not allowed\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n",
            False,
            PermanentMailError,
            "MAIL FROM factures@acme.example: 553",
            [],
            id="the sender's refusal is the sender's",
        ),
        pytest.param(
            b"250 ok\r\n421 4.7.0 Too many connections, slow down\r\n",
            True,
            TransientMailError,
            "RCPT compta@dupont.example: 421 4.7.0 Too many",  # what the pacing slows down for
            [],
            id="a 421 then a hang-up is still a 421",
        ),
        pytest.param(
            b"250 ok\r\nhello there\r\n354 go ahead\r\n",
            False,
            TransientMailError,  # nothing after it pairs with a command: tried again later
            "unreadable reply",
            [b""],  # the connection closed before any of the message
            id="an unreadable reply is connection trouble",
        ),
    ],
)
async def test_a_group_the_relay_does_not_take_is_reported_as_its_own_error(
    scripted: Start,
    answer: bytes,
    hang_up: bool,
    error: type[Exception],
    reported: str,
    message_read: list[bytes],
) -> None:
    script, relay = await scripted(lambda group: answer, close_after_answer=hang_up)
    with pytest.raises(error) as failed:
        await asyncio.wait_for(_send(relay), 10)
    assert reported in str(failed.value)
    assert script.messages == message_read


@pytest.mark.parametrize("pipelining", [True, False])
async def test_a_relay_with_or_without_pipelining_gets_the_same_bytes(
    tmp_path: Path, pipelining: bool
) -> None:
    server = SandboxServer(
        tmp_path / "mail",
        tmp_path / "bounces",
        reject_domains={"rejects.example"},
        pipelining=pipelining,
    ).start()
    relay = SmtpRelay(RelayConfig("127.0.0.1", server.port))
    try:
        for n in range(3):  # replies of one message never pair with the next one's commands
            await relay.send(
                "factures@acme.example", "compta@dupont.example", MESSAGE + b"%d\r\n" % n
            )
        with pytest.raises(PermanentMailError):
            await relay.send("factures@acme.example", "x@rejects.example", MESSAGE)
        await relay.send("factures@acme.example", "compta@dupont.example", MESSAGE + b"last\r\n")
    finally:
        await relay.close()
        server.stop()
    received = sorted(m.split(b"\r\n\r\n", 1)[1] for m in server.received("compta@dupont.example"))
    assert received == [b"body\r\n0\r\n", b"body\r\n1\r\n", b"body\r\n2\r\n", b"body\r\nlast\r\n"]
