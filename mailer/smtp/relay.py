"""SMTP submission with aiosmtplib: one reused connection per relay client.

Every outcome is either an :class:`SmtpReply` (2xx after DATA) or a
:class:`TransientMailError` (4xx, connection trouble) / :class:`PermanentMailError` (5xx)
carrying the reply code, the RFC 3463 status and the server's text.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import aiosmtplib

from mailer.errors import (
    CANNOT_CONNECT,
    CONNECTION_LOST,
    LOGIN_REFUSED,
    NO_REPLY_AFTER_END,
    MailerError,
    PermanentMailError,
    TransientMailError,
)
from mailer.smtp.pipelining import PipeliningProtocol, pipeline, send_envelope
from mailer.smtp.wire import WireShape, wire_shape

log = logging.getLogger(__name__)

_STATUS = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
_QUEUE_ID = re.compile(r"queued as\s+<?([A-Za-z0-9._-]+)>?", re.IGNORECASE)


@dataclass(frozen=True)
class SmtpReply:
    code: int
    text: str
    status: str | None
    queue_id: str | None


@dataclass(frozen=True)
class RelayConfig:
    host: str
    port: int
    security: str = "none"  # starttls | tls | none
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    helo_name: str | None = None
    validate_certs: bool = True


def _status_of(text: str) -> str | None:
    m = _STATUS.match(text or "")
    return m.group(1) if m else None


def xtext(value: str) -> str:
    """RFC 3461 xtext encoding for ENVID and ORCPT."""
    out = []
    for ch in value:
        o = ord(ch)
        if 33 <= o <= 126 and ch not in "+=":
            out.append(ch)
        else:
            out.extend(f"+{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def _error_from_reply(code: int, text: str, what: str) -> MailerError:
    """A 5xx reply is permanent; a 4xx, or anything that is not an SMTP reply at all
    (aiosmtplib's code -1 for an unreadable line), is transient."""
    status = _status_of(text)
    if 500 <= code < 600:
        return PermanentMailError(f"{what}: {code} {text}".strip(), code=code, status=status)
    if 400 <= code < 500:
        return TransientMailError(f"{what}: {code} {text}".strip(), code=code, status=status)
    return TransientMailError(f"{what}: unexpected reply from the relay: {code} {text}".strip())


class SmtpRelay:
    """Sends one message to one recipient at a time over a kept-open connection."""

    def __init__(self, config: RelayConfig):
        self.config = config
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> aiosmtplib.SMTP:
        cfg = self.config
        tls_context = None
        if not cfg.validate_certs:
            tls_context = ssl.create_default_context()
            tls_context.check_hostname = False
            tls_context.verify_mode = ssl.CERT_NONE
        client = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            use_tls=cfg.security == "tls",
            start_tls=cfg.security == "starttls",
            validate_certs=cfg.validate_certs,
            tls_context=tls_context,
            timeout=cfg.timeout,
            local_hostname=cfg.helo_name,
        )
        try:
            await client.connect()
            if client.last_ehlo_response is None:
                await client.ehlo()  # learn the extensions (DSN) before the first MAIL FROM
            if cfg.username and cfg.password is not None:
                await client.login(cfg.username, cfg.password)
            pipeline(client)  # MAIL, RCPT and DATA in one write where the relay allows it
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise PermanentMailError(
                LOGIN_REFUSED,
                code=exc.code,
                user=cfg.username,
                said=exc.message,
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _error_from_reply(exc.code, exc.message, "SMTP connection") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientMailError(
                CANNOT_CONNECT,
                host=cfg.host,
                port=cfg.port,
                error=exc,
            ) from exc
        return client

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()

    async def send(
        self,
        envelope_from: str,
        recipient: str,
        message: bytes,
        *,
        envid: str | None = None,
        shape: WireShape | None = None,
        before_end: Awaitable[Any] | None = None,
    ) -> SmtpReply:
        """Send one message; ``shape`` is :func:`wire_shape` of ``message`` when the caller
        has it already (the compose workers work it out, off the sending loop).

        ``before_end`` is awaited after the message is written and before the line that
        ends it, the moment the relay takes the message: the caller's own write that must
        come first (the hand-off mark) runs while the envelope is sent. If it fails, the
        message is not ended (the relay discards it, the connection is closed) and its
        exception is raised here. If the relay refuses the message before that point, it
        is not awaited: the caller sees to it."""
        async with self._lock:
            if self._client is None or not self._client.is_connected:
                self._client = await self._connect()
            client = self._client
            mail_options: list[str] = []
            rcpt_options: list[str] = []
            if envid and client.supports_extension("dsn"):
                mail_options += ["RET=HDRS", f"ENVID={xtext(envid)}"]
                rcpt_options += ["NOTIFY=SUCCESS,FAILURE,DELAY", f"ORCPT=rfc822;{xtext(recipient)}"]
            try:
                shape = shape or wire_shape(message)
                if shape.crlf and (envelope_from + recipient).isascii():
                    errors: dict[str, aiosmtplib.SMTPResponse] = {}
                    protocol = client.protocol
                    if isinstance(protocol, PipeliningProtocol):
                        await send_envelope(
                            protocol,
                            envelope_from,
                            recipient,
                            mail_options,
                            rcpt_options,
                            client.timeout,
                        )
                    else:
                        await client.mail(envelope_from, options=mail_options)
                        await client.rcpt(recipient, options=rcpt_options)
                        start = await client.execute_command(b"DATA")
                        if start.code != 354:
                            raise aiosmtplib.SMTPDataError(start.code, start.message)
                    response = await _data(client, message, shape.dot_lines, before_end)
                else:  # aiosmtplib normalises line ends and encodings on the way
                    if before_end is not None:
                        await _passed(before_end)
                    errors, response = await client.sendmail(
                        envelope_from,
                        [recipient],
                        message,
                        mail_options=mail_options,
                        rcpt_options=rcpt_options,
                    )
            except _AfterEnd as after:
                # the end of the message was written: the relay may have taken it
                await self._drop()
                raise TransientMailError(
                    NO_REPLY_AFTER_END,
                    error=after.__cause__,
                    maybe_delivered=True,
                ) from after.__cause__
            except _EndWithheld as withheld:
                self._abandon()  # a message whose DATA never ended is discarded by the relay
                cause = withheld.__cause__
                assert cause is not None
                raise cause from None
            except aiosmtplib.SMTPRecipientsRefused as exc:
                await self._reset()
                refused = exc.recipients[0]
                raise _error_from_reply(refused.code, refused.message, f"RCPT {recipient}") from exc
            except aiosmtplib.SMTPRecipientRefused as exc:
                await self._reset()
                raise _error_from_reply(exc.code, exc.message, f"RCPT {recipient}") from exc
            except aiosmtplib.SMTPSenderRefused as exc:
                await self._reset()
                raise _error_from_reply(
                    exc.code, exc.message, f"MAIL FROM {envelope_from}"
                ) from exc
            except aiosmtplib.SMTPResponseException as exc:
                await self._reset()
                raise _error_from_reply(exc.code, exc.message, "DATA") from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await self._drop()
                raise TransientMailError(CONNECTION_LOST, error=exc) from exc
            if errors:
                addr, refused_reply = next(iter(errors.items()))
                raise _error_from_reply(refused_reply.code, refused_reply.message, f"RCPT {addr}")
            # aiosmtplib hands back the text of the 2xx reply to DATA.
            return SmtpReply(250, response, _status_of(response), _queue_id(response))

    def _abandon(self) -> None:
        """Close the connection at once, saying nothing more (not even QUIT)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def _reset(self) -> None:
        client = self._client
        if client is None:
            return
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            await self._drop()


class _AfterEnd(Exception):
    """The message was ended, then no readable reply came (its ``__cause__``)."""


class _EndWithheld(Exception):
    """What had to come before the end of the message failed (its ``__cause__``)."""


async def _passed(before_end: Awaitable[Any]) -> None:
    try:
        await before_end
    except BaseException as exc:
        raise _EndWithheld from exc


async def _data(
    client: aiosmtplib.SMTP,
    message: bytes,
    dot_lines: bool,
    before_end: Awaitable[Any] | None = None,
) -> str:
    """The message, once the relay has answered DATA with 354, for a message whose lines
    already end in CRLF, dot-stuffed only if it has lines that start with a dot; the line
    that ends it is written once ``before_end`` is done.

    aiosmtplib rewrites every line ending and scans for dots with regular expressions, in
    Python, before each send; for a 150 KB invoice that was a quarter of the send path.
    """
    protocol = client.protocol
    if protocol is None:
        raise aiosmtplib.SMTPServerDisconnected("connection lost before the message")
    if dot_lines:
        message = message.replace(b"\r\n.", b"\r\n..")  # RFC 5321 4.5.2
        if message.startswith(b"."):
            message = b"." + message
    protocol.write(message)
    if before_end is not None:
        await _passed(before_end)
    protocol.write(b".\r\n")
    try:
        reply = await protocol.read_response(timeout=client.timeout)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise _AfterEnd from exc
    if reply.code != 250:
        raise aiosmtplib.SMTPDataError(reply.code, reply.message)
    return reply.message


def _queue_id(text: str) -> str | None:
    m = _QUEUE_ID.search(text or "")
    return m.group(1) if m else None
