"""The send path's plain-statement transactions, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import func, select

from daemon.app.services import Facturier
from daemon.domain.models import Delivery, DeliveryEvent
from daemon.domain.states import DeliveryState, Transition
from daemon.intake.customers import NewCustomer
from daemon.store.statements import HeldConnection, run_transaction
from daemon.store.transitions import LeaseEnd, Statements, record_lease_ends
from tests.helpers import invoice_file


async def _two_leased_deliveries(app: Facturier, tmp_path: Path) -> list[Delivery]:
    await app.customers.add(
        NewCustomer("Dupont", "factures@dupont.example", (), None, "C-1", "fr"), changed_by="t"
    )
    files = [invoice_file(tmp_path / "in", f"FA-{n}") for n in (1, 2)]
    assert all(r.ok for r in await app.ingest.import_paths(files))
    worker = app.worker()
    ids = await worker.claim(2)
    return [d for d, _, _ in await worker.batches.load(ids)]


def _accepted(delivery: Delivery) -> LeaseEnd:
    assert delivery.id is not None
    transition = Transition(
        delivery.id, "sending", "accepted", "accepted", smtp_code=250, text="queued as 1"
    )
    return LeaseEnd(transition, delivery.invoice_id, {"next_attempt_at": None})


async def _events(app: Facturier) -> int:
    async with app.ctx.sessions() as session:
        return (await session.exec(select(func.count()).select_from(DeliveryEvent))).one()


async def test_an_outcome_and_the_next_hand_off_are_written_together(
    app: Facturier, tmp_path: Path
) -> None:
    first, second = await _two_leased_deliveries(app, tmp_path)
    await run_transaction(app.ctx.engine, record_lease_ends([_accepted(first)], second.id))
    async with app.ctx.sessions() as session:
        done = await session.get(Delivery, first.id)
        marked = await session.get(Delivery, second.id)
    assert done is not None and marked is not None
    assert (done.state, done.last_code, done.lease_owner) == ("accepted", 250, None)
    assert marked.state == DeliveryState.SENDING.value and marked.handoff_at is not None
    states = {r.number: r.state for r in await app.queries.invoices()}
    assert states["FA-1"] == "accepted" and states["FA-2"] != "accepted"


async def test_a_failing_statement_leaves_nothing_half_written(
    app: Facturier, tmp_path: Path
) -> None:
    first, second = await _two_leased_deliveries(app, tmp_path)
    before = await _events(app)

    def failing() -> Statements:  # the event row and the delivery's move, then trouble
        real = record_lease_ends([_accepted(first)], second.id)
        rows = yield next(real)
        yield real.send(rows)
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        await run_transaction(app.ctx.engine, failing())
    assert await _events(app) == before
    async with app.ctx.sessions() as session:
        untouched = await session.get(Delivery, first.id)
    assert untouched is not None and untouched.state == DeliveryState.SENDING.value


async def test_a_held_connection_serves_a_run_of_transactions_and_is_replaced_after_a_failure(
    app: Facturier, tmp_path: Path
) -> None:
    """A sending lane's marks go through one connection, not a pool checkout (and on
    PostgreSQL a ping) each; a failed one is rolled back and the next takes another."""
    first, second = await _two_leased_deliveries(app, tmp_path)
    before = await _events(app)
    checkouts: list[int] = []
    event.listen(app.ctx.engine.sync_engine, "checkout", lambda *a: checkouts.append(1))
    held = HeldConnection(app.ctx.engine)

    def failing() -> Statements:
        real = record_lease_ends([_accepted(first)], None)
        rows = yield next(real)
        yield real.send(rows)
        raise RuntimeError("the database went away")

    try:
        await held.run(record_lease_ends([], first.id))
        await held.run(record_lease_ends([], second.id))
        assert len(checkouts) == 1
        with pytest.raises(RuntimeError):
            await held.run(failing())
        assert await _events(app) == before  # nothing of the failure (marks add no event)
        await held.run(record_lease_ends([_accepted(first)], None))
        # the failed one gave its connection back: counting the one that counted events
        assert len(checkouts) == 3
    finally:
        await held.release()
    async with app.ctx.sessions() as session:
        done = await session.get(Delivery, first.id)
        marked = await session.get(Delivery, second.id)
    assert done is not None and done.state == "accepted"
    assert marked is not None and marked.handoff_at is not None
