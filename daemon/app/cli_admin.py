"""Commands for the admin: configuration, database, the classifier, the daemon, the TUI and
the demo (customers: ``cli_customers``)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from config import load_settings, masked_dump, settings_file
from daemon.app import health
from daemon.app.cli_base import (
    JsonOption,
    app,
    bounce_app,
    config_app,
    configure_logging,
    db_app,
    fail,
    guarded,
    refuse_missing_database,
    refuse_missing_paths,
    settings,
    state,
    with_app,
)
from daemon.app.services import Facturier
from daemon.domain.i18n import _

log = logging.getLogger(__name__)


@config_app.command("check")
def config_check() -> None:
    """Validate the settings and print them resolved, secrets masked; then the compliance
    gate's rule sets and every rule an admin downgraded to a warning."""
    s = settings()
    typer.echo(masked_dump(s))
    gate = health.compliance(s.compliance.artifacts)
    if not gate.ok:
        fail(gate.detail.shown())
    typer.echo(_("compliance: {said}").format(said=gate.detail.shown()))
    for d in s.compliance.downgrade:
        typer.echo(
            _(
                "compliance: {rules} downgraded to warnings, for {profiles} and {sellers}: {why}"
            ).format(
                rules=", ".join(d.rules),
                profiles=", ".join(d.profiles) or _("every profile"),
                sellers=", ".join(d.sellers) or _("every seller"),
                why=d.reason,
            )
        )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema."""

    async def go(app_: Facturier) -> None:
        typer.echo(
            _("database up to date: {url}").format(
                url=app_.ctx.settings.database.url.split("@")[-1]
            )
        )

    with_app(go, create=True)


@bounce_app.command("classify")
def bounce_classify(
    paths: Annotated[list[Path], typer.Argument(help="Message files or folders")],
    as_json: JsonOption = False,
) -> None:
    """Classify raw messages: one JSON object per line per file with --json."""
    from bounce_parser import classify

    refuse_missing_paths(paths)
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in (".eml", ""))
        else:
            files.append(p)
    for f in files:
        c = classify(f.read_bytes())
        out: dict[str, Any] = {
            "file": str(f),
            "kind": str(c.kind),
            "recipients": [
                {
                    "address": r.address,
                    "status": r.status,
                    "reason": r.reason,
                    "action": r.action,
                    "hard": r.hard,
                    "diagnostic": r.diagnostic,
                }
                for r in c.recipients
            ],
            "original_message_id": c.original_message_id,
        }
        if as_json:
            typer.echo(json.dumps(out, ensure_ascii=False))
        else:
            rc = ", ".join(
                f"{r['address']} {r['status'] or ''} {r['reason'] or ''}" for r in out["recipients"]
            )
            typer.echo(f"{f}: {c.kind} {rc}")


@app.command("run")
def run() -> None:
    """Run the daemon until SIGTERM or SIGINT."""
    from daemon.app.runtime import Daemon

    path = state.config_path
    s = settings()
    configure_logging(state.verbose, s, service=True)
    read = settings_file(path)
    log.info(
        "facturier starting: settings %s, database %s",
        read.resolve() if read else "defaults and environment",
        s.database.url.split("@")[-1],
    )

    async def go(app_: Facturier) -> int:
        return await Daemon(app_, reload_settings=lambda: load_settings(path)).run()

    raise typer.Exit(with_app(go))


@app.command("systemd-unit")
def systemd_unit(
    user: Annotated[str | None, typer.Option(help="The account the service runs as")] = None,
) -> None:
    """Print a systemd unit for this installation (Type=notify, watchdog, reload on SIGHUP):
    save it as /etc/systemd/system/facturier.service, then systemctl enable --now facturier."""
    from daemon.app.systemd import unit_file

    settings()  # the settings file must exist and be valid
    typer.echo(unit_file(state.config_path or Path("facturier.toml"), user), nl=False)


@app.command("tui")
def tui() -> None:
    """Open the terminal UI."""
    from tui.app import run_tui

    s = settings()
    refuse_missing_database(s)
    guarded(lambda: run_tui(s), s)


@app.command("demo")
def demo(
    workdir: Annotated[Path, typer.Option(help="Where the demo keeps its files")] = Path("demo"),
    tui_after: Annotated[
        bool | None,
        typer.Option(
            "--tui/--no-tui",
            help="Open the TUI on the demo's data after it (by default on a terminal)",
        ),
    ] = None,
) -> None:
    """Run the whole loop on SQLite and a built-in sandbox mail server."""
    from daemon.app.demo import run_demo

    s = guarded(lambda: run_demo(workdir))
    if tui_after is None:
        tui_after = sys.stdin.isatty() and sys.stdout.isatty()
    if tui_after:
        from tui.app import run_tui

        run_tui(s)
