"""Appending to the ledger (``daemon.domain.ledger``): inbound notices and address changes,
each linked to the one before it in the transaction that writes it.

An append first takes the ledger's lock (an advisory lock on PostgreSQL, the write lock on
SQLite), so two instances never claim the same position.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.ledger import (
    ADDRESS_CHANGE,
    GENESIS,
    INBOUND,
    address_change_digest,
    inbound_digest,
    link_hash,
)
from daemon.domain.models import AddressChange, InboundMessage, LedgerEntry

_LEDGER_LOCK_KEY = 0x4C454447  # "LEDG"


async def ledger_head(session: AsyncSession) -> tuple[int, str]:
    """The ledger's last position and hash ((0, GENESIS) while it is empty)."""
    last = (
        await session.exec(
            select(LedgerEntry.seq, LedgerEntry.chain_hash)
            .order_by(col(LedgerEntry.seq).desc())
            .limit(1)
        )
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS)


async def _append(session: AsyncSession, kind: str, ref_id: int, digest: str) -> LedgerEntry:
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect == "postgresql":
        await session.exec(text(f"SELECT pg_advisory_xact_lock({_LEDGER_LOCK_KEY})"))  # type: ignore[call-overload]
    elif dialect == "sqlite":
        await session.exec(text("DELETE FROM ledger_entries WHERE 0"))  # type: ignore[call-overload]
    last, prev = await ledger_head(session)
    seq = last + 1
    entry = LedgerEntry(
        seq=seq,
        kind=kind,
        ref_id=ref_id,
        digest=digest,
        prev_hash=prev,
        chain_hash=link_hash(prev, seq, kind, ref_id, digest),
    )
    session.add(entry)
    await session.flush()
    return entry


async def chain_address_change(session: AsyncSession, change: AddressChange) -> None:
    """Write ``change`` to the address-change log and link it into the ledger."""
    session.add(change)
    await session.flush()
    assert change.id is not None
    await _append(session, ADDRESS_CHANGE, change.id, address_change_digest(change))


async def chain_inbound(session: AsyncSession, inbound: InboundMessage) -> None:
    """Record ``inbound`` (a message read from the bounce mailbox, its bytes already in the
    inbound archive) and link it into the ledger."""
    session.add(inbound)
    await session.flush()
    assert inbound.id is not None
    await _append(session, INBOUND, inbound.id, inbound_digest(inbound))
