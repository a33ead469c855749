"""SIGKILL the daemon at random moments while it sends 500 invoices through real Postfix.

At the end every invoice reached the customer's Dovecot mailbox, exactly once unless its
delivery is marked "possible duplicate", and there are no more marks, nor extra copies,
than kills.
"""

from __future__ import annotations

import asyncio
import collections
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import load_settings
from daemon.app.demo_samples import invoice_series, sample_xml
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from tests.e2e.mailstack import MailStack
from tests.helpers import parse, wait_until_running, write_config

pytestmark = pytest.mark.e2e
INVOICES = 500
KILLS = 20
EXTRA = (
    "[schedule]\nsend_poll_seconds = 0.2\ningest_poll_seconds = 60\n"
    "[delivery]\nlease_seconds = 10\n"
)


def _config(tmp_path: Path, db_url: str, stack: MailStack) -> Path:
    config = write_config(tmp_path, db_url, stack.smtp_port)
    text = config.read_text().replace("[delivery]\nretry_base_seconds = 60\n", EXTRA)
    text = text.replace('address = "factures@acme.example"', 'address = "factures@acme.test"')
    text = text.replace('return_path = "bounces@acme.example"', 'return_path = "bounces@acme.test"')
    config.write_text(text.replace('sent_maildir = "mail/sent"', "append_sent = false"))
    return config


async def _prepare(config: Path, folder: Path) -> None:
    folder.mkdir()
    for inv in invoice_series("CS", INVOICES, first_net=10, digits=4):
        (folder / f"{inv.number}.xml").write_bytes(sample_xml(inv))
    app = await Facturier.open(load_settings(config))
    try:
        await app.customers.add(
            NewCustomer("Dupont", "invoices@customer.test", (), None, "C-1"), changed_by="t"
        )
        assert sum(r.ok for r in await app.ingest.import_paths([folder])) == INVOICES
    finally:
        await app.close()


async def _summary(config: Path) -> tuple[int, dict[str, bool]]:
    """(invoices accepted, {invoice number: possible duplicate})"""
    app = await Facturier.open(load_settings(config), migrate=False)
    try:
        rows = await app.queries.invoices()
        done = sum(r.state in ("accepted", "delivered") for r in rows)
        marks: dict[str, bool] = {}
        for r in rows:
            detail = await app.queries.invoice_detail(r.id)
            marks[r.number] = any(d[4] for d in detail.deliveries)
        return done, marks
    finally:
        await app.close()


def test_sigkill_twenty_times_loses_nothing(
    mailstack: MailStack, tmp_path: Path, db_url: str
) -> None:
    config = _config(tmp_path, db_url, mailstack)
    asyncio.run(_prepare(config, tmp_path / "bulk"))
    rng = random.Random(20261122)
    run = [sys.executable, "-m", "daemon", "-v", "--config", str(config), "run"]  # -v: "running"
    log = open(tmp_path / "daemon.log", "w")
    for _ in range(KILLS):
        proc = subprocess.Popen(run, stdout=subprocess.DEVNULL, stderr=log)
        time.sleep(rng.uniform(1.0, 2.5))  # start-up is about 1 s: kill while sending
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    log.flush()
    started_at = (tmp_path / "daemon.log").stat().st_size
    proc = subprocess.Popen(run, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and asyncio.run(_summary(config))[0] < INVOICES:
            time.sleep(2)
        # the killed runs may have sent everything already: stop this one only once it is up
        # (a SIGTERM before it has installed its handler is not a clean stop)
        wait_until_running(tmp_path / "daemon.log", started_at)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    done, marks = asyncio.run(_summary(config))
    assert done == INVOICES
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not mailstack.queue_is_empty():
        time.sleep(0.5)
    received = collections.Counter(
        parse(raw)["X-Facturier-Invoice"] for raw in mailstack.messages("invoices@customer.test")
    )
    assert set(received) == {f"CS-{i:04d}" for i in range(INVOICES)}  # none lost
    twice = {number for number, n in received.items() if n > 1}
    assert all(marks[number] for number in twice), twice - {n for n, m in marks.items() if m}
    # one send at a time per process: a kill cuts off at most one hand-off, so it can
    # cause at most one extra copy (a re-send can itself be cut off by a later kill)
    assert sum(n - 1 for n in received.values()) <= KILLS
    assert sum(marks.values()) <= KILLS
