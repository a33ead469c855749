"""Commands for whoever runs the service: its health, and a doctor for the first run."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from config import Settings, settings_file
from daemon.app import health
from daemon.app.cli_base import (
    JsonOption,
    app,
    guarded,
    missing_database,
    settings,
    state,
    with_app,
)
from daemon.app.context import AppContext
from daemon.app.reporting import IS_DOWN, TO_FIX, Reporter, checked, mark, problems_found
from daemon.app.services import Facturier
from daemon.domain.i18n import _, ngettext, said
from daemon.domain.labels import check_label
from mailer.dkim import DkimError, read_key


def _when(at: object) -> str | None:
    return at.isoformat() if hasattr(at, "isoformat") else None


def _shown(at: datetime | None) -> str | None:
    """A moment as the other commands show one, to the minute (UTC, as stored)."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if at is not None else None


@app.command("health")
def health_command(
    max_due_minutes: Annotated[
        float,
        typer.Option(
            min=1, max=10080, help="A due delivery older than this makes the service lagging"
        ),
    ] = 60.0,
    as_json: JsonOption = False,
) -> None:
    """Check the database, the data folders, the relay and the bounce mailbox, and show the
    last send and poll, the queue depth and the oldest due delivery. Exit 0 when healthy,
    1 when a part is down or the queue is lagging (for a monitor)."""

    async def go(app_: Facturier) -> int:
        checks, figures = await asyncio.gather(
            health.everything(app_.ctx), health.figures(app_.ctx)
        )
        report = Reporter(as_json)
        width = max(len(check_label(c.name)) for c in checks)
        for c in checks:
            report.item(
                {"check": c.name, "ok": c.ok, "detail": str(c.detail)},
                f"{mark(c.ok, IS_DOWN)} {check_label(c.name):{width}} {c.detail.shown()}",
            )
        lag = health.age(figures.oldest_due)
        lagging = lag is not None and lag > max_due_minutes * 60
        report.summary(
            {
                "healthy": all(c.ok for c in checks) and not lagging,
                "last_send": _when(figures.last_send),
                "last_poll": _when(figures.last_poll),
                "queue_depth": figures.queue_depth,
                "oldest_due": _when(figures.oldest_due),
                "oldest_due_seconds": lag,
            },
            _(
                "last send {send}, last bounce-mailbox poll {poll}, {depth} waiting to be "
                "sent, oldest due {oldest}"
            ).format(
                send=_shown(figures.last_send) or _("never"),
                poll=_shown(figures.last_poll) or _("never"),
                depth=figures.queue_depth,
                oldest=_shown(figures.oldest_due) or _("none"),
            )
            + (_(" — lagging") if lagging else ""),
        )
        return 0 if all(c.ok for c in checks) and not lagging else 1

    raise typer.Exit(with_app(go))


def _folder_problem(folder: Path | None, what: str, made_by_us: bool = True) -> tuple[bool, str]:
    """Whether ``folder`` serves, and what to say of it. A missing folder the service makes
    (the archive, the store, the rejected files) is fine where it can be made; the watched
    folder is made by whoever drops files there, and nothing is imported until it is."""
    if folder is None:
        return False, _("{what}: not set").format(what=what)
    if not folder.is_dir():
        if not made_by_us:
            return False, _(
                "{what}: {path} does not exist, so nothing dropped there is imported: "
                "make it, or check the path"
            ).format(what=what, path=folder)
        parent = next((p for p in folder.parents if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            return False, _(
                "{what}: {path} does not exist, and this user cannot make it in {parent}"
            ).format(what=what, path=folder, parent=parent)
        return True, _("{what}: {path} (made on first use)").format(what=what, path=folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        return False, _("{what}: {path} is not writable by this user").format(
            what=what, path=folder
        )
    if folder.stat().st_mode & 0o077:
        return False, _("{what}: {path} is open to other users: chmod 700 {path}").format(
            what=what, path=folder
        )
    return True, _("{what}: {path}").format(what=what, path=folder)


@app.command("doctor")
def doctor(as_json: JsonOption = False) -> None:
    """Check the settings file, the database (there, reachable, schema current), the data
    folders and maildirs, the keys, the relay and the bounce mailbox, and say what to fix;
    creates nothing. Exit 1 when something needs fixing."""
    s = settings()
    report = Reporter(as_json)
    read = settings_file(state.config_path)
    found: list[tuple[str, bool, str]] = [
        ("settings", True, str(read.resolve()) if read is not None else _("defaults"))
    ]
    missing = missing_database(s)
    if missing is not None:
        found.append(
            (
                "database",
                False,
                _("no database at {path}: run `facturier db upgrade`").format(path=missing),
            )
        )
    a, i = s.archive, s.ingest
    for folder, what, made_by_us in (
        (a.path, _("archive"), True),
        (a.inbound_path, _("inbound archive"), True),
        (i.store, _("invoice store"), True),
        (i.watch, _("watched folder"), False),
        (i.rejected, _("rejected folder"), True),
    ):
        ok, text = _folder_problem(folder, what, made_by_us)
        found.append(("folders", ok, text))
    if s.imap.source == "maildir":
        for box, what, made_when_needed in (
            (s.imap.maildir, _("bounce maildir"), False),
            (s.imap.sent_maildir, _("sent maildir"), True),  # made by the first copy filed
        ):
            if box is not None:
                ok = all((box / sub).is_dir() for sub in ("cur", "new", "tmp")) or (
                    made_when_needed and not box.exists()
                )
                found.append(
                    (
                        "maildirs",
                        ok,
                        _("{what}: {path}").format(what=what, path=box)
                        if ok
                        else _("{what}: {path} is not a Maildir (cur, new, tmp)").format(
                            what=what, path=box
                        ),
                    )
                )
    signing = s.dkim.signing(s.sender.address)
    if signing is None:
        found.append(("keys", False, _("no DKIM key: run `facturier dkim keygen` and set [dkim]")))
    else:
        try:
            read_key(signing[2])
            found.append(("keys", True, _("DKIM key {path}").format(path=signing[2])))
        except DkimError as exc:
            found.append(("keys", False, said(exc)))

    gate = health.compliance(s.compliance.artifacts)
    found.append((gate.name, gate.ok, gate.detail.shown()))
    for check in asyncio.run(_services(s, with_database=missing is None)):
        found.append((check.name, check.ok, check.detail.shown()))
    width = max(len(check_label(topic)) for topic, _ok, _said in found)
    for topic, ok, text in found:
        report.item(
            {"topic": topic, "ok": ok, "said": text},
            f"{mark(ok, TO_FIX)} {check_label(topic):{width}} {text}",
        )
    raise typer.Exit(0 if all(ok for _t, ok, _s in found) else 1)


async def _services(s: Settings, with_database: bool) -> list[health.Check]:
    """The database, the relay and the bounce mailbox; without a database, the relay alone
    (opening the database would create it)."""
    ctx = AppContext.from_settings(s)
    try:
        if not with_database:
            return [await health.relay(ctx)]
        return [
            await health.database(ctx),
            await health.relay(ctx),
            await health.bounce_mailbox(ctx),
        ]
    finally:
        await ctx.close()


@app.command("backup")
def backup_command(
    dest: Annotated[Path, typer.Argument(help="A new or empty folder")],
    as_json: JsonOption = False,
) -> None:
    """A consistent copy of the SQLite database (online, while the service runs), the
    archived and received messages and invoice files it names, and the keys, with a
    manifest of hashes. With PostgreSQL, back the database up with pg_dump beside it."""
    from daemon.app.backup import backup

    async def go(app_: Facturier) -> None:
        done = await backup(app_.ctx.settings, app_.ctx.sessions, dest)
        report = Reporter(as_json)
        report.summary(
            {"folder": str(done.folder), "files": done.files, "database": done.database},
            _("backup in {folder}: {files} files").format(folder=done.folder, files=done.files)
            + (
                ""
                if done.database
                else _(" (PostgreSQL: back the database up with pg_dump, see the README)")
            ),
        )

    with_app(go)


@app.command("restore")
def restore_command(
    src: Annotated[Path, typer.Argument(help="A folder written by facturier backup")],
    as_json: JsonOption = False,
) -> None:
    """Bring a backup back into the settings' empty data folders (every file checked against
    the manifest first), then check the archive and the chains as archive verify does."""
    from daemon.app.backup import restore

    s = settings()
    count = guarded(lambda: restore(s, src), s)

    async def go(app_: Facturier) -> int:
        entries, links, problems = await app_.verify_chains()
        report = Reporter(as_json)
        report.problems(problems)
        report.summary(
            {"restored": count, "checked": entries, "ledger": links, "problems": len(problems)},
            ngettext(
                "{count} file restored; {checked}, {problems}",
                "{count} files restored; {checked}, {problems}",
                count,
            ).format(
                count=count, checked=checked(entries, links), problems=problems_found(len(problems))
            ),
        )
        return 1 if problems else 0

    raise typer.Exit(with_app(go))
