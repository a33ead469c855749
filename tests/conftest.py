"""Shared fixtures.

Tests that need PostgreSQL, the real mail stack (Postfix + Dovecot) or ../shared/corpus skip
with a reason where those are missing, except with ``CI=true``, where a missing component
fails the test instead (see :func:`unavailable`).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from config import Settings, load_settings
from daemon.app.services import Facturier
from mailer.demo_relay import SandboxServer
from tests.helpers import with_database, write_config

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("FACTURIER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip on a laptop; fail in CI, where every component must be there."""
    if in_ci():
        pytest.fail(f"required in CI but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = Path(os.environ.get("FACTURIER_CORPUS", ROOT.parent / "shared" / "corpus"))
    if not (path / "bounces").is_dir() or not (path / "einvoices").is_dir():
        unavailable(f"shared corpus not found at {path}")
    return path


@pytest.fixture(scope="session")
def corpus_gate(corpus_dir: Path) -> Any:
    """The compliance gate as deployed: CEN's EN 16931 artifacts from the shared corpus."""
    from daemon.intake.rules import ComplianceGate, shared_rule_book

    return ComplianceGate(shared_rule_book(), corpus_dir / "en16931")


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


_pg_checked: dict[str, str | None] = {}


def _pg_problem() -> str | None:
    if "result" not in _pg_checked:
        try:
            asyncio.run(_pg_admin("SELECT 1"))
            _pg_checked["result"] = None
        except Exception as exc:  # any failure means: no server to test against
            _pg_checked["result"] = f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}"
    return _pg_checked["result"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'facturier.db'}"
        return
    yield from _fresh_pg_database()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (for the several-instances tests)."""
    yield from _fresh_pg_database()


def _fresh_pg_database() -> Iterator[str]:
    problem = _pg_problem()
    if problem:
        unavailable(problem)
    name = f"facturier_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    server = SandboxServer(
        tmp_path / "mail" / "customers",
        tmp_path / "mail" / "bounces",
        defer_domains={"greylist.example"},
        reject_domains={"rejects.example"},
        throttle_domains={"throttled.example"},
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(tmp_path: Path, db_url: str, sandbox: SandboxServer) -> Settings:
    return load_settings(write_config(tmp_path, db_url, sandbox.port))


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Facturier]:
    facturier = await Facturier.open(settings)
    try:
        yield facturier
    finally:
        await facturier.close()


@pytest.fixture
def settings_path(tmp_path: Path, db_url: str, sandbox: SandboxServer) -> Path:
    return with_database(write_config(tmp_path, db_url, sandbox.port))


@pytest.fixture(autouse=True)
def english_by_default() -> Iterator[None]:
    """What the daemon says is in English unless a test asks for another language (the
    language is chosen once per process at the entry point; tests share one process)."""
    from daemon.domain import i18n

    i18n.use("en")
    yield
    i18n.use("en")
    help_words = sys.modules.get("daemon.app.cli_help")
    if help_words is not None:  # Typer's titles, which a French help page set
        help_words.say_typer_words()


@pytest.fixture(autouse=True)
def the_process_umask_kept() -> Iterator[None]:
    """A command run in-process (CliRunner) sets the owner-only umask its process keeps
    (``cli_base.main_options``): tests share one process, and the next test's Postfix queue
    folders would be made unreadable to Postfix's own users."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)
