"""The archive's hash chain, its verification, and the proof bundle for a dispute.

Every archive entry is linked to the previous one: ``chain_hash = sha256(prev_chain_hash |
seq | sha256 | size | message_id)``. Changing a byte of an archived message, removing an
entry or slipping one in breaks the chain at a position :func:`verify_archive` names.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from sqlalchemy import insert, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.i18n import N_, Said, _, say
from daemon.domain.models import ArchiveEntry, Delivery, utcnow
from daemon.store.db import SessionFactory
from mailer.archive import Archive, ArchivedCopy
from mailer.errors import ArchiveError

log = logging.getLogger(__name__)

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 0x46414354  # "FACT": serialises chain appends across PostgreSQL instances


def chain_hash(prev: str, seq: int, sha256: str, size: int, message_id: str) -> str:
    material = f"{prev}|{seq}|{sha256}|{size}|{message_id}".encode()
    return hashlib.sha256(material).hexdigest()


@dataclass(frozen=True)
class ChainedEntry:
    """An archive entry's place in the chain."""

    id: int
    seq: int | None  # None for an entry from before the chain
    sha256: str


_ARCHIVE_ENTRIES = ArchiveEntry.__table__  # type: ignore[attr-defined]
_ADD_ENTRIES = insert(_ARCHIVE_ENTRIES).returning(
    _ARCHIVE_ENTRIES.c.id,
    _ARCHIVE_ENTRIES.c.seq,
    _ARCHIVE_ENTRIES.c.sha256,
    sort_by_parameter_order=True,
)


async def archive_head(session: AsyncSession) -> tuple[int, str]:
    """The archive chain's last position and hash ((0, GENESIS) while it is empty)."""
    last = (
        await session.exec(
            select(ArchiveEntry.seq, ArchiveEntry.chain_hash)
            .where(col(ArchiveEntry.seq).is_not(None))
            .order_by(col(ArchiveEntry.seq).desc())
            .limit(1)
        )
    ).first()
    return (last[0] or 0, last[1] or GENESIS) if last else (0, GENESIS)


async def append_entries(
    session: AsyncSession, copies: list[tuple[ArchivedCopy, str]]
) -> list[ChainedEntry]:
    """Add (or find) the archive entries for ``copies``, in order, at the end of the chain.

    Call inside a transaction; the transaction first takes the chain's lock (an advisory
    lock on PostgreSQL, the write lock on SQLite) so that two instances never claim the same
    position. The rows are written with one INSERT, past the ORM (a batch of them is
    chained while the batch before is being sent, on the same event loop).
    """
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect == "postgresql":
        await session.exec(text(f"SELECT pg_advisory_xact_lock({_CHAIN_LOCK_KEY})"))  # type: ignore[call-overload]
    elif dialect == "sqlite":
        # Take the database's write lock before reading the chain's end, so that another
        # process cannot append between our read and our insert (a write statement, even one
        # that changes nothing, starts the write transaction; it must come first).
        await session.exec(text("DELETE FROM archive_entries WHERE 0"))  # type: ignore[call-overload]
    wanted = sorted({copy.sha256 for copy, _ in copies})
    entries = _ARCHIVE_ENTRIES.c
    found = await session.exec(  # type: ignore[call-overload]
        select(entries.id, entries.seq, entries.sha256).where(entries.sha256.in_(wanted))
    )
    known = {sha: ChainedEntry(entry_id, seq, sha) for entry_id, seq, sha in found.all()}
    seq, prev = await archive_head(session)
    rows: list[dict[str, object]] = []
    adding: set[str] = set()
    now = utcnow()
    for copy, message_id in copies:
        if copy.sha256 in known or copy.sha256 in adding:
            continue
        adding.add(copy.sha256)
        seq += 1
        link = chain_hash(prev, seq, copy.sha256, copy.size, message_id)
        rows.append(
            {
                "sha256": copy.sha256,
                "size": copy.size,
                "path": str(copy.path),
                "message_id": message_id,
                "seq": seq,
                "prev_chain_hash": prev,
                "chain_hash": link,
                "created_at": now,
                "sent_folder_appended": False,
            }
        )
        prev = link
    if rows:
        added = await session.exec(_ADD_ENTRIES, params=rows)  # type: ignore[call-overload]
        known.update((sha, ChainedEntry(i, n, sha)) for i, n, sha in added.all())
    return [known[copy.sha256] for copy, _ in copies]


@dataclass(frozen=True)
class ArchiveProblem:
    seq: int | None
    sha256: str
    problem: Said

    def _where(self) -> Said:
        if self.seq is None:
            return say(N_("file ({sha256}…)"), sha256=self.sha256[:16])
        return say(N_("entry #{seq} ({sha256}…)"), seq=self.seq, sha256=self.sha256[:16])

    def __str__(self) -> str:
        return f"{self._where()}: {self.problem}"

    def shown(self) -> str:
        return _("{where}: {problem}").format(
            where=self._where().shown(), problem=self.problem.shown()
        )


async def verify_archive(
    sessions: SessionFactory, archive: Archive
) -> tuple[int, list[ArchiveProblem]]:
    """Check every entry's bytes and the chain; also files the chain does not know."""
    async with sessions() as session:
        entries = (await session.exec(select(ArchiveEntry).order_by(col(ArchiveEntry.seq)))).all()
        pointing = (
            await session.exec(
                select(
                    Delivery.id, Delivery.archive_entry_id, Delivery.message_id, Delivery.recipient
                ).where(col(Delivery.archive_entry_id).is_not(None))
            )
        ).all()
    owners: dict[int, list[tuple[int, str, str]]] = {}
    for delivery_id, entry_id, message_id, recipient in pointing:
        if delivery_id is not None and entry_id is not None:
            owners.setdefault(entry_id, []).append((delivery_id, message_id, recipient))
    problems: list[ArchiveProblem] = []
    prev, expected_seq = GENESIS, 1
    known: set[str] = set()
    for e in entries:
        known.add(e.sha256)
        if e.seq is None:
            problems.append(ArchiveProblem(None, e.sha256, say(N_("not linked into the chain"))))
            continue
        if e.seq != expected_seq:
            problems.append(
                ArchiveProblem(
                    e.seq,
                    e.sha256,
                    say(N_("position {seq} is missing before it"), seq=expected_seq),
                )
            )
        if e.prev_chain_hash != prev:
            problems.append(
                ArchiveProblem(
                    e.seq,
                    e.sha256,
                    say(
                        N_(
                            "does not follow the previous entry (chain broken: "
                            "an entry was removed or inserted)"
                        )
                    ),
                )
            )
        if e.chain_hash != chain_hash(
            e.prev_chain_hash or "", e.seq, e.sha256, e.size, e.message_id
        ):
            problems.append(
                ArchiveProblem(
                    e.seq,
                    e.sha256,
                    say(
                        N_(
                            "its chain hash does not match its recorded content hash, size "
                            "or Message-ID"
                        )
                    ),
                )
            )
        try:
            data = await asyncio.to_thread(archive.read, e.sha256)
            if len(data) != e.size:
                problems.append(ArchiveProblem(e.seq, e.sha256, say(N_("size differs"))))
            problems += _owners_problems(e, data, owners.get(e.id or 0, []))
        except ArchiveError as exc:
            problems.append(ArchiveProblem(e.seq, e.sha256, Said.of(exc)))
        prev, expected_seq = e.chain_hash or "", e.seq + 1
    if archive.root.exists():
        for path in sorted(archive.root.rglob("*.eml")):
            if path.stem not in known:
                problems.append(
                    ArchiveProblem(
                        None,
                        path.stem,
                        say(N_("{path} is in the archive but not in the chain"), path=path),
                    )
                )
    return len(entries), problems


def _owners_problems(
    entry: ArchiveEntry, data: bytes, owners: list[tuple[int, str, str]]
) -> list[ArchiveProblem]:
    """A delivery must point at its own message: the entry's Message-ID is the delivery's,
    and the archived message is addressed to the delivery's recipient (else ``proof``
    would export another customer's message as this one's)."""
    if not owners:
        return []
    head = BytesHeaderParser(policy=policy.compat32).parsebytes(data.split(b"\r\n\r\n", 1)[0])
    addressed = {a.lower() for _n, a in getaddresses(head.get_all("To", []))}
    found = []
    for delivery_id, message_id, recipient in owners:
        if message_id != entry.message_id:
            found.append(
                ArchiveProblem(
                    entry.seq,
                    entry.sha256,
                    say(
                        N_(
                            "delivery #{delivery} points at it, but its Message-ID is "
                            "{entry_id}, not the delivery's {delivery_id}"
                        ),
                        delivery=delivery_id,
                        entry_id=entry.message_id,
                        delivery_id=message_id,
                    ),
                )
            )
        elif recipient.lower() not in addressed:
            found.append(
                ArchiveProblem(
                    entry.seq,
                    entry.sha256,
                    say(
                        N_(
                            "delivery #{delivery} to {recipient} points at it, but it is "
                            "addressed to {addressed}"
                        )
                        if addressed
                        else N_(
                            "delivery #{delivery} to {recipient} points at it, but it is "
                            "addressed to nobody"
                        ),
                        delivery=delivery_id,
                        recipient=recipient,
                        addressed=", ".join(sorted(addressed)),
                    ),
                )
            )
    return found
