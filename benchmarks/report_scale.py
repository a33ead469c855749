"""`facturier report` (and the TUI's figures) at scale, on SQLite and PostgreSQL.

Builds (or, with ``--keep DIR``, reuses) the scale database of ``benchmarks/tui_scale.py``
(``--invoices`` invoices over 10,000 customers, most delivered, 85 % of those paid), adds one
payment for each paid invoice (received 0 to 60 days after issue), then times the report over
everything, over the last 90 days, and over everything with sellers' payment terms set (an
invoice stating no due date due the day they give), best and median of ``--runs`` runs, and
prints the process's peak RSS. No target is set by the issue; the figure says what a report costs::

    .venv/bin/python benchmarks/report_scale.py [--invoices N] [--engine sqlite|postgresql|both]
        [--keep DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tui_scale import PG_ADMIN, build  # noqa: E402


async def add_payments(url: str) -> int:
    """One payment and its allocation for each paid invoice without one (deterministic)."""
    from sqlalchemy import text

    from daemon.store.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            known = (await conn.execute(text("SELECT count(*) FROM payments"))).scalar()
            if known:
                return int(known or 0)
            rows = (
                await conn.execute(
                    text(
                        "SELECT id, issue_date, total_with_tax FROM invoices "
                        "WHERE payment_state = 'paid' ORDER BY id"
                    )
                )
            ).all()
            rng = random.Random(11)
            payments, allocations = [], []
            for n, (invoice_id, issued, total) in enumerate(rows, start=1):
                day = issued if isinstance(issued, date) else date.fromisoformat(str(issued))
                payments.append(
                    {
                        "id": n,
                        "on": day + timedelta(days=rng.randrange(0, 61)),
                        "amount": total,
                        "key": f"bench:{n}",
                    }
                )
                allocations.append({"payment": n, "invoice": invoice_id, "amount": total})
            for at in range(0, len(payments), 20_000):
                await conn.execute(
                    text(
                        "INSERT INTO payments (id, received_on, amount, currency, source, "
                        "entry_key, status, recorded_by, recorded_at) VALUES (:id, :on, "
                        ":amount, 'EUR', 'bench', :key, 'applied', 'bench', CURRENT_TIMESTAMP)"
                    ),
                    payments[at : at + 20_000],
                )
                await conn.execute(
                    text(
                        "INSERT INTO payment_allocations (payment_id, invoice_id, amount, "
                        "matched_by) VALUES (:payment, :invoice, :amount, 'bench')"
                    ),
                    allocations[at : at + 20_000],
                )
            await conn.execute(
                text(
                    "UPDATE invoices SET amount_paid = total_with_tax WHERE payment_state = 'paid'"
                )
            )
            return len(payments)
    finally:
        await engine.dispose()


async def measure(url: str, runs: int) -> dict[str, list[float]]:
    from config import SellerTerms, Settings
    from daemon.app.report import Report
    from daemon.store.db import create_engine, session_factory

    engine = create_engine(url)
    sessions = session_factory(engine)
    report = Report(sessions)
    # the sellers' terms in the settings: the due day of an invoice stating none (a seller's
    # own entry, then the default) worked out in the database
    own = SellerTerms(seller="FR00000000001", country="FR", days_to_pay=45)
    defaults = Settings()
    terms = defaults.reminders.model_copy(update={"days_to_pay": 30, "sellers": [own]})
    by_terms = Report(sessions, settings=defaults.model_copy(update={"reminders": terms}))
    latest = date(2026, 12, 31)
    timings: dict[str, list[float]] = {"everything": [], "last 90 days": [], "by terms": []}
    try:
        for _ in range(runs):
            for name, start, which in (
                ("everything", None, report),
                ("last 90 days", latest - timedelta(days=90), report),
                ("by terms", None, by_terms),
            ):
                started = time.perf_counter()
                await which.build(start, None, today=latest)
                timings[name].append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--keep", type=Path, help="build in (and reuse from) this folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-admin", default=PG_ADMIN)
    args = parser.parse_args()
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    with tempfile.TemporaryDirectory(prefix="report-scale-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for engine in engines:
            url = asyncio.run(build(engine, folder, args.invoices, args.pg_admin))
            paid = asyncio.run(add_payments(url))
            timings = asyncio.run(measure(url, args.runs))
            print(f"{engine}: {args.invoices:,} invoices, {paid:,} payments")
            for name, values in timings.items():
                print(
                    f"  report over {name:13} best {min(values):7.0f} ms, "
                    f"median {statistics.median(values):7.0f} ms"
                )
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  peak RSS so far {rss:.0f} MB")


if __name__ == "__main__":
    main()
