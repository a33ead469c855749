"""How a transaction holds its own against another doing the same at the same moment, on
SQLite and PostgreSQL alike: a row moved only from the states it may leave (of two
transactions, one moves it; the other sees it did not); a row taken first (the second
transaction waits, then reads what the first wrote); and, where the row to take does not
exist yet (a customer about to be made), a named lock taken first, the same way."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Table, update
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.models import Lock


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


async def moved(
    session: AsyncSession,
    model: type[SQLModel],
    row_id: int | None,
    column: str,
    sources: Collection[str],
    **values: Any,
) -> bool:
    """Set ``values`` on ``model``'s row ``row_id`` while its ``column`` holds one of
    ``sources``, by one conditional UPDATE; True when this transaction moved it."""
    table = _table(model)
    result = await session.exec(  # type: ignore[call-overload]
        update(table)
        .where(table.c.id == row_id, table.c[column].in_(list(sources)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def take_row(session: AsyncSession, model: type[SQLModel], row_id: int) -> None:
    """Take ``model``'s row ``row_id`` for this transaction before reading what depends on
    it (an UPDATE that changes nothing): another transaction taking it waits until this one
    ends, then reads what it wrote."""
    await _take(session, _table(model), "id", row_id)


async def take_lock(session: AsyncSession, name: str) -> None:
    """Take the named lock for this transaction, as its first statement: another transaction
    taking it waits until this one ends, then reads what it wrote (on SQLite too: a write
    first, never a read that a later write would find stale)."""
    if await _take(session, _table(Lock), "name", name) != 1:
        raise LookupError(f"no lock named {name!r}: is the database schema up to date?")


async def _take(session: AsyncSession, table: Table, key: str, value: object) -> int:
    """An UPDATE of the row whose ``key`` is ``value`` that changes nothing; rows taken."""
    taken = await session.exec(  # type: ignore[call-overload]
        update(table)
        .where(table.c[key] == value)
        .values({key: table.c[key]})
        .execution_options(synchronize_session=False)
    )
    return int(taken.rowcount)
