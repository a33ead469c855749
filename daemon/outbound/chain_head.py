"""The ledger's check, and the signed head of both chains written outside the database.

Whoever controls the database and the archive can rewrite a row and its chain together, or
drop the last entries: the chains then check out on their own. The head (each chain's last
position and hash), signed with the installation's Ed25519 key and written on a schedule to a
folder outside the database (``[archive] head_export``, and mailed to ``head_auditor``), is
what such a rewrite no longer leads to: ``archive verify`` checks the chains against every
head found there.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from daemon.domain.errors import ValidationError
from daemon.domain.i18n import N_, Said, _, say
from daemon.domain.ledger import (
    ADDRESS_CHANGE,
    GENESIS,
    INBOUND,
    address_change_digest,
    inbound_digest,
    link_hash,
)
from daemon.domain.models import AddressChange, ArchiveEntry, InboundMessage, LedgerEntry, utcnow
from daemon.domain.signing import fingerprint, public_hex, sign, signed_by
from daemon.outbound.proof import archive_head
from daemon.store.db import SessionFactory
from daemon.store.keys import signing_key
from daemon.store.ledger import ledger_head
from mailer.archive import Archive
from mailer.errors import ArchiveError
from mailer.smtp.relay import SmtpRelay

log = logging.getLogger(__name__)

HEAD_FORMAT = "facturier-chain-head/1"


@dataclass(frozen=True)
class ChainProblem:
    where: Said
    problem: Said

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"

    def shown(self) -> str:
        return _("{where}: {problem}").format(
            where=self.where.shown(), problem=self.problem.shown()
        )


@dataclass(frozen=True)
class ChainHead:
    archive_seq: int
    archive_hash: str
    ledger_seq: int
    ledger_hash: str

    def to_dict(self) -> dict[str, object]:
        return {
            "archive": {"seq": self.archive_seq, "chain_hash": self.archive_hash},
            "ledger": {"seq": self.ledger_seq, "chain_hash": self.ledger_hash},
        }


async def current_head(session: AsyncSession) -> ChainHead:
    archive_seq, archive_hash = await archive_head(session)
    ledger_seq, ledger_hash = await ledger_head(session)
    return ChainHead(archive_seq, archive_hash, ledger_seq, ledger_hash)


async def verify_ledger(
    sessions: SessionFactory, originals: Archive
) -> tuple[int, list[ChainProblem]]:
    """Check the ledger's links, that each linked row still says what it said, that each
    inbound message's original is there unaltered, and that no row is missing a link."""
    async with sessions() as session:
        entries = (await session.exec(select(LedgerEntry).order_by(col(LedgerEntry.seq)))).all()
        changes: dict[int | None, AddressChange] = {
            c.id: c for c in (await session.exec(select(AddressChange))).all()
        }
        inbound = {m.id: m for m in (await session.exec(select(InboundMessage))).all()}
    problems: list[ChainProblem] = []
    prev, expected = GENESIS, 1
    linked: dict[str, set[int]] = {ADDRESS_CHANGE: set(), INBOUND: set()}
    for e in entries:
        where = say(N_("ledger #{seq}"), seq=e.seq)
        if e.seq != expected:
            problems.append(
                ChainProblem(where, say(N_("position {seq} is missing before it"), seq=expected))
            )
        if e.prev_hash != prev:
            problems.append(
                ChainProblem(
                    where, say(N_("does not follow the previous link (a link was removed)"))
                )
            )
        if e.chain_hash != link_hash(e.prev_hash, e.seq, e.kind, e.ref_id, e.digest):
            problems.append(ChainProblem(where, say(N_("its hash does not match what it links"))))
        prev, expected = e.chain_hash, e.seq + 1
        linked.setdefault(e.kind, set()).add(e.ref_id)
        if e.kind == ADDRESS_CHANGE:
            change = changes.get(e.ref_id)
            if change is None:
                problems.append(
                    ChainProblem(
                        where,
                        say(N_("address change #{id} was removed from the log"), id=e.ref_id),
                    )
                )
            elif address_change_digest(change) != e.digest:
                problems.append(
                    ChainProblem(
                        where,
                        say(
                            N_(
                                "address change #{id} ({field} of customer #{customer}) was "
                                "rewritten after it was logged"
                            ),
                            id=e.ref_id,
                            field=change.field,
                            customer=change.customer_id,
                        ),
                    )
                )
        elif e.kind == INBOUND:
            message = inbound.get(e.ref_id)
            if message is None:
                problems.append(
                    ChainProblem(where, say(N_("inbound notice #{id} was removed"), id=e.ref_id))
                )
                continue
            if inbound_digest(message) != e.digest:
                problems.append(
                    ChainProblem(
                        where,
                        say(N_("inbound notice #{id} was rewritten after it came"), id=e.ref_id),
                    )
                )
            try:
                await asyncio.to_thread(originals.read, message.raw_sha256)
            except ArchiveError as exc:
                problems.append(
                    ChainProblem(
                        where,
                        say(
                            N_("inbound notice #{id} as received: {problem}"),
                            id=e.ref_id,
                            problem=Said.of(exc),
                        ),
                    )
                )
    for kind, rows, name in (
        (ADDRESS_CHANGE, changes, N_("address change #{id}")),
        (INBOUND, inbound, N_("inbound notice #{id}")),
    ):
        for ref in sorted(r for r in set(rows) - linked[kind] if r is not None):
            problems.append(
                ChainProblem(say(name, id=ref), say(N_("is not in the ledger (slipped in)")))
            )
    return len(entries), problems


def read_heads(folder: Path) -> list[tuple[Path, dict[str, object] | None, str | None]]:
    """Each head file in ``folder``, oldest first: (path, its document, why it is unreadable)."""
    found: list[tuple[Path, dict[str, object] | None, str | None]] = []
    if not folder.exists():
        return found
    for path in sorted(folder.glob("head-*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if (
                not isinstance(document, dict)
                or document.get("head", {}).get("format") != HEAD_FORMAT
            ):
                raise ValueError("not a facturier chain head")
            found.append((path, document, None))
        except (OSError, ValueError, AttributeError) as exc:
            found.append((path, None, str(exc)))
    return found


async def verify_heads(
    sessions: SessionFactory, folder: Path, key_file: Path
) -> list[ChainProblem]:
    """The chains as they are now against every head exported to ``folder``: each must be
    signed with this installation's key, and each chain must still reach the position and
    hash it names."""
    public = public_hex(await asyncio.to_thread(signing_key, key_file))
    heads = await asyncio.to_thread(read_heads, folder)
    problems: list[ChainProblem] = []
    async with sessions() as session:
        for path, document, unreadable in heads:
            if document is None:
                problems.append(
                    ChainProblem(Said(path.name), say(N_("cannot be read: {why}"), why=unreadable))
                )
                continue
            head = document["head"]
            assert isinstance(head, dict)
            if head.get("public_key") != public or not signed_by(
                head, str(document.get("signature", "")), public
            ):
                problems.append(
                    ChainProblem(
                        Said(path.name),
                        say(
                            N_(
                                "not signed with this installation's key ({key}): the head "
                                "was altered or is not ours"
                            ),
                            key=fingerprint(public),
                        ),
                    )
                )
                continue
            for chain, where, model in (
                ("archive", N_("archive #{seq}"), ArchiveEntry),
                ("ledger", N_("ledger #{seq}"), LedgerEntry),
            ):
                named = head.get(chain)
                assert isinstance(named, dict)
                seq, expected = int(named["seq"]), str(named["chain_hash"])
                if seq == 0:
                    continue
                found = (
                    await session.exec(
                        select(model.chain_hash).where(model.seq == seq)  # type: ignore[attr-defined]
                    )
                ).first()
                at = head.get("exported_at")
                if found is None:
                    problems.append(
                        ChainProblem(
                            say(where, seq=seq),
                            say(
                                N_(
                                    "named by the head exported at {at} ({file}), it is gone: "
                                    "entries were removed from the end of the chain"
                                ),
                                at=at,
                                file=path.name,
                            ),
                        )
                    )
                elif found != expected:
                    problems.append(
                        ChainProblem(
                            say(where, seq=seq),
                            say(
                                N_(
                                    "the chain no longer leads to the head exported at {at} "
                                    "({file}): an entry at or before #{seq} was rewritten and "
                                    "the chain recomputed"
                                ),
                                at=at,
                                file=path.name,
                                seq=seq,
                            ),
                        )
                    )
    return problems


async def export_head(
    sessions: SessionFactory, settings: Settings, relay: SmtpRelay | None = None
) -> Path | None:
    """Write the signed head of both chains to ``[archive] head_export`` (and mail it to
    ``head_auditor`` through ``relay``); None when nothing was added since the last one."""
    folder = settings.archive.head_export
    if folder is None:
        raise ValidationError(
            _("archive.head_export is not set: say where the signed chain head is written")
        )
    key = await asyncio.to_thread(signing_key, settings.archive.signing_key_file)
    async with sessions() as session:
        head = await current_head(session)
    heads = await asyncio.to_thread(read_heads, folder)
    latest = next((d for _p, d, _w in reversed(heads) if d is not None), None)
    if latest is not None:
        named = latest["head"]
        assert isinstance(named, dict)
        if {k: named.get(k) for k in ("archive", "ledger")} == head.to_dict():
            return None
    now = utcnow()
    content: dict[str, object] = {
        "format": HEAD_FORMAT,
        "exported_at": now.isoformat(),
        "public_key": public_hex(key),
        **head.to_dict(),
    }
    document = {"head": content, "signature": sign(content, key)}
    data = json.dumps(document, indent=2, sort_keys=True).encode() + b"\n"
    path = folder / f"head-{now:%Y%m%dT%H%M%S%fZ}.json"
    await asyncio.to_thread(_write_new, path, data)
    log.info(
        "chain head exported to %s (archive #%s, ledger #%s)",
        path,
        head.archive_seq,
        head.ledger_seq,
    )
    auditor = settings.archive.head_auditor
    if auditor and relay is not None:
        await relay.send(
            settings.sender.envelope_sender(), auditor, _head_mail(settings, data, now)
        )
    return path


def _write_new(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _head_mail(settings: Settings, data: bytes, now: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = settings.sender.address
    msg["To"] = settings.archive.head_auditor
    msg["Subject"] = f"facturier chain head {now:%Y-%m-%d %H:%M} UTC"
    msg["Date"] = formatdate(now.timestamp(), usegmt=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.address.rsplit("@", 1)[-1])
    msg.set_content(
        "The signed head of facturier's chains, to keep: `facturier archive verify` checks\n"
        "the database and the archive against it.\n"
    )
    msg.add_attachment(data, maintype="application", subtype="json", filename="chain-head.json")
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
