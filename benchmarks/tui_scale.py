"""The TUI at a million invoices, on SQLite and on PostgreSQL.

Builds (or, with ``--keep DIR``, reuses) a database of ``--invoices`` invoices, about 1.2 per
invoice deliveries and 3.6 delivery events per invoice (``benchmarks/scale_data.py``), then
drives the real TUI headless (Textual's pilot, 120x40) in a child process and prints:

- start → first rows: from opening the services to the attention queue (the home screen)
  showing its rows, then to the invoice list showing its first page;
- search as you type: each key of an invoice number, a customer's name and an amount, from
  the key to the list holding the answer (median and worst);
- filter change (``f``, each state in turn), jump to the end (``End``) and back (``Home``);
- one live-refresh cycle of the invoice list;
- the child's peak RSS;
- the same questions asked of the service layer alone ("db: …"): the database's share; the
  attention queue's sources one by one (a first window each: where a slow queue's time
  goes), and "overdue" where the settings' sellers' terms give the day of an invoice that
  states none.

Each on-screen figure runs from the key to the first paint after the tables last changed
(Textual's own rendering included, the pilot's waits for the process to go idle left out);
``--invoices 2000`` shows the floor on the machine at hand.

Targets (issue 19): first rows <= 300 ms, search and filter <= 100 ms, refresh <= 50 ms, RSS
<= 300 MB. Usage::

    .venv/bin/python benchmarks/tui_scale.py [--invoices N] [--engine sqlite|postgresql|both]
        [--keep DIR] [--pg-admin URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scale_data import ScaleData, fill_postgres, fill_sqlite  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_DATABASE = "facturier_tui_scale"


def write_config(folder: Path, url: str) -> Path:
    config = folder / "facturier.toml"
    config.write_text(f"""
[database]
url = "{url}"
[sender]
name = "ACME"
address = "factures@acme.example"
[smtp]
host = "127.0.0.1"
port = 2525
[imap]
source = "maildir"
maildir = "{folder / "bounces"}"
[archive]
path = "{folder / "archive"}"
[ingest]
store = "{folder / "invoices"}"
[ui]
language = "fr"
""")
    return config


async def build(engine: str, folder: Path, invoices: int, pg_admin: str) -> str:
    """The database URL, built unless ``folder`` holds one of that size already."""
    from daemon.store.db import create_engine, upgrade

    marker = folder / f"{engine}.built"
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'scale.db'}"
    else:
        server = pg_admin.rsplit("/", 1)[0]
        url = f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{PG_DATABASE}"
    if marker.exists() and marker.read_text() == str(invoices):
        return url
    started = time.perf_counter()
    if engine == "sqlite":
        (folder / "scale.db").unlink(missing_ok=True)
    else:
        import asyncpg  # type: ignore[import-untyped]

        admin = await asyncpg.connect(pg_admin)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            await admin.execute(f"CREATE DATABASE {PG_DATABASE}")
        finally:
            await admin.close()
    db = create_engine(url)
    await upgrade(db)
    await db.dispose()
    data = ScaleData(invoices)
    if engine == "sqlite":
        fill_sqlite(str(folder / "scale.db"), data)
    else:
        await fill_postgres(url.replace("postgresql+asyncpg://", "postgresql://"), data)
    marker.write_text(str(invoices))
    print(f"  built {invoices:,} invoices in {time.perf_counter() - started:.0f} s", flush=True)
    return url


# -- the child: the TUI, driven -------------------------------------------------------------


async def _answered(pilot: Any) -> None:
    """Until what the last key started (loaders, and what they post) is on screen."""
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


class _Clock:
    """When the tables last changed, and when the screen was painted after: the time an
    operator waits, without the pilot's own waits for the process to go idle."""

    def __init__(self) -> None:
        self.changed = 0.0
        self.painted: list[float] = []

    def install(self) -> None:
        from textual.screen import Screen

        from tui.paged import PagedTable

        clock = self
        for name in ("clear", "add_row", "move_cursor", "update_cell"):
            real = getattr(PagedTable, name)

            def changed(table: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
                clock.changed = time.perf_counter()
                return _real(table, *args, **kwargs)

            setattr(PagedTable, name, changed)
        paint = Screen._compositor_refresh

        def painted(screen: Any) -> Any:
            done = paint(screen)
            clock.painted.append(time.perf_counter())
            return done

        Screen._compositor_refresh = painted  # type: ignore[method-assign]

    def since(self, started: float) -> float:
        """From ``started`` to the first paint after the tables' last change (ms)."""
        if self.changed < started:
            raise AssertionError("the tables did not change")
        return (min(p for p in self.painted if p >= self.changed) - started) * 1000


CLOCK = _Clock()


async def _timed(action: Callable[[], Awaitable[None]], pilot: Any) -> float:
    started = time.perf_counter()
    await action()
    await _answered(pilot)
    return CLOCK.since(started)


async def measure(config: Path) -> dict[str, Any]:
    from config import load_settings
    from daemon.app.services import Facturier
    from tui.app import FacturierApp
    from tui.paged import PagedTable

    settings = load_settings(config)
    CLOCK.install()
    started = time.perf_counter()
    services = await Facturier.open(settings, migrate=False)
    app = FacturierApp(services, refresh_seconds=None)
    figures: dict[str, Any] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await _answered(pilot)
        queue = app.screen.query_one("#queue", PagedTable)
        figures["first queue rows ms"] = CLOCK.since(started)
        figures["queue items"] = len(getattr(app.screen, "items", []))
        figures["queue rows in the table"] = queue.row_count

        figures["first invoice rows ms"] = await _timed(lambda: pilot.press("i"), pilot)
        table = app.screen.query_one("#invoices", PagedTable)
        assert table.row_count > 0, "the invoice list shows nothing"
        sample = app.screen.rows[len(app.screen.rows) // 2]  # type: ignore[attr-defined]

        keys: list[tuple[float, str]] = []
        await pilot.press("slash")
        for needle in (sample.number, "client 00042", "1 234,50"):
            for at, ch in enumerate(needle):
                took = await _timed(lambda ch=ch: pilot.press(_key(ch)), pilot)
                keys.append((took, needle[: at + 1]))
            figures[f"rows for {needle!r}"] = table.row_count
            for at in range(len(needle)):
                took = await _timed(lambda: pilot.press("backspace"), pilot)
                keys.append((took, needle[: len(needle) - at - 1]))
        times = [t for t, _ in keys]
        figures["search key ms (median, worst)"] = (statistics.median(times), max(times))
        figures["slowest searches"] = ", ".join(
            f"{typed!r} {took:.0f}" for took, typed in sorted(keys, reverse=True)[:4]
        )
        await pilot.press("enter")  # back to the table

        filters = [await _timed(lambda: pilot.press("f"), pilot) for _ in range(9)]
        figures["filter change ms (median, worst)"] = (statistics.median(filters), max(filters))

        figures["jump to the end ms"] = await _timed(lambda: pilot.press("end"), pilot)
        figures["back to the newest ms"] = await _timed(lambda: pilot.press("home"), pilot)
        figures["page down at the last row ms"] = await _timed(
            lambda: pilot.press(*["pagedown"] * 4), pilot
        )
        refresh = []
        shown = app.screen.rows[0]  # type: ignore[attr-defined]
        for state in ("accepted", "delivered", "accepted", "delivered", "accepted"):
            await _set_state(services, shown.id, state)  # one cell to rewrite each time
            refresh.append(await _timed(lambda: _refresh(app), pilot))
        figures["live refresh ms (median, worst)"] = (statistics.median(refresh), max(refresh))
    figures.update(await service_answers(services, sample.number))
    await services.close()
    figures["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


async def service_answers(services: Any, number: str) -> dict[str, Any]:
    """The same questions asked of the service layer alone: the database's share of each
    answer, without Textual's rendering and the pilot's waits."""
    from datetime import date

    from config import SellerTerms
    from daemon.app import attention_money as money_items
    from daemon.app import attention_sources as sources
    from daemon.app.invoice_list import InvoiceFilter, InvoiceList
    from daemon.domain.states import InvoiceState

    listing = services.invoice_list  # the TUI's, with the settings' sellers' terms

    async def ms(question: Awaitable[Any]) -> float:
        started = time.perf_counter()
        await question
        return (time.perf_counter() - started) * 1000

    out: dict[str, Any] = {}
    out["db: attention queue, whole ms"] = await ms(services.attention.items())
    out["db: attention queue, first window ms"] = await ms(services.attention.items(newest=201))
    async with services.ctx.sessions() as session:  # its sources one by one, a window each
        settings = services.ctx.settings
        for name, question in (
            ("invoices", lambda: sources.invoices(session, 201)),
            ("long deferrals", lambda: sources.long_deferred(session, settings, 201)),
            ("inbound", lambda: sources.inbound(session, settings, 201)),
            ("no due day", lambda: sources.undated(session, settings, 201)),
            ("addresses", lambda: sources.addresses(session)),
            ("payments", lambda: money_items.payments(session)),
            ("overpaid", lambda: money_items.overpaid(session)),
            ("address answers", lambda: sources.address_answers(session)),
        ):
            out[f"db: queue source {name} ms"] = await ms(question())
    out["db: first page ms"] = await ms(listing.page(InvoiceFilter()))
    typed = [
        await ms(listing.page(InvoiceFilter(search=needle[:n])))
        for needle in (number, "client 00042", "1 234,50")
        for n in range(1, len(needle) + 1)
    ]
    out["db: search key ms (median, worst)"] = (statistics.median(typed), max(typed))
    wheres = [InvoiceFilter(state=s.value) for s in InvoiceState] + [
        InvoiceFilter(overdue_on=date.today()),
        InvoiceFilter(customer_id=42, overdue_on=date.today()),
        InvoiceFilter(issued_from=date(2025, 3, 1), issued_to=date(2025, 3, 31)),
    ]
    changes = [await ms(listing.page(w)) for w in wheres]
    out["db: filter change ms (median, worst)"] = (statistics.median(changes), max(changes))
    # "overdue" where the settings give the due day of an invoice stating none, a seller's
    # own entry before the default (the list's OR of the stated day and the terms' day)
    own = SellerTerms(seller="FR00000000001", country="FR", days_to_pay=45)
    reminders = services.ctx.settings.reminders.model_copy(
        update={"days_to_pay": 30, "sellers": [own]}
    )
    by_terms = InvoiceList(
        services.ctx.sessions, services.ctx.settings.model_copy(update={"reminders": reminders})
    )
    overdue = [
        await ms(by_terms.page(InvoiceFilter(overdue_on=date.today(), customer_id=c)))
        for c in (None, 42)
    ]
    out["db: overdue by sellers' terms ms (median, worst)"] = (
        statistics.median(overdue),
        max(overdue),
    )
    out["db: jump to the end ms"] = await ms(listing.page(InvoiceFilter(), oldest=True))
    page = await listing.page(InvoiceFilter())
    ids = [r.id for r in page.rows]

    async def refresh() -> None:
        await listing.rows(ids)
        await listing.newer_than(InvoiceFilter(), ids[0])

    out["db: live refresh ms"] = await ms(refresh())
    return out


async def _refresh(app: Any) -> None:
    app.action_refresh()


async def _set_state(services: Any, invoice_id: int, state: str) -> None:
    from sqlalchemy import update

    from daemon.domain.models import Invoice

    async with services.ctx.sessions() as session, session.begin():
        await session.exec(update(Invoice).where(Invoice.id == invoice_id).values(state=state))


def _key(ch: str) -> str:
    return {" ": "space", "-": "minus", ",": "comma", ".": "full_stop"}.get(ch, ch)


def child(config: Path) -> None:
    figures = asyncio.run(measure(config))
    print(json.dumps(figures))


# -- the parent ---------------------------------------------------------------------------


TARGETS = {
    "db: attention queue, first window ms": 300,
    "db: first page ms": 300,
    "db: search key ms (median, worst)": 100,
    "db: filter change ms (median, worst)": 100,
    "db: overdue by sellers' terms ms (median, worst)": 100,
    "db: jump to the end ms": 100,
    "db: live refresh ms": 50,
    "first queue rows ms": 300,
    "first invoice rows ms": 300,
    "search key ms (median, worst)": 100,
    "filter change ms (median, worst)": 100,
    "jump to the end ms": 100,
    "live refresh ms (median, worst)": 50,
    "peak RSS MB": 300,
}


def report(engine: str, figures: dict[str, Any]) -> None:
    print(f"\n{engine}")
    for name, value in figures.items():
        shown = (
            " / ".join(f"{v:.0f}" for v in value)
            if isinstance(value, list)
            else (f"{value:.0f}" if isinstance(value, float) else str(value))
        )
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            worst = max(value) if isinstance(value, list) else value
            verdict = f"  (target {target}: {'met' if worst <= target else 'NOT met'})"
        print(f"  {name:34} {shown}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", type=Path, help="build in (and reuse from) this folder")
    parser.add_argument("--pg-admin", default=PG_ADMIN)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.invoices < 1:
        parser.error("--invoices must be at least 1")
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    with tempfile.TemporaryDirectory(prefix="tui-scale-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for engine in engines:
            print(f"{engine}: {args.invoices:,} invoices", flush=True)
            url = asyncio.run(build(engine, folder, args.invoices, args.pg_admin))
            (folder / engine).mkdir(exist_ok=True)
            config = write_config(folder / engine, url)
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(config)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                print(done.stderr[-3000:])
                raise SystemExit(f"{engine}: the measuring child failed")
            report(engine, json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
