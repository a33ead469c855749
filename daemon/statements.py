"""A send-path transaction run as one synchronous body of plain statements.

Recording a send outcome with the next hand-off mark is six statements. Through an ORM
session each costs some 200 µs of Python on the event loop, more than SQLite takes to run
all six. A body written against a :data:`~daemon.transitions.Run` function runs here:

- on SQLite, in one trip to the aiosqlite thread: the Core statements are compiled once
  for the dialect, their parameters bound with the column types' own converters, and the
  transaction committed there (or rolled back on any error);
- on other databases, on a Core connection through ``run_sync``, one round trip a
  statement as before, but past the ORM.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from daemon.sqlite_cursor import OneTripConnection
from daemon.transitions import Run

T = TypeVar("T")
Body = Callable[[Run], T]


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


def _sqlite_body(dialect: Dialect, body: Body[T]) -> Callable[[sqlite3.Connection], T]:
    """``body`` as one function for the SQLite connection's own thread."""

    def run_in_thread(conn: sqlite3.Connection) -> T:
        def run(statement: Any, rows: list[dict[str, Any]]) -> list[Any]:
            compiled = _compiled(dialect, statement, frozenset(rows[0]))
            if len(rows) > 1:
                conn.executemany(compiled.sql, [compiled.bind(row) for row in rows])
                return []
            return conn.execute(compiled.sql, compiled.bind(rows[0])).fetchall()

        try:
            result = body(run)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return result

    return run_in_thread


def _core_body(body: Body[T]) -> Callable[[Connection], T]:
    def run_on(connection: Connection) -> T:
        def run(statement: Any, rows: list[dict[str, Any]]) -> list[Any]:
            result = connection.execute(statement, rows[0] if len(rows) == 1 else rows)
            return list(result.all()) if result.returns_rows else []

        return body(run)

    return run_on


async def run_transaction(engine: AsyncEngine, body: Body[T]) -> T:
    """Run ``body`` in one transaction: committed when it returns, rolled back if it raises."""
    if engine.dialect.name == "sqlite":
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, OneTripConnection)
            return await driver.run(_sqlite_body(engine.dialect, body))
    async with engine.begin() as connection:
        return await connection.run_sync(_core_body(body))
