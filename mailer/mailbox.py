"""Mailboxes facturier reads bounces from and files sent invoices into.

Two implementations of one small interface: :class:`ImapMailbox` (aioimaplib) and
``maildir.MaildirMailbox`` (a local Maildir, as the demo's sandbox writes). Messages are
identified by ``(uidvalidity, uid)``; a reader remembers the last UID it processed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Protocol

import aioimaplib
from aioimaplib import STOP_WAIT_SERVER_PUSH

from mailer.errors import N_, MailboxError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes


class BounceMailbox(Protocol):
    name: str

    async def open(self) -> int:
        """Connect and select the bounce folder; returns its UIDVALIDITY."""
        ...

    async def fetch_after(self, last_uid: int, limit: int) -> list[FetchedMessage]: ...

    async def move(self, uid: int, folder: str) -> None: ...

    async def close(self) -> None: ...


class SentFolder(Protocol):
    async def append(self, raw: bytes) -> None: ...

    async def holds(self, message_id: str) -> bool:
        """Is a message with this Message-ID filed already (an APPEND whose answer was lost
        may have gone through)?"""
        ...


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    security: str = "tls"  # tls | none
    folder: str = "INBOX"
    timeout: float = 30.0
    validate_certs: bool = True


_FETCH_HEAD = re.compile(rb"^\d+ FETCH \(.*?UID (\d+).*\{(\d+)\}\s*$")
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")


class ImapMailbox:
    def __init__(self, config: ImapConfig):
        self.config = config
        self.name = f"imap://{config.username}@{config.host}:{config.port}/{config.folder}"
        self._client: aioimaplib.IMAP4 | None = None
        self._created: set[str] = set()
        self._lost = asyncio.Event()
        self._generation: object | None = None

    async def _connect(self) -> aioimaplib.IMAP4:
        cfg = self.config
        # the loss of a connection closed earlier may be told late: only this one's counts
        generation = object()
        self._generation = generation

        def lost(exc: Exception | None) -> None:
            if self._generation is generation:
                self._connection_lost(exc)

        if cfg.security == "starttls":
            raise MailboxError(
                N_('IMAP STARTTLS is not supported: use security = "tls" (port 993)')
            )
        try:
            if cfg.security == "tls":
                ctx = ssl.create_default_context()
                if not cfg.validate_certs:
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                client: aioimaplib.IMAP4 = aioimaplib.IMAP4_SSL(
                    cfg.host,
                    cfg.port,
                    timeout=cfg.timeout,
                    ssl_context=ctx,
                    conn_lost_cb=lost,
                )
            else:
                client = aioimaplib.IMAP4(
                    cfg.host, cfg.port, timeout=cfg.timeout, conn_lost_cb=lost
                )
            self._lost.clear()
            await client.wait_hello_from_server()
            resp = await client.login(cfg.username, cfg.password)
        except (OSError, TimeoutError, aioimaplib.AioImapException) as exc:
            raise MailboxError(
                N_("cannot reach IMAP {host}:{port}: {error}"),
                host=cfg.host,
                port=cfg.port,
                error=exc,
            ) from exc
        if resp.result != "OK":
            raise MailboxError(
                N_("IMAP login as {user} refused: {said}"),
                user=cfg.username,
                said=_text(resp.lines),
            )
        return client

    def _connection_lost(self, exc: Exception | None) -> None:
        self._lost.set()

    def offers_idle(self) -> bool:
        return self._client is not None and self._client.has_capability("IDLE")

    async def wait_for_news(self, seconds: float) -> bool:
        """IDLE until the server announces new mail (True) or ``seconds`` pass (False).

        The mailbox must be open. A lost connection raises :class:`MailboxError` at once.
        """
        client = self._need()
        try:
            idle = await client.idle_start(timeout=seconds)
        except (OSError, TimeoutError, aioimaplib.AioImapException) as exc:
            raise MailboxError(N_("IMAP IDLE refused: {error}"), error=exc) from exc
        lost = asyncio.ensure_future(self._lost.wait())
        news = False
        try:
            while client.has_pending_idle() and not self._lost.is_set():
                push = asyncio.ensure_future(client.wait_server_push(seconds + 5))
                done, _ = await asyncio.wait(
                    {push, idle, lost}, return_when=asyncio.FIRST_COMPLETED
                )
                if push not in done:
                    push.cancel()
                    break
                lines = push.result() if push.exception() is None else STOP_WAIT_SERVER_PUSH
                if lines == STOP_WAIT_SERVER_PUSH:
                    break
                if any(b"EXISTS" in bytes(line) for line in lines):
                    news = True
                    break
            if self._lost.is_set():
                raise MailboxError(N_("IMAP connection lost during IDLE"))
            if client.has_pending_idle():
                client.idle_done()
            await self._ok(asyncio.wait_for(idle, self.config.timeout), "IDLE")
        except asyncio.CancelledError:
            if client.has_pending_idle() and not self._lost.is_set():
                client.idle_done()  # leave the connection usable for LOGOUT
            raise
        finally:
            lost.cancel()
        return news

    async def _ok(self, coro: Awaitable[Any], what: str) -> aioimaplib.Response:
        """Await an IMAP command; a refusal, an error or a lost connection raise at once."""
        command = asyncio.ensure_future(coro)
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({command, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
        if not command.done():
            command.cancel()
            self._client = None
            raise MailboxError(N_("IMAP {command} failed: connection lost"), command=what)
        try:
            resp = command.result()
        except (OSError, TimeoutError, aioimaplib.AioImapException) as exc:
            self._client = None
            raise MailboxError(
                N_("IMAP {command} failed: {error}"), command=what, error=exc
            ) from exc
        if resp.result != "OK":
            raise MailboxError(
                N_("IMAP {command} refused: {said}"), command=what, said=_text(resp.lines)
            )
        return resp  # type: ignore[no-any-return]

    async def open(self) -> int:
        self._client = await self._connect()
        resp = await self._ok(
            self._client.select(quote_mailbox(self.config.folder)), f"SELECT {self.config.folder}"
        )
        for line in resp.lines:
            m = _UIDVALIDITY.search(bytes(line))
            if m:
                return int(m.group(1))
        raise MailboxError(
            N_("IMAP server gave no UIDVALIDITY for {folder}"), folder=self.config.folder
        )

    def _need(self) -> aioimaplib.IMAP4:
        if self._client is None:
            raise MailboxError("IMAP mailbox is not open")
        return self._client

    async def fetch_after(self, last_uid: int, limit: int) -> list[FetchedMessage]:
        client = self._need()
        resp = await self._ok(client.uid_search(f"UID {last_uid + 1}:*", charset=None), "SEARCH")
        uids: list[int] = []
        for line in resp.lines[:-1]:
            text = bytes(line).decode("ascii", "replace")
            uids += [int(t) for t in text.split() if t.isdigit()]
        uids = sorted(u for u in set(uids) if u > last_uid)[:limit]
        if not uids:
            return []
        uid_set = ",".join(str(u) for u in uids)
        resp = await self._ok(client.uid("fetch", uid_set, "(UID BODY.PEEK[])"), "FETCH")
        out: list[FetchedMessage] = []
        lines = resp.lines
        i = 0
        while i < len(lines):
            m = _FETCH_HEAD.match(bytes(lines[i]))
            if m and i + 1 < len(lines):
                out.append(FetchedMessage(int(m.group(1)), bytes(lines[i + 1])))
                i += 2
                continue
            i += 1
        return sorted(out, key=lambda f: f.uid)

    async def ensure_folder(self, folder: str) -> None:
        if folder in self._created:
            return
        client = self._need()
        try:
            resp = await client.create(quote_mailbox(folder))
        except (OSError, TimeoutError, aioimaplib.AioImapException) as exc:
            raise MailboxError(
                N_("IMAP CREATE {folder} failed: {error}"), folder=folder, error=exc
            ) from exc
        text = _text(resp.lines).upper()
        if resp.result != "OK" and "ALREADYEXISTS" not in text and "EXISTS" not in text:
            raise MailboxError(
                N_("IMAP CREATE {folder} refused: {said}"), folder=folder, said=_text(resp.lines)
            )
        self._created.add(folder)

    async def move(self, uid: int, folder: str) -> None:
        client = self._need()
        await self.ensure_folder(folder)
        if client.has_capability("MOVE"):
            await self._ok(client.uid("move", str(uid), quote_mailbox(folder)), f"MOVE to {folder}")
            return
        await self._ok(client.uid("copy", str(uid), quote_mailbox(folder)), f"COPY to {folder}")
        await self._ok(client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
        if client.has_capability("UIDPLUS"):
            await self._ok(client.uid("expunge", str(uid)), "UID EXPUNGE")
        else:
            await self._ok(client.expunge(), "EXPUNGE")

    async def append(self, raw: bytes, folder: str) -> None:
        """File a copy of ``raw`` into ``folder`` (created when missing), marked as seen."""
        if self._client is None:
            self._client = await self._connect()
        await self.ensure_folder(folder)
        await self._ok(
            self._need().append(raw, mailbox=quote_mailbox(folder), flags=r"(\Seen)"),
            f"APPEND to {folder}",
        )

    async def holds(self, message_id: str, folder: str) -> bool:
        """Does ``folder`` hold a message with this Message-ID (UID SEARCH HEADER)?"""
        if self._client is None:
            self._client = await self._connect()
        await self.ensure_folder(folder)
        client = self._need()
        await self._ok(client.select(quote_mailbox(folder)), f"SELECT {folder}")
        wanted = message_id.replace("\\", "").replace('"', "")
        resp = await self._ok(
            client.uid_search("HEADER", "Message-ID", f'"{wanted}"', charset=None), "SEARCH HEADER"
        )
        return any(
            t.isdigit()
            for line in resp.lines[:-1]
            for t in bytes(line).decode("ascii", "replace").split()
        )

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        if self._lost.is_set():
            with contextlib.suppress(Exception):
                client.protocol.transport.close()
            return
        if client.has_pending_idle():
            client.idle_done()
        with contextlib.suppress(OSError, TimeoutError, aioimaplib.AioImapException):
            await asyncio.wait_for(client.logout(), 5)


class ImapSentFolder:
    def __init__(self, config: ImapConfig, folder: str):
        self._mailbox = ImapMailbox(config)
        self.folder = folder

    async def append(self, raw: bytes) -> None:
        try:
            await self._mailbox.append(raw, self.folder)
        finally:
            await self._mailbox.close()

    async def holds(self, message_id: str) -> bool:
        try:
            return await self._mailbox.holds(message_id, self.folder)
        finally:
            await self._mailbox.close()


def quote_mailbox(name: str) -> str:
    """An IMAP astring for a folder name (names with spaces must be quoted)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(lines: list[bytes]) -> str:
    return " ".join(bytes(line).decode("utf-8", "replace") for line in lines)
