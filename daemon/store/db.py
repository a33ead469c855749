"""Engines, sessions and migrations for SQLite (WAL) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, event
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.store import casefold
from daemon.store.sqlite_cursor import connector

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_engine(
    url: str, *, echo: bool = False, busy_timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000
) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout (seconds) and enforced foreign
    keys."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database != ":memory:" and not database.startswith("file:"):  # not a URI
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # one trip to aiosqlite's thread a statement instead of four (see sqlite_cursor),
        # with the connect arguments SQLAlchemy reads from the URL (?timeout=, ?mode=ro…)
        args, connect_kwargs = parsed.get_dialect()().create_connect_args(parsed)
        connect_kwargs.setdefault("timeout", busy_timeout)
        kwargs["async_creator"] = connector(*args, **connect_kwargs)
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 10
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        timeout_ms = int(busy_timeout * 1000)
        event.listen(
            engine.sync_engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, timeout_ms)
        )
    return engine


def _sqlite_pragmas(dbapi_conn: Any, busy_timeout_ms: int) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    casefold.register(dbapi_conn)


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


SessionFactory = async_sessionmaker[AsyncSession]


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed on success and rolled back on any error."""
    async with factory() as session, session.begin():
        yield session


def _alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the Alembic migrations."""

    def run(sync_conn: Connection) -> None:
        command.upgrade(_alembic_config(sync_conn), revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)
    log.info("database schema at %s", revision)


async def schema_revisions(engine: AsyncEngine) -> tuple[str | None, str]:
    """The schema's revision in the database (None: no schema) and the one this code needs;
    reads only."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None

    def current(sync_conn: Connection) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(current), head
