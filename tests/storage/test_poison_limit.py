"""A delivery that always hits an unexpected error is held for a person after the poison
limit, never claimed forever, and the other deliveries still go out (both databases)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from config import load_settings
from daemon.app.services import Facturier
from daemon.domain.models import Delivery, Invoice, utcnow
from daemon.intake.customers import NewCustomer
from mailer.compose import Composer
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, write_config


@pytest.fixture
async def app(tmp_path: Path, db_url: str, sandbox: SandboxServer) -> AsyncIterator[Facturier]:
    # composing in the daemon's own thread, so that a broken composer can be put in
    config = write_config(tmp_path, db_url, sandbox.port, extra="compose_processes = 0")
    facturier = await Facturier.open(load_settings(config))
    try:
        yield facturier
    finally:
        await facturier.close()


async def _set(app: Facturier, number: str, table: type, **values: str) -> None:
    """Change an invoice's rows as they may stand from before the input was checked."""
    async with app.ctx.sessions() as session, session.begin():
        [invoice_id] = (
            await session.exec(select(Invoice.id).where(Invoice.number == number))
        ).all()
        column = Delivery.invoice_id if table is Delivery else Invoice.id
        await session.exec(
            update(table).where(column == invoice_id).values(**values)  # type: ignore[arg-type]
        )


async def _rewind(app: Facturier) -> None:
    """Let the back-off pass, as if the retry time had come."""
    async with app.ctx.sessions() as session, session.begin():
        await session.exec(
            update(Delivery)  # type: ignore[arg-type]
            .where(Delivery.state == "deferred")  # type: ignore[arg-type]
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


async def test_held_after_three_unexpected_errors_while_the_others_go_out(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await app.customers.add(
        NewCustomer("Dupont", "factures@dupont.example", (), None, "C-1", "fr"), changed_by="t"
    )
    files = [invoice_file(tmp_path / "in", n) for n in ("FA-GOOD", "FA-BAD", "FA-LATER")]
    assert all(r.ok for r in await app.ingest.import_paths(files[:2]))
    compose = Composer.compose_for_wire

    def broken(self: Composer, spec, **kw):  # type: ignore[no-untyped-def]
        if spec.context.get("number") == "FA-BAD":
            raise RuntimeError("template engine on fire")
        return compose(self, spec, **kw)

    monkeypatch.setattr(Composer, "compose_for_wire", broken)
    states = []
    for attempt in range(1, 4):
        if attempt == 2:  # another invoice arrives while the bad one is being retried
            assert all(r.ok for r in await app.ingest.import_paths(files[2:]))
        outcomes = await app.send_due()
        states.append(sorted(o.state for o in outcomes))
        await _rewind(app)
    assert states == [["accepted", "deferred"], ["accepted", "deferred"], ["held"]]
    assert await app.send_due() == []  # never claimed again

    shown = {r.number: r.state for r in await app.queries.invoices()}
    assert shown == {"FA-GOOD": "accepted", "FA-LATER": "accepted", "FA-BAD": "attention"}
    [bad] = [r for r in await app.queries.invoices() if r.number == "FA-BAD"]
    events = (await app.queries.invoice_detail(bad.id)).events
    errors = [e for e in events if e.event == "error"]
    assert len(errors) == 3
    assert errors[-1].state == "held" and "set aside after 3 unexpected errors" in errors[-1].text
    assert "RuntimeError: template engine on fire" in errors[-1].text
    assert len(sandbox.received("factures@dupont.example")) == 2  # the bad one never left


@pytest.mark.parametrize(
    ("table", "values", "expected"),
    [
        # an internationalised domain goes out in its ASCII form
        (Delivery, {"recipient": "jean@bücher.example"}, ("accepted", "")),
        # a local part that is not ASCII would need SMTPUTF8: refused with the reason
        (Delivery, {"recipient": "jéan@dupont.example"}, ("failed", "SMTPUTF8")),
        # a file name with a line break would inject a header: refused with the reason
        (Invoice, {"file_name": "FA-X\r\nBcc: spy@evil.example.pdf"}, ("failed", "line break")),
    ],
)
async def test_rows_the_relay_cannot_take_end_at_once(
    app: Facturier,
    sandbox: SandboxServer,
    tmp_path: Path,
    table: type,
    values: dict[str, str],
    expected: tuple[str, str],
) -> None:
    await app.customers.add(
        NewCustomer("Dupont", "factures@dupont.example", (), None, "C-1", "fr"), changed_by="t"
    )
    assert all(r.ok for r in await app.ingest.import_paths([invoice_file(tmp_path, "FA-X")]))
    await _set(app, "FA-X", table, **values)
    [outcome] = await app.send_due()
    assert (outcome.state, expected[1] in outcome.detail) == (expected[0], True), outcome
    assert await app.send_due() == []
    if outcome.state == "accepted":
        assert len(sandbox.received("jean@xn--bcher-kva.example")) == 1
