"""Relay limits on SQLite and PostgreSQL: connections, recipients per day, slowing down."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_settings
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, write_config


async def _open(tmp_path: Path, db_url: str, sandbox: SandboxServer, smtp: str) -> Facturier:
    config = write_config(tmp_path, db_url, sandbox.port)
    config.write_text(config.read_text().replace("[smtp]\n", f"[smtp]\n{smtp}\n"))
    return await Facturier.open(load_settings(config))


async def _queue(app: Facturier, tmp_path: Path, address: str, count: int) -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", address, (), None, "C-1", "fr"), changed_by="test"
    )
    files = [invoice_file(tmp_path / "in", f"FA-{i}") for i in range(count)]
    assert all(r.ok for r in await app.ingest.import_paths(files))


async def test_too_many_reply_pauses_the_sender(
    tmp_path: Path, db_url: str, sandbox: SandboxServer
) -> None:
    app = await _open(tmp_path, db_url, sandbox, "slow_down_seconds = 600")
    try:
        await _queue(app, tmp_path, "factures@throttled.example", 3)
        outcomes = await app.send_due()
        # the first attempt meets "421 Too many"; the other two are given back unsent
        assert [o.state for o in outcomes] == ["deferred"] * 3
        assert "421" in outcomes[0].detail
        assert all("relay paced: not sent" in o.detail for o in outcomes[1:])
        rows = await app.queries.invoices()
        detail = await app.queries.invoice_detail(rows[0].id)
        assert detail is not None
        worker = app.worker()
        try:
            assert await worker.claim(10) == []  # nothing is due during the pause
        finally:
            await worker.close()
    finally:
        await app.close()


async def test_recipients_per_day_quota_holds_the_rest(
    tmp_path: Path, db_url: str, sandbox: SandboxServer
) -> None:
    app = await _open(tmp_path, db_url, sandbox, "max_recipients_per_day = 2")
    try:
        await _queue(app, tmp_path, "factures@dupont.example", 4)
        outcomes = await app.send_due()
        assert [o.state for o in outcomes] == ["accepted", "accepted"]
        assert len(sandbox.received("factures@dupont.example")) == 2
        states = sorted(r.state for r in await app.queries.invoices())
        assert states == ["accepted", "accepted", "queued", "queued"]
    finally:
        await app.close()


async def test_the_daily_quota_holds_across_claimed_batches(
    tmp_path: Path, db_url: str, sandbox: SandboxServer
) -> None:
    # batches of 3 against a quota of 5: the second batch is cut to 2, then nothing more
    app = await _open(tmp_path, db_url, sandbox, "max_recipients_per_day = 5")
    config = tmp_path / "facturier.toml"
    config.write_text(config.read_text().replace("[delivery]\n", "[delivery]\nclaim_batch = 3\n"))
    await app.close()
    app = await Facturier.open(load_settings(config))
    try:
        assert app.ctx.settings.delivery.claim_batch == 3
        await _queue(app, tmp_path, "factures@dupont.example", 8)
        outcomes = await app.send_due()
        assert [o.state for o in outcomes] == ["accepted"] * 5
        assert len(sandbox.received("factures@dupont.example")) == 5
        states = sorted(r.state for r in await app.queries.invoices())
        assert states == ["accepted"] * 5 + ["queued"] * 3
    finally:
        await app.close()


@pytest.mark.parametrize("connections", [3, 6])  # 6: more lanes than keep a connection
async def test_messages_in_flight_never_exceed_the_connection_limit(
    tmp_path: Path, db_url: str, sandbox: SandboxServer, connections: int
) -> None:
    sandbox.handler.data_delay = 0.2
    app = await _open(tmp_path, db_url, sandbox, f"max_connections = {connections}")
    try:
        await _queue(app, tmp_path, "factures@dupont.example", 7)
        outcomes = await app.send_due()
        assert [o.state for o in outcomes] == ["accepted"] * 7
        assert sandbox.handler.peak_in_flight == connections
        assert len(sandbox.received("factures@dupont.example")) == 7
    finally:
        await app.close()


async def test_one_delivery_error_does_not_stop_the_others(
    tmp_path: Path, db_url: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await _open(tmp_path, db_url, sandbox, "max_connections = 2")
    try:
        await _queue(app, tmp_path, "factures@dupont.example", 3)
        worker = app.worker()
        order = worker.batches.order
        broken: list[int] = []

        async def broken_for_one(delivery, invoice, customer, **kw):  # type: ignore[no-untyped-def]
            if not broken or delivery.id == broken[0]:
                broken.append(delivery.id)
                raise RuntimeError("disk on fire")
            return await order(delivery, invoice, customer, **kw)

        monkeypatch.setattr(worker.batches, "order", broken_for_one)
        try:
            outcomes = await worker.run_once()
        finally:
            await worker.close()
        assert sorted(o.state for o in outcomes) == ["accepted", "accepted", "deferred"]
        assert len(sandbox.received("factures@dupont.example")) == 2
        # the one that failed is deferred with the error, to be tried again after a back-off
        [failed] = [o for o in outcomes if o.delivery_id == broken[0]]
        assert "RuntimeError: disk on fire" in failed.detail
        assert sorted(r.state for r in await app.queries.invoices()) == [
            "accepted",
            "accepted",
            "deferred",
        ]
    finally:
        await app.close()
