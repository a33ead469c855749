"""On PostgreSQL a hand-off mark with the outcomes before it is one statement: it must write
exactly what the statement-by-statement transaction writes (SQLite keeps that one)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from config import load_settings
from daemon.app.services import Facturier
from daemon.domain.models import Delivery, DeliveryEvent, DeliveryKind, Invoice, utcnow
from daemon.domain.states import DeliveryState, InvoiceState
from daemon.store.statements import HeldConnection, run_transaction
from daemon.store.transitions import (
    LeaseEnd,
    Transition,
    lease_ends_statement,
    record_lease_ends,
)
from tests.helpers import write_config

pytestmark = pytest.mark.postgres

_ENDINGS = [
    ("accepted", DeliveryState.ACCEPTED, 250),
    ("failed", DeliveryState.FAILED, 550),
    ("deferred", DeliveryState.DEFERRED, 451),
    ("expired", DeliveryState.EXPIRED, 421),
    ("refused", DeliveryState.FAILED, None),
]


@pytest.fixture
async def pg_app(tmp_path: Path, pg_url: str) -> AsyncIterator[Facturier]:
    app = await Facturier.open(load_settings(write_config(tmp_path, pg_url)))
    try:
        yield app
    finally:
        await app.close()


def _invoice(state: str) -> Invoice:
    unique = uuid.uuid4().hex
    return Invoice(
        number=f"FA-{unique[:8]}",
        issue_date=date(2026, 11, 1),
        total_with_tax=Decimal(100),
        amount_due=Decimal(100),
        seller_name="ACME",
        buyer_name="Dupont",
        format="factur-x",
        file_name=f"{unique}.pdf",
        file_sha256=unique * 2,
        file_size=1,
        stored_path=f"{unique}.pdf",
        state=state,
    )


def _delivery(invoice_id: int, recipient: str, kind: str, state: str) -> Delivery:
    unique = uuid.uuid4().hex
    return Delivery(
        invoice_id=invoice_id,
        recipient=recipient,
        kind=kind,
        message_id=f"<{unique}@acme.example>",
        token=unique,
        state=state,
        lease_owner="me" if state == DeliveryState.SENDING.value else None,
        lease_expires_at=utcnow() + timedelta(minutes=5),
    )


Plan = list[tuple[str, list[tuple[str, str, str]]]]
"""Invoices as (state, deliveries as (recipient, kind, state)), in creation order."""


def _plan(rng: random.Random) -> Plan:
    invoice_states = [s.value for s in InvoiceState]
    delivery_states = [s.value for s in DeliveryState]
    plan: Plan = []
    for _ in range(rng.randint(1, 2)):
        deliveries = []
        for r in range(rng.randint(1, 3)):
            for _ in range(rng.randint(1, 2)):  # a re-send to the same address: latest wins
                deliveries.append(
                    (
                        f"r{r}@dupont.example",
                        DeliveryKind.INVOICE.value,
                        rng.choice(delivery_states),
                    )
                )
        for kind in (DeliveryKind.COPY.value, DeliveryKind.REMINDER.value):
            if rng.random() < 0.5:  # never counted in the invoice's state
                deliveries.append(("c@dupont.example", kind, rng.choice(delivery_states)))
        rng.shuffle(deliveries)
        plan.append((rng.choice(invoice_states), deliveries))
    return plan


async def _create(app: Facturier, plan: Plan) -> tuple[list[int], list[Delivery]]:
    async with app.ctx.sessions() as session, session.begin():
        invoices = [_invoice(state) for state, _ in plan]
        session.add_all(invoices)
        await session.flush()
        deliveries = []
        for invoice, (_, rows) in zip(invoices, plan, strict=True):
            assert invoice.id is not None
            for recipient, kind, state in rows:
                deliveries.append(_delivery(invoice.id, recipient, kind, state))
                session.add(deliveries[-1])
                await session.flush()  # ids in creation order
    return [i.id for i in invoices if i.id is not None], deliveries


def _ends(rng: random.Random, picks: list[int], deliveries: list[Delivery]) -> list[LeaseEnd]:
    ends = []
    for n in picks:
        d = deliveries[n]
        assert d.id is not None
        event, state, code = rng.choice(_ENDINGS)
        transition = Transition(  # a lease ends from "sending", whatever the row says
            d.id, "sending", event, state.value, smtp_code=code, text=f"{event} {rng.random()}"
        )
        later = utcnow() + timedelta(minutes=rng.randint(1, 60))
        values: dict[str, Any] = {"next_attempt_at": later if event == "deferred" else None}
        ends.append(LeaseEnd(transition, d.invoice_id, values))
    return ends


async def _written(app: Facturier, invoice_ids: list[int]) -> Any:
    """What a user sees of these invoices: their states, each delivery's columns and events
    (times as set or not: the two runs happen at different moments)."""
    async with app.ctx.sessions() as session:
        invoices = (
            await session.exec(
                select(Invoice.state)
                .where(col(Invoice.id).in_(invoice_ids))
                .order_by(col(Invoice.id))
            )
        ).all()
        deliveries = (
            await session.exec(
                select(Delivery)
                .where(col(Delivery.invoice_id).in_(invoice_ids))
                .order_by(col(Delivery.id))
            )
        ).all()
        rows = []
        for d in deliveries:
            events = (
                await session.exec(
                    select(DeliveryEvent)
                    .where(DeliveryEvent.delivery_id == d.id)
                    .order_by(col(DeliveryEvent.id))
                )
            ).all()
            rows.append(
                (
                    d.state,
                    d.lease_owner,
                    d.lease_expires_at is None,
                    d.next_attempt_at is None,
                    d.handoff_at is None,
                    d.last_code,
                    d.last_status,
                    d.last_text,
                    [(e.event, e.state_from, e.state_to, e.smtp_code, e.text) for e in events],
                )
            )
    return list(invoices), rows


async def test_one_statement_writes_what_the_statements_one_by_one_write(
    pg_app: Facturier,
) -> None:
    rng = random.Random(20261201)
    changed_invoices = 0
    for _ in range(120):
        plan = _plan(rng)
        count = sum(len(rows) for _, rows in plan)
        picks = rng.sample(range(count), rng.randint(1, min(3, count)))
        rest = [n for n in range(count) if n not in picks]
        hand_off = rng.choice(rest) if rest and rng.random() < 0.8 else None
        seed = rng.random()
        results = []
        for way in ("one by one", "together"):
            invoice_ids, deliveries = await _create(pg_app, plan)
            before = await _written(pg_app, invoice_ids)
            ends = _ends(random.Random(seed), picks, deliveries)
            marked = None if hand_off is None else deliveries[hand_off].id
            if way == "together":
                await run_transaction(pg_app.ctx.engine, lease_ends_statement(ends, marked))
            else:
                await run_transaction(pg_app.ctx.engine, record_lease_ends(ends, marked))
            after = await _written(pg_app, invoice_ids)
            results.append(after)
            assert after != before
        assert results[0] == results[1], plan
        changed_invoices += results[0][0] != before[0]
    assert changed_invoices > 20  # the invoice-state rule was exercised, not just skipped


async def test_a_hand_off_mark_alone_is_one_statement_on_a_held_connection(
    pg_app: Facturier,
) -> None:
    invoice_ids, deliveries = await _create(
        pg_app, [("sending", [("a@dupont.example", "invoice", "sending")] * 2)]
    )
    first, second = (d.id for d in deliveries)
    assert first is not None and second is not None
    held = HeldConnection(pg_app.ctx.engine)
    try:
        await held.run(lease_ends_statement([], first))
        done = Transition(first, "sending", "accepted", "accepted", smtp_code=250, text="ok")
        await held.run(lease_ends_statement([LeaseEnd(done, invoice_ids[0], {})], second))
    finally:
        await held.release()
    states, rows = await _written(pg_app, invoice_ids)
    # the latest delivery to the address is still sending: so is the invoice
    assert states == ["sending"]
    assert rows[0][0] == "accepted" and rows[0][4] is True  # hand-off mark given up
    assert rows[1][0] == "sending" and rows[1][4] is False  # marked handed to the relay
