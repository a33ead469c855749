"""Three daemons on one PostgreSQL database: every invoice accepted exactly once."""

from __future__ import annotations

import asyncio
import collections
import mailbox
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import load_settings
from daemon.app.demo_samples import invoice_series, sample_xml
from daemon.app.jobs import run_once_per_slot
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from daemon.outbound.proof import verify_archive
from mailer.demo_relay import SandboxServer
from tests.helpers import wait_until_running, write_config

pytestmark = pytest.mark.postgres
INVOICES = 2000
SCHEDULE = "[schedule]\nsend_poll_seconds = 0.2\ningest_poll_seconds = 60\n"


async def _prepare(config: Path, folder: Path) -> None:
    folder.mkdir()
    for inv in invoice_series("MI", INVOICES):
        (folder / f"{inv.number}.xml").write_bytes(sample_xml(inv))
    app = await Facturier.open(load_settings(config))
    try:
        await app.customers.add(
            NewCustomer("Dupont", "factures@dupont.example", (), None, "C-1"), changed_by="t"
        )
        results = await app.ingest.import_paths([folder])
        assert sum(r.ok for r in results) == INVOICES
    finally:
        await app.close()


async def _accepted(config: Path) -> int:
    app = await Facturier.open(load_settings(config), migrate=False)
    try:
        rows = await app.queries.invoices()
        return sum(r.state in ("accepted", "delivered") for r in rows)
    finally:
        await app.close()


def test_three_instances_send_each_invoice_exactly_once(
    pg_url: str, tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = write_config(tmp_path, pg_url, sandbox.port, extra=SCHEDULE)
    asyncio.run(_prepare(config, tmp_path / "bulk"))
    daemons = [
        subprocess.Popen(
            [sys.executable, "-m", "daemon", "-v", "--config", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"d{i}.log", "w"),
        )
        for i in range(3)
    ]
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline and asyncio.run(_accepted(config)) < INVOICES:
            time.sleep(2)
        for i, d in enumerate(daemons):
            wait_until_running(tmp_path / f"d{i}.log")
            d.send_signal(signal.SIGTERM)
        assert [d.wait(timeout=60) for d in daemons] == [0, 0, 0]
    finally:
        for d in daemons:
            if d.poll() is None:
                d.kill()
    box = mailbox.Maildir(tmp_path / "mail" / "customers" / "dupont.example" / "factures")
    received = collections.Counter(
        box.get_message(key)["X-Facturier-Invoice"] for key in box.iterkeys()
    )
    assert len(received) == INVOICES
    assert set(received.values()) == {1}, received.most_common(3)
    # the three instances shared the sending
    logs = [(tmp_path / f"d{i}.log").read_text() for i in range(3)]
    assert all("Traceback" not in log for log in logs), logs

    async def chain() -> tuple[int, list[object]]:
        app = await Facturier.open(load_settings(config), migrate=False)
        try:
            count, problems = await verify_archive(app.ctx.sessions, app.ctx.archive)
            return count, list(problems)
        finally:
            await app.close()

    assert asyncio.run(chain()) == (INVOICES, [])


async def test_a_scheduled_job_runs_once_per_slot_across_instances(
    pg_url: str, tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = write_config(tmp_path, pg_url, sandbox.port)
    apps = [await Facturier.open(load_settings(config)) for _ in range(3)]
    runs: list[str] = []

    async def job(name: str) -> str:
        runs.append(name)
        return name

    try:
        results = await asyncio.gather(
            *(
                run_once_per_slot(
                    app.ctx.sessions, "reminders", "2026-11-22", f"i{n}", lambda n=n: job(f"i{n}")
                )
                for n, app in enumerate(apps)
            )
        )
        assert len(runs) == 1 and sorted(map(str, results)).count("None") == 2
        again = await run_once_per_slot(
            apps[0].ctx.sessions, "reminders", "2026-11-23", "i0", lambda: job("next day")
        )
        assert again == "next day"
    finally:
        for app in apps:
            await app.close()
