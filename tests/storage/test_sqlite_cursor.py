"""The SQLite engine's one-trip cursor behaves as aiosqlite's own does, in fewer trips."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from daemon.store.db import create_engine


def test_aiosqlite_still_has_what_the_cursor_leans_on() -> None:
    # an aiosqlite upgrade that drops these must fail here, not in production
    assert callable(getattr(aiosqlite.Connection, "_execute", None))
    assert isinstance(aiosqlite.Connection.__dict__.get("_conn"), property)


async def _engine_with_table(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    async with engine.begin() as conn:
        await conn.execute(
            text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)")
        )
    return engine


async def test_rows_counts_and_ids_come_back(tmp_path: Path) -> None:
    engine = await _engine_with_table(tmp_path)
    try:
        async with engine.begin() as conn:
            first = await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
            assert first.lastrowid == 1
            await conn.execute(
                text("INSERT INTO t (name, n) VALUES (:name, :n)"),
                [{"name": "b", "n": 2}, {"name": "c", "n": 3}],
            )
            updated = await conn.execute(text("UPDATE t SET n = n + 10 WHERE n >= 2"))
            assert updated.rowcount == 2
            returned = await conn.execute(
                text("UPDATE t SET n = n + 1 WHERE n > 10 RETURNING name")
            )
            assert sorted(r[0] for r in returned) == ["b", "c"]
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT name, n FROM t ORDER BY id"))).all()
            assert rows == [("a", 1), ("b", 13), ("c", 14)]
            streamed = await conn.stream(text("SELECT name FROM t ORDER BY id"))
            assert [r[0] async for r in streamed] == ["a", "b", "c"]
    finally:
        await engine.dispose()


async def test_a_failed_statement_rolls_the_transaction_back(tmp_path: Path) -> None:
    engine = await _engine_with_table(tmp_path)
    try:
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
                await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 2)"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_each_statement_is_one_trip_to_the_database_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = await _engine_with_table(tmp_path)
    trips = 0
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal trips
        trips += 1
        return await original(self, fn, *args, **kwargs)

    try:
        async with engine.connect() as conn:  # connected before counting
            await conn.execute(text("SELECT 1"))
            await conn.commit()
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
            await conn.execute(text("UPDATE t SET n = 2"))
            assert (await conn.execute(text("SELECT n FROM t"))).scalar_one() == 2
        # three statements and the commit; the pool's rollback on check-in needs none
        # (aiosqlite's own cursor took four trips a statement)
        assert trips == 4
    finally:
        await engine.dispose()


async def test_connect_options_in_the_url_are_honoured(tmp_path: Path) -> None:
    engine = await _engine_with_table(tmp_path)
    await engine.dispose()
    read_only = create_engine(f"sqlite+aiosqlite:///file:{tmp_path / 'c.db'}?mode=ro&uri=true")
    try:
        async with read_only.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
        with pytest.raises(OperationalError, match="readonly"):
            async with read_only.begin() as conn:
                await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
    finally:
        await read_only.dispose()
