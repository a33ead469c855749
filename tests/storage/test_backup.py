"""Backup while the service sends, restore into an empty data folder: every delivery and
every chain entry of the copy is there and verifies."""

from __future__ import annotations

import asyncio
import json
import os
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
from tests.helpers import invoice_file, pipe_let_go_after, write_config


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
    assert result.exit_code == 0 and "no problems" in result.output, result.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    [name, *_rest] = [n for n in manifest["files"] if n.startswith("keys/")]
    (tmp_path / "b" / name).write_text("another key\n")
    root = tmp_path / "elsewhere"
    root.mkdir()
    other = write_config(root, f"sqlite+aiosqlite:///{root / 'f.db'}")
    result = runner.invoke(cli, ["--config", str(other), "restore", str(tmp_path / "b")])
    assert result.exit_code == 2 and "missing or altered: nothing restored" in result.output
    assert not (root / "f.db").exists()


async def test_an_altered_entry_or_a_pipe_in_its_place_is_not_backed_up(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A backup is what restores the archive: an entry that is not what was sent is refused
    (naming it) and the half-made copy is taken away, so none passes for a whole backup."""
    await _importing(app, tmp_path, 2)
    await app.send_due()
    async with app.ctx.sessions() as session:
        [first, *_rest] = (await session.exec(select(ArchiveEntry))).all()
    entry = app.ctx.archive.path_for(first.sha256)
    sound = entry.read_bytes()
    os.chmod(entry, 0o600)
    entry.write_bytes(sound.replace(b"Dupont", b"Dupond"))
    dest = tmp_path / "backup"
    with pytest.raises(ValidationError, match=f"{entry} has been altered: run archive verify"):
        await backup(app.ctx.settings, app.ctx.sessions, dest)
    assert list(dest.iterdir()) == []
    entry.unlink()
    os.mkfifo(entry)
    refused = pytest.raises(ValidationError, match=f"{entry} is not a regular file")
    with pipe_let_go_after(entry), refused:
        await backup(app.ctx.settings, app.ctx.sessions, dest)
    assert list(dest.iterdir()) == []
    entry.unlink()
    entry.write_bytes(sound)
    done = await backup(app.ctx.settings, app.ctx.sessions, dest)
    assert done.files == len(json.loads((dest / "manifest.json").read_text())["files"])


def test_a_pipe_in_a_backup_is_refused_not_waited_on(settings_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["--config", str(settings_path), "backup", str(tmp_path / "b")])
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    [name, *_rest] = [n for n in manifest["files"] if n.startswith("archive/")] or [
        n for n in manifest["files"] if n.startswith("keys/")
    ]
    planted = tmp_path / "b" / name
    planted.unlink()
    os.mkfifo(planted)
    root = tmp_path / "elsewhere"
    root.mkdir()
    other = write_config(root, f"sqlite+aiosqlite:///{root / 'f.db'}")
    with pipe_let_go_after(planted):
        result = runner.invoke(cli, ["--config", str(other), "restore", str(tmp_path / "b")])
    assert result.exit_code == 2, result.output
    assert f"{planted} is missing or altered: nothing restored" in " ".join(result.output.split())
    assert not (root / "f.db").exists()
