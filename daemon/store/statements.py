"""A send-path transaction's plain statements, run past the ORM.

Recording a send outcome with the next hand-off mark is six statements. Through an ORM
session each costs some 200 µs of Python on the event loop, several times what the
database takes to run it. Here the same Core statements, compiled once per dialect with
their parameters bound by the column types' own converters, run on the driver itself:

- SQLite: all of them in one trip to the aiosqlite thread, committed there (or rolled back
  on any error);
- PostgreSQL: on asyncpg, in a transaction of its own, with asyncpg's prepared statements;
  a transaction that is one statement (:class:`daemon.store.transitions.OneStatement`) is sent
  alone, without BEGIN and COMMIT.

A transaction is a generator of ``(statement, rows of parameters)`` (see
:data:`daemon.store.transitions.Statements`) that is sent back each statement's result rows, so
the same code drives a thread that must not await and a driver that must.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from daemon.store.sqlite_cursor import OneTripConnection
from daemon.store.transitions import OneStatement, Statements, Step

Transaction = Statements | OneStatement
"""What :func:`run_transaction` runs: statements in order, or a single statement."""


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled for one dialect and one set of parameter names."""

    sql: str
    names: tuple[str, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]
    fixed: Mapping[str, Any]  # the values written into the statement (kind = 'invoice')

    def bind(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        given = (values[n] if n in values else self.fixed[n] for n in self.names)
        return tuple(
            value if convert is None or value is None else convert(value)
            for convert, value in zip(self.converters, given, strict=True)
        )


_COMPILED: dict[tuple[str, str, Any, frozenset[str]], _Compiled] = {}


def _compiled(dialect: Dialect, statement: Any, keys: frozenset[str]) -> _Compiled:
    key = (dialect.name, dialect.paramstyle, statement, keys)
    found = _COMPILED.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))
        names = tuple(compiled.positiontup or ())
        binds = [compiled.binds[name] for name in names]
        converters = tuple(b.type.dialect_impl(dialect).bind_processor(dialect) for b in binds)
        fixed = {n: b.effective_value for n, b in zip(names, binds, strict=True) if n not in keys}
        found = _COMPILED[key] = _Compiled(str(compiled), names, converters, fixed)
    return found


def _compiled_step(dialect: Dialect, step: Step) -> tuple[_Compiled, list[tuple[Any, ...]]]:
    """A step's statement compiled for ``dialect``, and its rows as positional parameters."""
    statement, rows = step
    compiled = _compiled(dialect, statement, frozenset(rows[0]))
    return compiled, [compiled.bind(row) for row in rows]


def _advance(statements: Statements, result: list[Any]) -> Step | None:
    """Hand the last statement's rows back; the next step, or None at the end."""
    try:
        return statements.send(result)
    except StopIteration:
        return None


def _in_sqlite_thread(
    dialect: Dialect, statements: Statements
) -> Callable[[sqlite3.Connection], None]:
    def run_all(conn: sqlite3.Connection) -> None:
        try:
            step = next(statements, None)
            while step is not None:
                compiled, rows = _compiled_step(dialect, step)
                if len(rows) > 1:
                    conn.executemany(compiled.sql, rows)
                    step = _advance(statements, [])
                else:
                    step = _advance(statements, conn.execute(compiled.sql, rows[0]).fetchall())
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    return run_all


async def run_transaction(engine: AsyncEngine, statements: Transaction) -> None:
    """Run ``statements`` in one transaction: committed when they end, rolled back if one
    fails."""
    async with engine.connect() as connection:
        await _run_on(connection, statements)


class HeldConnection:
    """One pooled connection kept for a run of transactions (a sending lane's hand-off
    marks, one a message): no pool checkout and, on PostgreSQL, no liveness ping for each.
    After a transaction fails the connection goes back to the pool (the pool throws it away
    if it broke) and the next transaction takes another."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self._connection: AsyncConnection | None = None

    async def run(self, statements: Transaction) -> None:
        """:func:`run_transaction` on the held connection."""
        if self._connection is None:
            self._connection = await self.engine.connect()
        try:
            await _run_on(self._connection, statements)
        except BaseException:
            await self.release()
            raise

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()


def _each_of(one: OneStatement) -> Statements:
    yield one.step


async def _run_on(connection: AsyncConnection, statements: Transaction) -> None:
    dialect = connection.dialect
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if isinstance(driver, OneTripConnection):
        if isinstance(statements, OneStatement):
            statements = _each_of(statements)
        await driver.run(_in_sqlite_thread(dialect, statements))
        return
    # asyncpg; a transaction already open there would make this one a savepoint
    assert not driver.is_in_transaction(), "connection handed out inside a transaction"
    if isinstance(statements, OneStatement):  # a statement is a transaction of its own
        compiled, rows = _compiled_step(dialect, statements.step)
        assert len(rows) == 1, "one statement, one row of parameters"
        await driver.execute(compiled.sql, *rows[0])
        return
    async with driver.transaction():
        step = next(statements, None)
        while step is not None:
            compiled, rows = _compiled_step(dialect, step)
            if len(rows) > 1:
                await driver.executemany(compiled.sql, rows)
                step = _advance(statements, [])
            else:
                step = _advance(statements, list(await driver.fetch(compiled.sql, *rows[0])))
