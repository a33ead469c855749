"""Backup and restore: the database (SQLite's online backup API: a consistent copy while the
service writes), then the archived messages, the messages received, the invoice files that
copy refers to, and the keys, with a manifest of every file's SHA-256.

The files are write-once and content-addressed, each written before the row naming it is
committed: so everything the copied database names is there to copy, and nothing it does
not name is taken (an entry written after the copy would read as "not in the chain").

With PostgreSQL the database part is ``pg_dump``'s (the README says how); the files are
taken all the same.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from config import Settings
from daemon.domain.errors import ValidationError
from daemon.domain.i18n import _
from daemon.domain.models import ArchiveEntry, InboundMessage, Invoice, utcnow
from daemon.store.db import SessionFactory
from mailer.archive import Archive
from mailer.files import is_regular, read_regular

log = logging.getLogger(__name__)

FORMAT = "facturier-backup/1"
DATABASE = "database.sqlite"


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    files: int
    database: bool
    """False with PostgreSQL: its copy is pg_dump's."""


def _sha256(path: Path) -> str:
    return Archive.digest(path)


def _empty_or_absent(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def _names_in_copy(copy: Path) -> tuple[list[str], list[str], list[str]]:
    """The archived messages, messages received and invoice files the copied database names."""
    with sqlite3.connect(copy) as db:
        archived = [r[0] for r in db.execute("SELECT sha256 FROM archive_entries")]
        received = [r[0] for r in db.execute("SELECT raw_sha256 FROM inbound_messages")]
        files = [r[0] for r in db.execute("SELECT file_sha256 FROM invoices")]
        files += [
            r[0] for r in db.execute("SELECT readable_sha256 FROM invoices") if r[0] is not None
        ]
    return archived, received, files


async def _names_in_database(sessions: SessionFactory) -> tuple[list[str], list[str], list[str]]:
    async with sessions() as session:
        archived = list((await session.exec(select(ArchiveEntry.sha256))).all())
        received = list((await session.exec(select(InboundMessage.raw_sha256))).all())
        files = list((await session.exec(select(Invoice.file_sha256))).all())
        files += [s for s in (await session.exec(select(Invoice.readable_sha256))).all() if s]
    return archived, received, files


def _keys(settings: Settings) -> list[Path]:
    """The installation's key files that exist."""
    return [k for k in _keys_wanted(settings) if k.exists()]


async def backup(settings: Settings, sessions: SessionFactory, dest: Path) -> BackupReport:
    if not await asyncio.to_thread(_empty_or_absent, dest):
        raise ValidationError(
            _("{path} is not empty: a backup goes into a new or empty folder").format(path=dest)
        )
    await asyncio.to_thread(dest.mkdir, parents=True, exist_ok=True, mode=0o700)
    try:
        files = await _write_backup(settings, sessions, dest)
    except BaseException:
        # no half backup is left to pass for a whole one: dest was empty, all in it is ours
        await asyncio.to_thread(_clear, dest)
        raise
    log.info("backup written to %s: %s files", dest, files)
    return BackupReport(dest, files, settings.database.sqlite_file() is not None)


async def _write_backup(settings: Settings, sessions: SessionFactory, dest: Path) -> int:
    """The copies, each checked against its digest, and the manifest naming them; the
    number of files."""
    source = settings.database.sqlite_file()
    if source is not None:
        copy = dest / DATABASE
        await asyncio.to_thread(_online_copy, source, copy)
        names = await asyncio.to_thread(_names_in_copy, copy)
    else:
        names = await _names_in_database(sessions)
    stores = (
        ("archive", Archive(settings.archive.path), names[0]),
        ("inbound", Archive(settings.archive.inbound_path), names[1]),
        ("invoices", Archive(settings.ingest.store), names[2]),
    )
    manifest: dict[str, str] = {}

    def take() -> None:
        for folder, store, wanted in stores:
            for sha in sorted(set(wanted)):
                path = store.path_for(sha)
                if not path.exists():
                    raise ValidationError(
                        _("{path} is named by the database but missing: run archive verify").format(
                            path=path
                        )
                    )
                if not is_regular(path):  # a pipe there would be waited on for ever
                    raise ValidationError(
                        _("{path} is not a regular file: run archive verify").format(path=path)
                    )
                relative = f"{folder}/{sha[:2]}/{sha}.eml"
                target = dest / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                manifest[relative] = _sha256(target)
                if manifest[relative] != sha:  # an altered entry is not backed up as sound
                    raise ValidationError(
                        _("{path} has been altered: run archive verify").format(path=path)
                    )
        for key in _keys(settings):
            if not is_regular(key):
                raise ValidationError(
                    _("{path}: not a regular file (a pipe, a socket or a device)").format(path=key)
                )
            relative = f"keys/{key.name}"
            (dest / "keys").mkdir(exist_ok=True)
            shutil.copyfile(key, dest / relative)
            manifest[relative] = _sha256(dest / relative)
        if source is not None:
            manifest[DATABASE] = _sha256(dest / DATABASE)

    await asyncio.to_thread(take)
    document = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "database": DATABASE if source is not None else None,
        "keys": {k.name: str(k) for k in _keys(settings)},
        "files": manifest,
    }
    (dest / "manifest.json").write_text(json.dumps(document, indent=2, sort_keys=True))
    return len(manifest)


def _clear(folder: Path) -> None:
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _online_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy taken while writers go on (WAL included)."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)


def restore(settings: Settings, src: Path) -> int:
    """Bring the backup in ``src`` back into the settings' data folders, which must be empty,
    every file checked against the manifest first; the number of files restored."""
    try:
        document = json.loads(read_regular(src / "manifest.json"))
    except (OSError, ValueError) as exc:
        raise ValidationError(
            _("{path}: no readable manifest.json ({why})").format(path=src, why=exc)
        ) from exc
    if document.get("format") != FORMAT:
        raise ValidationError(_("{path} is not a facturier backup").format(path=src))
    files: dict[str, str] = document["files"]
    for relative, digest in files.items():
        path = src / relative
        if not is_regular(path) or _sha256(path) != digest:
            raise ValidationError(
                _("{path} is missing or altered: nothing restored").format(path=path)
            )
    database = settings.database.sqlite_file()
    folders = {
        "archive": settings.archive.path,
        "inbound": settings.archive.inbound_path,
        "invoices": settings.ingest.store,
    }
    busy = [p for p in folders.values() if not _empty_or_absent(p)]
    if database is not None and document.get("database") and database.exists():
        busy.append(database)
    if busy:
        raise ValidationError(
            _("restore goes into empty folders only; not empty: {paths}").format(
                paths=", ".join(map(str, busy))
            )
        )
    keys = {k.name: k for k in _keys_wanted(settings)}
    for relative in files:
        head, _sep, rest = relative.partition("/")
        if head in folders:
            target = folders[head] / rest
        elif head == "keys" and rest in keys:
            target = keys[rest]
            if target.exists():
                if _sha256(target) != files[relative]:
                    raise ValidationError(
                        _(
                            "{path} holds another key than the backup's: move it away first "
                            "(signed heads and bounces in flight need the backup's)"
                        ).format(path=target)
                    )
                continue
        elif relative == DATABASE and database is not None:
            target = database
        else:
            continue
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(src / relative, target)
    if database is not None and document.get("database"):
        _repoint(database, folders)
    return len(files)


def _keys_wanted(settings: Settings) -> list[Path]:
    """Where the installation keeps its keys: the VERP secret, the signing key, the DKIM key."""
    found = [settings.sender.verp_key_file, settings.archive.signing_key_file]
    signing = settings.dkim.signing(settings.sender.address)
    if signing is not None:
        found.append(signing[2])
    return found


def _repoint(database: Path, folders: dict[str, Path]) -> None:
    """The paths the restored database holds, made those of the folders restored into."""
    archive, store = Archive(folders["archive"]), Archive(folders["invoices"])
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT id, sha256 FROM archive_entries").fetchall()
        db.executemany(
            "UPDATE archive_entries SET path = ? WHERE id = ?",
            [(str(archive.path_for(sha)), i) for i, sha in rows],
        )
        rows = db.execute("SELECT id, file_sha256 FROM invoices").fetchall()
        db.executemany(
            "UPDATE invoices SET stored_path = ? WHERE id = ?",
            [(str(store.path_for(sha)), i) for i, sha in rows],
        )
