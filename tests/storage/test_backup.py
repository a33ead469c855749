"""Backup while the service sends, restore into an empty data folder: every delivery and
every chain entry of the copy is there and verifies."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from config import load_settings
from daemon.app.backup import backup, restore
from daemon.app.cli import app as cli
from daemon.app.services import Facturier
from daemon.domain.errors import ValidationError
from daemon.domain.models import ArchiveEntry, Delivery
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, write_config


async def _importing(app: Facturier, tmp_path: Path, count: int) -> None:
    await app.customers.add(
        NewCustomer("Dupont", "f@dupont.example", ("c@dupont.example",), None, "C-1"),
        changed_by="t",
    )
    files = [invoice_file(tmp_path / "in", f"BK-{i:03d}") for i in range(count)]
    assert all(r.ok for r in await app.ingest.import_paths(files))


async def test_a_backup_taken_while_sending_restores_whole(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path, db_url: str
) -> None:
    await _importing(app, tmp_path, 40)
    await app.send_due()  # some sent and chained before
    await _importing_more(app, tmp_path)
    dest = tmp_path / "backup"
    _sent, done = await asyncio.gather(
        app.send_due(), backup(app.ctx.settings, app.ctx.sessions, dest)
    )
    manifest = json.loads((dest / "manifest.json").read_text())
    if "postgres" in db_url:  # the database is pg_dump's; the files are taken all the same
        assert not done.database and manifest["database"] is None
        assert any(name.startswith("archive/") for name in manifest["files"])
        return
    assert done.database and manifest["files"]["database.sqlite"]

    root = tmp_path / "restored"
    root.mkdir()
    settings = load_settings(
        write_config(root, f"sqlite+aiosqlite:///{root / 'f.db'}", sandbox.port)
    )
    restored_count = restore(settings, dest)
    assert restored_count == len(manifest["files"])
    again = await Facturier.open(settings, migrate=False)
    try:
        entries, links, problems = await again.verify_chains()
        assert problems == [] and entries >= 80 and links >= 2
        async with again.ctx.sessions() as session:
            deliveries = (
                await session.exec(
                    select(Delivery).where(col(Delivery.archive_entry_id).is_not(None))
                )
            ).all()
            chained = (await session.exec(select(ArchiveEntry))).all()
        assert len(chained) == entries and {d.archive_entry_id for d in deliveries} <= {
            e.id for e in chained
        }
        for entry in chained:  # every message sent, readable where the restore put it
            again.ctx.archive.read(entry.sha256)
        first = await again.queries.find_invoice("BK-000")
        assert first.id is not None
        [message, _copy] = await again.archived_messages(first.id)
        assert message.recipient == "f@dupont.example"
    finally:
        await again.close()

    # into folders that are not empty: refused, nothing overwritten
    with pytest.raises(ValidationError, match="empty folders only"):
        restore(settings, dest)


async def _importing_more(app: Facturier, tmp_path: Path) -> None:
    files = [invoice_file(tmp_path / "in2", f"BK-{i:03d}") for i in range(40, 80)]
    assert all(r.ok for r in await app.ingest.import_paths(files))


def test_a_tampered_backup_is_not_restored(settings_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--config", str(settings_path)]
    made = runner.invoke(cli, [*args, "backup", str(tmp_path / "b")])
    assert made.exit_code == 0, made.output
    if json.loads((tmp_path / "b" / "manifest.json").read_text())["database"] is None:
        assert "pg_dump" in made.output  # PostgreSQL: the database is pg_dump's to copy
        return
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    config = write_config(fresh, f"sqlite+aiosqlite:///{fresh / 'f.db'}")
    result = runner.invoke(cli, ["--config", str(config), "restore", str(tmp_path / "b")])
    assert result.exit_code == 0 and "0 problem(s)" in result.output, result.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    [name, *_rest] = [n for n in manifest["files"] if n.startswith("keys/")]
    (tmp_path / "b" / name).write_text("another key\n")
    root = tmp_path / "elsewhere"
    root.mkdir()
    other = write_config(root, f"sqlite+aiosqlite:///{root / 'f.db'}")
    result = runner.invoke(cli, ["--config", str(other), "restore", str(tmp_path / "b")])
    assert result.exit_code == 2 and "missing or altered: nothing restored" in result.output
    assert not (root / "f.db").exists()
