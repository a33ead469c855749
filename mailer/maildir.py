"""A local Maildir as the bounce mailbox or the sent-invoices folder (as the demo's sandbox
relay writes), read like an IMAP folder: :class:`~mailer.mailbox.BounceMailbox` on files."""

from __future__ import annotations

import asyncio
import logging
import mailbox as stdlib_mailbox
import stat
from email.parser import BytesParser
from pathlib import Path

from mailer.errors import N_, MailboxError
from mailer.files import NotRegularFile, read_regular
from mailer.mailbox import FetchedMessage

log = logging.getLogger(__name__)


class MaildirMailbox:
    """A local Maildir read like an IMAP folder.

    UIDs are assigned in arrival order and remembered in ``facturier-uidlist`` inside the
    Maildir (as Dovecot keeps ``dovecot-uidlist``); ``move`` files a message into the
    Maildir++ subfolder ``.<folder>``.
    """

    UIDLIST = "facturier-uidlist"

    def __init__(self, path: Path):
        self.path = path
        self.name = f"maildir://{path}"
        self._md: stdlib_mailbox.Maildir | None = None
        self._uids: dict[str, int] = {}
        self._validity = 1
        self._not_files: set[str] = set()

    async def open(self) -> int:
        await asyncio.to_thread(self._open_sync)
        return self._validity

    def _open_sync(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self._md = stdlib_mailbox.Maildir(self.path, create=True)
        uidlist = self.path / self.UIDLIST
        self._uids = {}
        if uidlist.exists():
            lines = uidlist.read_text().splitlines()
            self._validity = int(lines[0]) if lines else 1
            for line in lines[1:]:
                uid, _, key = line.partition(" ")
                self._uids[key] = int(uid)

    def _entry(self, key: str) -> Path:
        assert self._md is not None
        return self.path / self._md._lookup(key)  # type: ignore[attr-defined]

    def _is_message(self, key: str) -> bool:
        """Whether a Maildir entry is a file: a pipe, a socket or a device put there is left
        where it is, said once, and never read (a pipe would be waited on for ever)."""
        try:
            if stat.S_ISREG(self._entry(key).stat().st_mode):
                return True
        except (OSError, KeyError):
            return False  # gone since the listing
        if key not in self._not_files:
            self._not_files.add(key)
            log.warning(
                "%s: %s is not a regular file (a pipe, a socket or a device): left there, not read",
                self.name,
                self._entry(key),
            )
        return False

    def _read(self, key: str) -> bytes:
        try:
            return read_regular(self._entry(key))
        except NotRegularFile as exc:  # replaced since it was listed
            raise MailboxError(N_("{path}: not a regular file"), path=exc.filename) from exc

    def _assign_uids(self, messages: set[str]) -> None:
        keys = sorted(messages, key=lambda k: (self._mtime(k), k))
        next_uid = max(self._uids.values(), default=0) + 1
        changed = False
        for key in keys:
            if key not in self._uids:
                self._uids[key] = next_uid
                next_uid += 1
                changed = True
        if changed:
            body = "\n".join(
                f"{uid} {key}" for key, uid in sorted(self._uids.items(), key=lambda kv: kv[1])
            )
            tmp = self.path / (self.UIDLIST + ".tmp")
            tmp.write_text(f"{self._validity}\n{body}\n")
            tmp.replace(self.path / self.UIDLIST)

    def _mtime(self, key: str) -> float:
        assert self._md is not None
        try:
            return self._entry(key).stat().st_mtime
        except (OSError, KeyError):
            return 0.0

    async def fetch_after(self, last_uid: int, limit: int) -> list[FetchedMessage]:
        return await asyncio.to_thread(self._fetch_sync, last_uid, limit)

    def _fetch_sync(self, last_uid: int, limit: int) -> list[FetchedMessage]:
        if self._md is None:
            raise MailboxError("Maildir is not open")
        present = {key for key in self._md.iterkeys() if self._is_message(key)}
        self._assign_uids(present)
        wanted = sorted(
            (uid, key) for key, uid in self._uids.items() if uid > last_uid and key in present
        )[:limit]
        return [FetchedMessage(uid, self._read(key)) for uid, key in wanted]

    async def move(self, uid: int, folder: str) -> None:
        await asyncio.to_thread(self._move_sync, uid, folder)

    def _move_sync(self, uid: int, folder: str) -> None:
        if self._md is None:
            raise MailboxError("Maildir is not open")
        key = next((k for k, u in self._uids.items() if u == uid), None)
        if key is None or key not in self._md:
            return
        target = (
            self._md.add_folder(folder)
            if folder not in self._md.list_folders()
            else self._md.get_folder(folder)
        )
        target.add(self._read(key))
        self._md.remove(key)

    def _made(self) -> stdlib_mailbox.Maildir:
        """The Maildir, made with the folders above it where it is not there yet (the sent
        copies' Maildir is made by the first copy filed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return stdlib_mailbox.Maildir(self.path, create=True)

    async def append(self, raw: bytes) -> None:
        def add() -> None:
            self._made().add(raw)

        await asyncio.to_thread(add)

    async def holds(self, message_id: str) -> bool:
        def look() -> bool:
            md = self._made()
            wanted = message_id.strip()
            for key in md.iterkeys():
                try:
                    raw = read_regular(self.path / md._lookup(key))  # type: ignore[attr-defined]
                except (OSError, KeyError):  # gone since the listing, or not a file
                    continue
                if (
                    BytesParser().parsebytes(raw, headersonly=True).get("Message-ID") or ""
                ).strip() == wanted:
                    return True
            return False

        return await asyncio.to_thread(look)

    async def close(self) -> None:
        self._md = None
