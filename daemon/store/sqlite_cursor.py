"""aiosqlite connections whose statements each take one trip to the database thread.

aiosqlite runs a SQLite connection in a thread of its own and hands it each call through a
queue. SQLAlchemy's aiosqlite adapter makes four such calls for every statement (open a
cursor, execute, fetch the rows, close the cursor), and a trip there and back costs about
as much as the statement itself: recording one send outcome took some twenty of them. The
cursor here runs the statement and fetches all its rows in one call, and keeps the rows,
description, row count and last row id it came back with; a commit or rollback outside a
transaction (the pool rolls back every connection it takes back) makes no trip at all. The
connection is aiosqlite's own, which still owns the thread, the transactions and closing.

It leans on two parts of aiosqlite that are not public: ``Connection._execute`` (run a
function in the connection's thread) and ``Connection._conn`` (the sqlite3 connection
there). SQLAlchemy's adapter leans on the same ones (``_conn`` and the queue behind
``_execute``); ``tests/storage/test_sqlite_cursor.py`` checks both are still there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
Description = tuple[tuple[Any, ...], ...] | None


class _Outcome:
    """What one statement came back with, read in the database thread."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor, fetch: bool) -> None:
        self.description: Description = cursor.description
        self.rows: list[Any] = cursor.fetchall() if fetch and cursor.description else []
        self.rowcount: int = cursor.rowcount  # after the fetch: final for RETURNING
        self.lastrowid: int | None = cursor.lastrowid


def _run(conn: sqlite3.Connection, sql: str, parameters: Any) -> _Outcome:
    cursor = conn.cursor()
    try:
        if parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        return _Outcome(cursor, fetch=True)
    finally:
        cursor.close()


def _run_many(conn: sqlite3.Connection, sql: str, seq_of_parameters: Any) -> _Outcome:
    cursor = conn.cursor()
    try:
        cursor.executemany(sql, seq_of_parameters)
        return _Outcome(cursor, fetch=False)
    finally:
        cursor.close()


class OneTripCursor:
    """The async cursor SQLAlchemy's aiosqlite adapter expects, one trip a statement."""

    arraysize = 1

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self._at = 0
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _call(self, fn: Callable[..., _Outcome], sql: str, parameters: Any) -> None:
        conn = self._connection
        outcome: _Outcome = await conn._execute(fn, conn._conn, sql, parameters)
        self.description = outcome.description
        self._rows, self._at = outcome.rows, 0
        self.rowcount = outcome.rowcount
        self.lastrowid = outcome.lastrowid

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        await self._call(_run, sql, parameters)
        return self

    async def executemany(self, sql: str, seq_of_parameters: Any) -> OneTripCursor:
        await self._call(_run_many, sql, seq_of_parameters)
        return self

    def _take(self, count: int | None) -> list[Any]:
        end = len(self._rows) if count is None else min(len(self._rows), self._at + count)
        rows = self._rows[self._at : end]
        self._at = end
        return rows

    async def fetchone(self) -> Any | None:
        rows = self._take(1)
        return rows[0] if rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self._take(size if size is not None else self.arraysize)

    async def fetchall(self) -> Sequence[Any]:
        return self._take(None)

    async def close(self) -> None:
        self._rows, self._at = [], 0


class OneTripConnection:
    """An aiosqlite connection handing out :class:`OneTripCursor`; all else is aiosqlite's."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._aiosqlite = connection

    def cursor(self) -> OneTripCursor:
        return OneTripCursor(self._aiosqlite)

    # sqlite3 itself does nothing on a commit or rollback outside a transaction; the pool
    # rolls back every connection it takes back, so skipping that trip saves one a session.
    async def commit(self) -> None:
        if self._aiosqlite.in_transaction:
            await self._aiosqlite.commit()

    async def rollback(self) -> None:
        if self._aiosqlite.in_transaction:
            await self._aiosqlite.rollback()

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn`` called with the sqlite3 connection in its own thread: one trip."""
        result: T = await self._aiosqlite._execute(fn, self._aiosqlite._conn)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._aiosqlite, name)


def connector(*args: Any, **kwargs: Any) -> Callable[[], Coroutine[Any, Any, Any]]:
    """An ``async_creator`` for SQLAlchemy: a new connection made with ``sqlite3.connect``'s
    arguments."""

    async def connect() -> OneTripConnection:
        connection = aiosqlite.connect(*args, **kwargs)
        connection._thread.daemon = True  # as SQLAlchemy does for its own aiosqlite connections
        return OneTripConnection(await connection)

    return connect
