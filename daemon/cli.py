"""The `facturier` command: the composition root.

Settings are loaded here, once, and passed down; logging is configured here and nowhere
else. The one upward import in the project (launching the TUI) lives here.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from config import ConfigError, Settings, load_settings, masked_dump
from daemon.errors import FacturierError, PermanentError
from daemon.services import Facturier

log = logging.getLogger(__name__)
T = TypeVar("T")

app = typer.Typer(
    help="Deliver e-invoices by email and prove what became of each one.",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)
customers_app = typer.Typer(help="Customers and their invoice addresses.", no_args_is_help=True)
bounce_app = typer.Typer(help="The bounce classifier.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
config_app = typer.Typer(help="The configuration.", no_args_is_help=True)
archive_app = typer.Typer(help="The archive of sent messages.", no_args_is_help=True)
app.add_typer(customers_app, name="customers")
app.add_typer(bounce_app, name="bounce")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(archive_app, name="archive")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML settings file (default ./facturier.toml)"),
]


class State:
    config_path: Path | None = None
    settings: Settings | None = None


state = State()


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def settings() -> Settings:
    if state.settings is None:
        try:
            state.settings = load_settings(state.config_path)
        except ConfigError as exc:
            _fail(str(exc), 2)
    assert state.settings is not None
    return state.settings


def with_app(fn: Callable[[Facturier], Awaitable[T]]) -> T:
    async def run() -> T:
        app_ = await Facturier.open(settings())
        try:
            return await fn(app_)
        finally:
            await app_.close()

    try:
        return asyncio.run(run())
    except ConfigError as exc:
        _fail(str(exc), 2)
    except PermanentError as exc:
        _fail(str(exc))
    except FacturierError as exc:
        _fail(f"{exc} (temporary: try again)", 75)
    raise AssertionError("unreachable")


def user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


@app.callback()
def main_options(
    config: ConfigOption = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    state.config_path = config
    state.settings = None


@config_app.command("check")
def config_check() -> None:
    """Validate the settings and print them resolved, secrets masked."""
    typer.echo(masked_dump(settings()))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema."""

    async def go(app_: Facturier) -> None:
        typer.echo(f"database up to date: {app_.ctx.settings.database.url.split('@')[-1]}")

    with_app(go)


@app.command("import")
def import_(paths: Annotated[list[Path], typer.Argument(help="Files or folders")]) -> None:
    """Import e-invoices (Factur-X/ZUGFeRD PDF, CII or UBL XML). Failed files stay put."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        _fail(", ".join(f"{p}: no such file or folder" for p in missing))

    async def go(app_: Facturier) -> int:
        results = await app_.ingest.import_paths(paths)
        for r in results:
            mark = "ok  " if r.ok else "FAIL"
            typer.echo(f"{mark} {r.file}: {r.message}")
        failed = sum(not r.ok for r in results)
        typer.echo(f"{len(results) - failed} imported, {failed} rejected")
        return failed

    if with_app(go):
        raise typer.Exit(1)


@customers_app.command("add")
def customers_add(
    name: str,
    email: Annotated[str | None, typer.Option(help="Central invoice mailbox")] = None,
    copy: Annotated[list[str] | None, typer.Option(help="Copy recipient (repeatable)")] = None,
    vat_id: Annotated[str | None, typer.Option()] = None,
    identifier: Annotated[str | None, typer.Option()] = None,
    language: Annotated[str, typer.Option()] = "fr",
) -> None:
    """Create a customer with its invoice address and copies."""
    from daemon.customers import NewCustomer

    async def go(app_: Facturier) -> None:
        c = await app_.customers.add(
            NewCustomer(name, email, tuple(copy or ()), vat_id, identifier, language),
            changed_by=user(),
        )
        typer.echo(f"customer #{c.id} {c.name}")

    with_app(go)


@customers_app.command("import")
def customers_import(file: Path) -> None:
    """Create customers from a CSV: name,invoice_email,copy_emails,vat_id,identifier,language."""

    async def go(app_: Facturier) -> None:
        created = await app_.customers.import_csv(file, changed_by=user())
        typer.echo(f"{len(created)} customers imported from {file}")

    with_app(go)


@customers_app.command("set-address")
def customers_set_address(
    customer: str,
    email: str,
    reason: Annotated[str, typer.Option(help="Why the address changes (logged)")],
) -> None:
    """Change a customer's central invoice mailbox (logged with who, when and why)."""

    async def go(app_: Facturier) -> None:
        c = await app_.customers.find(customer)
        assert c.id is not None
        await app_.customers.set_invoice_address(c.id, email, changed_by=user(), reason=reason)
        typer.echo(f"{c.name}: invoices now go to {email}")

    with_app(go)


@customers_app.command("list")
def customers_list() -> None:
    """Customers, their addresses and the address-change log."""

    async def go(app_: Facturier) -> None:
        for c in await app_.queries.customers():
            typer.echo(f"#{c.id} {c.name} ({c.language}) {c.vat_id or ''}")
            for a in c.addresses:
                flags = (
                    [a.role]
                    + (["central"] if a.central_mailbox else [])
                    + (["UNDELIVERABLE"] if a.undeliverable else [])
                    + ([] if a.active else ["retired"])
                )
                typer.echo(f"    {a.email} [{', '.join(flags)}]")
            for h in c.history:
                typer.echo(
                    f"    {h.at:%Y-%m-%d %H:%M} {h.field}: {h.old or '-'} → "
                    f"{h.new or '-'} by {h.who} ({h.source}) {h.why}"
                )

    with_app(go)


@app.command("send")
def send() -> None:
    """Send every delivery that is due now, then exit."""

    async def go(app_: Facturier) -> None:
        for o in await app_.send_due():
            typer.echo(f"delivery {o.delivery_id}: {o.state} {o.detail}")

    with_app(go)


@app.command("poll-bounces")
def poll_bounces() -> None:
    """Read the bounce mailbox once and apply what it says."""

    async def go(app_: Facturier) -> None:
        r = await app_.poll_bounces()
        typer.echo(
            f"fetched {r.fetched}: applied {r.applied}, unrecognized {r.unrecognized}, "
            f"quarantined {r.quarantined}, already seen {r.skipped}"
        )

    with_app(go)


@app.command("remind")
def remind(today: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None) -> None:
    """Queue the payment reminders due today (each level once per invoice)."""
    day = date.fromisoformat(today) if today else None

    async def go(app_: Facturier) -> None:
        r = await app_.reminders.run(day)
        typer.echo(
            f"{r.queued} reminders queued, {r.skipped_undeliverable} without a deliverable address"
        )

    with_app(go)


@app.command("paid")
def paid(invoice: str) -> None:
    """Mark an invoice paid (no more reminders)."""

    async def go(app_: Facturier) -> None:
        inv = await app_.queries.mark_paid(invoice)
        typer.echo(f"invoice {inv.number} marked paid")

    with_app(go)


@app.command("status")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    only: Annotated[str | None, typer.Option("--state", help="Only invoices in this state")] = None,
) -> None:
    """Each invoice's delivery state."""

    async def go(app_: Facturier) -> None:
        rows = await app_.queries.invoices(only)
        for r in rows:
            if as_json:
                typer.echo(json.dumps(r.to_json(), ensure_ascii=False))
            else:
                due = r.due_date.isoformat() if r.due_date else "-"
                typer.echo(
                    f"{r.number:<22} {r.customer[:28]:<28} {r.total:>12} {r.currency} "
                    f"due {due:<10} {r.state}"
                )

    with_app(go)


@bounce_app.command("classify")
def bounce_classify(
    paths: Annotated[list[Path], typer.Argument(help="Message files or folders")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Classify raw messages: one JSON object per line per file with --json."""
    from bounce_parser import classify

    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in (".eml", ""))
        elif p.exists():
            files.append(p)
        else:
            _fail(f"{p}: no such file or folder")
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


@archive_app.command("verify")
def archive_verify() -> None:
    """Check every archived message and the hash chain; exit 1 naming any bad entry."""
    from daemon.proof import verify_archive

    async def go(app_: Facturier) -> int:
        count, problems = await verify_archive(app_.ctx.sessions, app_.ctx.archive)
        for p in problems:
            typer.echo(f"BAD {p}")
        typer.echo(f"{count} entries checked, {len(problems)} problem(s)")
        return len(problems)

    if with_app(go):
        raise typer.Exit(1)


@app.command("proof")
def proof(
    invoice: str,
    out: Annotated[Path, typer.Option(help="Folder for the proof files")] = Path("proof"),
) -> None:
    """Write what a dispute needs: archived .eml, hashes, chain position, relay reply, events."""
    from daemon.proof import write_proof

    async def go(app_: Facturier) -> None:
        for path in await write_proof(app_.ctx.sessions, app_.ctx.archive, invoice, out):
            typer.echo(str(path))

    with_app(go)


@app.command("resend")
def resend(
    invoice: str,
    to: Annotated[str, typer.Option("--to", help="Recipient address")],
    reason: Annotated[str, typer.Option(help="Why it is sent again (recorded)")],
) -> None:
    """Send an invoice again on purpose; recorded with who asked and why."""
    from daemon.deliveries import request_resend
    from daemon.errors import ValidationError
    from mailer.addresses import normalize_address
    from mailer.errors import MessageRefused

    if not reason.strip():
        _fail("--reason: say why the invoice is sent again")
    try:
        address = normalize_address(to, "--to")
    except MessageRefused as exc:
        _fail(str(exc))

    async def go(app_: Facturier) -> None:
        inv = await app_.queries.find_invoice(invoice)
        if inv.id is None:
            raise ValidationError(f"no invoice {invoice}")
        d = await request_resend(
            app_.ctx.sessions,
            inv.id,
            address,
            requested_by=user(),
            reason=reason,
            sender_address=app_.ctx.settings.sender.address,
        )
        typer.echo(f"invoice {inv.number}: re-send to {address} queued ({d.message_id})")

    with_app(go)


@app.command("run")
def run() -> None:
    """Run the daemon until SIGTERM or SIGINT."""
    from daemon.runtime import Daemon

    async def go(app_: Facturier) -> int:
        return await Daemon(app_).run()

    raise typer.Exit(with_app(go))


@app.command("tui")
def tui() -> None:
    """Open the terminal UI."""
    from tui.app import run_tui

    run_tui(settings())


@app.command("demo")
def demo(
    workdir: Annotated[Path, typer.Option(help="Where the demo keeps its files")] = Path("demo"),
    tui_after: Annotated[bool | None, typer.Option("--tui/--no-tui")] = None,
) -> None:
    """Run the whole loop on SQLite and a built-in sandbox mail server."""
    from daemon.demo import run_demo

    s = run_demo(workdir)
    if tui_after is None:
        tui_after = sys.stdin.isatty() and sys.stdout.isatty()
    if tui_after:
        from tui.app import run_tui

        run_tui(s)


def main() -> None:
    app()
