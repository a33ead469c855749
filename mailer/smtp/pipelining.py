"""SMTP command pipelining (RFC 2920) on an aiosmtplib connection.

aiosmtplib sends a command and waits for its reply before the next: MAIL, RCPT and DATA
cost three round trips before the message goes out. A relay that advertises PIPELINING
takes the three in one write and answers them in order. aiosmtplib's protocol cannot
read such a group back: it keeps one parsed reply at a time and drops what arrives before
that reply is read. :class:`PipeliningProtocol` keeps every reply, in order, and is put in
its place on a connection once the relay has said it pipelines.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable

import aiosmtplib
from aiosmtplib.email import quote_address
from aiosmtplib.protocol import SMTPProtocol

log = logging.getLogger(__name__)

_MAX_LINE = 8192  # RFC 5321 allows 512 octets a reply line; anything past this is not SMTP
_MAX_PENDING = 32768  # an unfinished reply longer than this is not SMTP either


def _take_reply(buffer: bytearray) -> aiosmtplib.SMTPResponse | None:
    """The first complete reply in ``buffer``, removed from it; None while incomplete.
    Raises :class:`aiosmtplib.SMTPResponseException` for what is not an SMTP reply."""
    lines: list[bytes] = []
    offset = 0
    while (end := buffer.find(b"\n", offset)) != -1:
        line = bytes(buffer[offset : end + 1])
        offset = end + 1
        if len(line) > _MAX_LINE or not line[:3].isdigit():
            raise aiosmtplib.SMTPResponseException(-1, f"malformed SMTP reply line: {line!r}")
        lines.append(line[4:].strip(b" \t\r\n"))
        if line[3:4] != b"-":
            del buffer[:offset]
            text = b"\n".join(lines).decode("utf-8", "surrogateescape")
            return aiosmtplib.SMTPResponse(int(line[:3]), text)
    if len(buffer) > _MAX_PENDING:
        raise aiosmtplib.SMTPResponseException(-1, "SMTP reply too long")
    return None


class PipeliningProtocol(SMTPProtocol):
    """aiosmtplib's protocol with every reply kept, in the order it came."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        connection_lost_callback: Callable[[SMTPProtocol], None] | None = None,
    ):
        super().__init__(loop=loop, connection_lost_callback=connection_lost_callback)
        self._unread = bytearray()
        self._replies: collections.deque[aiosmtplib.SMTPResponse] = collections.deque()
        self._trouble: BaseException | None = None  # what ends the replies: lost, garbled
        self._arrived: asyncio.Future[None] | None = None

    def _wake(self) -> None:
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self._trouble is not None:
            return
        self._unread.extend(data)
        try:
            while (reply := _take_reply(self._unread)) is not None:
                self._replies.append(reply)
        except aiosmtplib.SMTPResponseException as exc:
            # nothing more can be read in step with the commands: the connection is done
            self._trouble = aiosmtplib.SMTPServerDisconnected(f"unreadable reply: {exc.message}")
            if self.transport is not None:
                self.transport.close()
        self._wake()

    def eof_received(self) -> bool:
        self._trouble = self._trouble or aiosmtplib.SMTPServerDisconnected("unexpected EOF")
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._trouble is None:
            lost = aiosmtplib.SMTPServerDisconnected("connection lost")
            lost.__cause__ = exc
            self._trouble = lost
        self._wake()
        super().connection_lost(exc)

    async def read_response(
        self,
        timeout: float | None = None,  # noqa: ASYNC109 (aiosmtplib's signature)
    ) -> aiosmtplib.SMTPResponse:
        """The next reply not read yet, waiting for it if it has not come."""
        while not self._replies:
            if self._trouble is not None:
                raise self._trouble
            self._arrived = self._loop.create_future()
            try:
                await asyncio.wait_for(self._arrived, timeout)
            except TimeoutError as exc:
                raise aiosmtplib.SMTPReadTimeoutError("timed out waiting for a reply") from exc
        return self._replies.popleft()


def pipeline(client: aiosmtplib.SMTP) -> bool:
    """Read ``client``'s replies with :class:`PipeliningProtocol` from now on, if its relay
    advertises PIPELINING (call it between commands, with no reply outstanding)."""
    transport, old = client.transport, client.protocol
    if not client.supports_extension("pipelining") or transport is None or old is None:
        return False

    def lost(protocol: SMTPProtocol) -> None:
        if protocol is client.protocol:
            client.close()

    protocol = PipeliningProtocol(asyncio.get_running_loop(), connection_lost_callback=lost)
    transport.set_protocol(protocol)
    protocol.connection_made(transport)
    client.protocol = protocol
    return True


async def send_envelope(
    protocol: PipeliningProtocol,
    envelope_from: str,
    recipient: str,
    mail_options: list[str],
    rcpt_options: list[str],
    reply_wait: float | None,
) -> None:
    """MAIL, RCPT and DATA in one write, then their three replies; returns once the relay
    waits for the message (354), or raises aiosmtplib's error for the first refusal. A
    relay that answers DATA with 354 though it refused the sender or the recipient is
    sent the end of an empty message, which it cannot deliver to anyone."""

    def command(verb: bytes, address: str, options: list[str]) -> bytes:
        words = [verb + quote_address(address).encode("ascii"), *(o.encode() for o in options)]
        line = b" ".join(words)
        if b"\r" in line or b"\n" in line:
            raise ValueError(f"line break in an SMTP command: {line!r}")
        return line + b"\r\n"

    group = (
        command(b"MAIL FROM:", envelope_from, mail_options)
        + command(b"RCPT TO:", recipient, rcpt_options)
        + b"DATA\r\n"
    )
    protocol.write(group)
    replies: list[aiosmtplib.SMTPResponse] = []
    try:
        while len(replies) < 3:
            replies.append(await protocol.read_response(reply_wait))
    except aiosmtplib.SMTPServerDisconnected:
        # a relay may close the connection after a refusal (421): that reply is the outcome
        refusal = _first_refusal(replies, envelope_from, recipient)
        if refusal is None:
            raise
        raise refusal from None
    refusal = _first_refusal(replies, envelope_from, recipient)
    if refusal is None:
        return
    if replies[2].code == 354:
        protocol.write(b".\r\n")
        ended = await protocol.read_response(reply_wait)
        log.warning("relay took DATA after refusing the envelope; empty message: %s", ended)
    raise refusal


def _first_refusal(
    replies: list[aiosmtplib.SMTPResponse], envelope_from: str, recipient: str
) -> aiosmtplib.SMTPResponseException | None:
    """The error of the first refused command among the replies to MAIL, RCPT and DATA
    read so far, as aiosmtplib raises it for the same command sent alone."""
    kinds = (
        lambda r: aiosmtplib.SMTPSenderRefused(r.code, r.message, envelope_from),
        lambda r: aiosmtplib.SMTPRecipientRefused(r.code, r.message, recipient),
        lambda r: aiosmtplib.SMTPDataError(r.code, r.message),
    )
    accepted = ((250,), (250, 251), (354,))
    for reply, ok, refused in zip(replies, accepted, kinds, strict=False):
        if reply.code not in ok:
            return refused(reply)
    return None
