"""Deliveries: who gets which invoice, and the state machine every delivery goes through.

queued → sending → accepted | deferred | failed; deferred → sending again, or expired;
accepted → delivered | bounced when a report comes back. Every transition is an event row.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import ValidationError
from daemon.domain.event_words import event_text
from daemon.domain.i18n import _
from daemon.domain.labels import state_label
from daemon.domain.models import (
    AddressRole,
    Channel,
    Customer,
    CustomerAddress,
    Delivery,
    DeliveryEvent,
    DeliveryKind,
    Invoice,
    utcnow,
)
from daemon.domain.states import (
    ABOUT_THE_RECORD,
    DeliveryState,
    EventKind,
    InvoiceState,
    check_transition,
    invoice_state,
)
from daemon.store.db import SessionFactory, transaction
from daemon.store.rows import take_row

log = logging.getLogger(__name__)


def new_message_id(domain: str) -> tuple[str, str]:
    token = uuid.uuid4().hex + secrets.token_hex(4)
    return f"<{token}@{domain}>", token


def sender_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


async def record(
    session: AsyncSession,
    delivery: Delivery,
    event: EventKind,
    *,
    state: DeliveryState | None = None,
    smtp_code: int | None = None,
    status: str | None = None,
    text: str | None = None,
    inbound_message_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Append an event to a delivery, moving it to ``state`` when given (a move that the
    state machine does not allow is refused)."""
    assert delivery.id is not None
    now = at or utcnow()
    previous = delivery.state
    check_transition(event, previous, state.value if state else previous)
    session.add(
        DeliveryEvent(
            delivery_id=delivery.id,
            at=now,
            event=event.value,
            state_from=previous,
            state_to=state.value if state else previous,
            smtp_code=smtp_code,
            status=status,
            text=text,
            inbound_message_id=inbound_message_id,
        )
    )
    if event in ABOUT_THE_RECORD:
        return
    if state is not None:
        delivery.state = state.value
    if smtp_code is not None or status is not None or text is not None:
        delivery.last_code, delivery.last_status, delivery.last_text = smtp_code, status, text
    delivery.updated_at = now
    session.add(delivery)


async def queue_delivery(
    session: AsyncSession,
    *,
    invoice_id: int,
    address_id: int | None,
    recipient: str,
    kind: DeliveryKind,
    sender_address: str,
    event: EventKind = EventKind.QUEUED,
    text: str | None = None,
    reminder_level: int = 0,
    not_before: datetime | None = None,
) -> Delivery:
    """A new delivery with its own Message-ID and token, and its first event: queued and due
    now, or, with ``not_before``, deferred until then (a retry after a soft bounce)."""
    message_id, token = new_message_id(sender_domain(sender_address))
    state = DeliveryState.QUEUED if not_before is None else DeliveryState.DEFERRED
    delivery = Delivery(
        invoice_id=invoice_id,
        address_id=address_id,
        recipient=recipient,
        kind=kind.value,
        reminder_level=reminder_level,
        message_id=message_id,
        token=token,
        state=state.value,
        next_attempt_at=not_before or utcnow(),
    )
    session.add(delivery)
    await session.flush()
    await record(session, delivery, event, state=state, text=text)
    return delivery


async def refresh_invoice_state(
    session: AsyncSession, invoice_id: int, attention: bool = False
) -> str:
    invoice = await session.get(Invoice, invoice_id)
    assert invoice is not None
    if attention:
        invoice.state = InvoiceState.ATTENTION.value
        session.add(invoice)
        return invoice.state
    rows = (
        await session.exec(
            select(Delivery.recipient, Delivery.state)
            .where(Delivery.invoice_id == invoice_id, Delivery.kind == DeliveryKind.INVOICE.value)
            .order_by(col(Delivery.id))
        )
    ).all()
    invoice.state = invoice_state([(r, s) for r, s in rows], invoice.state)
    session.add(invoice)
    return invoice.state


async def plan_invoice_deliveries(
    session: AsyncSession, invoice: Invoice, sender_address: str
) -> list[Delivery]:
    """Queue the invoice to the customer's central address and copies, once per address;
    nothing when it has been planned already (a delivery cancelled before it went aside).
    A customer on paper gets none: the invoice waits to be posted (``outbound/paper.py``)."""
    assert invoice.id is not None
    if invoice.customer_id is None:
        invoice.state = InvoiceState.NEEDS_ADDRESS.value
        session.add(invoice)
        return []
    existing = (
        await session.exec(
            select(Delivery.recipient, Delivery.kind).where(
                Delivery.invoice_id == invoice.id,
                col(Delivery.kind).in_([DeliveryKind.INVOICE.value, DeliveryKind.COPY.value]),
                # cancelled before it went (held for a person, who now sends it; stopped at an
                # address known to bounce): not sent
                Delivery.state != DeliveryState.CANCELLED.value,
            )
        )
    ).all()
    if any(kind == DeliveryKind.INVOICE.value for _recipient, kind in existing):
        return []
    channel = (
        await session.exec(select(Customer.channel).where(Customer.id == invoice.customer_id))
    ).first()
    if channel == Channel.PAPER.value:
        invoice.state = InvoiceState.TO_POST.value
        session.add(invoice)
        return []
    addresses = (
        await session.exec(
            select(CustomerAddress)
            .where(
                CustomerAddress.customer_id == invoice.customer_id,
                col(CustomerAddress.active).is_(True),
            )
            .order_by(col(CustomerAddress.central_mailbox).desc(), col(CustomerAddress.id))
        )
    ).all()
    primary = [a for a in addresses if a.role == AddressRole.INVOICE_TO]
    if not primary:
        invoice.state = InvoiceState.NEEDS_ADDRESS.value
        session.add(invoice)
        return []
    if all(a.undeliverable for a in primary):
        invoice.state = InvoiceState.ATTENTION.value
        session.add(invoice)
        log.info(  # the import's report and the attention queue say it to the operator
            "invoice %s: every invoice address of the customer is undeliverable", invoice.number
        )
        return []
    planned: list[Delivery] = []
    copied = {recipient for recipient, _kind in existing}  # its copies that went already
    seen: set[str] = set()
    for address in [a for a in primary if not a.undeliverable][:1] + [
        a for a in addresses if a.role == AddressRole.COPY and not a.undeliverable
    ]:
        if address.email in seen or (address.role == AddressRole.COPY and address.email in copied):
            continue  # the same address in two roles gets one message, a copy goes once
        seen.add(address.email)
        kind = DeliveryKind.INVOICE if address.role == AddressRole.INVOICE_TO else DeliveryKind.COPY
        planned.append(
            await queue_delivery(
                session,
                invoice_id=invoice.id,
                address_id=address.id,
                recipient=address.email,
                kind=kind,
                sender_address=sender_address,
            )
        )
    invoice.state = InvoiceState.QUEUED.value
    session.add(invoice)
    return planned


async def queue_waiting_invoices(
    sessions: SessionFactory, customer_id: int | None, sender_address: str = "billing@localhost"
) -> int:
    """Queue the customer's invoices that were waiting for an invoice address, or for one
    that works (every address was known to bounce when they came: those never planned)."""
    if customer_id is None:
        return 0
    async with transaction(sessions) as session:
        waiting = await waiting_for_an_address(session, customer_id)
        count = 0
        for invoice in waiting:
            count += bool(await plan_invoice_deliveries(session, invoice, sender_address))
    return count


async def request_resend(
    sessions: SessionFactory,
    invoice_id: int,
    recipient: str,
    *,
    requested_by: str,
    reason: str,
    sender_address: str,
) -> Delivery:
    """An operator's explicit re-send: a new delivery, recorded with who asked and why.
    Refused while a message of the invoice to ``recipient`` is still on its way (queued,
    being sent, or deferred): it would arrive twice (two people resending at once, or a
    re-send of a greylisted message)."""
    async with transaction(sessions) as session:
        # the invoice's row first: of two re-sends at once, the second waits here and then
        # sees the first's delivery
        await take_row(session, Invoice, invoice_id)
        invoice = await session.get(Invoice, invoice_id)
        assert invoice is not None
        on_its_way = (
            await session.exec(
                select(Delivery).where(
                    Delivery.invoice_id == invoice_id,
                    Delivery.kind == DeliveryKind.INVOICE.value,
                    Delivery.recipient == recipient,
                    col(Delivery.state).in_(
                        [
                            s.value
                            for s in (
                                DeliveryState.QUEUED,
                                DeliveryState.SENDING,
                                DeliveryState.DEFERRED,
                            )
                        ]
                    ),
                )
            )
        ).first()
        if on_its_way is not None:
            raise ValidationError(
                _(
                    "invoice {number}: a message carrying it to {email} is on its way already "
                    "(delivery #{delivery}, {state}); sent again, it would arrive twice"
                ).format(
                    number=invoice.number,
                    email=recipient,
                    delivery=on_its_way.id,
                    state=state_label(on_its_way.state),
                )
            )
        address = (
            await session.exec(
                select(CustomerAddress).where(
                    CustomerAddress.customer_id == invoice.customer_id,
                    CustomerAddress.email == recipient,
                )
            )
        ).first()
        delivery = await queue_delivery(
            session,
            invoice_id=invoice_id,
            address_id=address.id if address else None,
            recipient=recipient,
            kind=DeliveryKind.INVOICE,
            sender_address=sender_address,
            event=EventKind.RESEND_REQUESTED,
            text=event_text("resend", by=requested_by, reason=reason),
        )
        if invoice.state == InvoiceState.ATTENTION.value:
            invoice.state = InvoiceState.QUEUED.value
            session.add(invoice)
        await refresh_invoice_state(session, invoice_id)
        return delivery


async def cancel_unsent(session: AsyncSession, invoice_id: int, text: str) -> tuple[int, int]:
    """Cancel the invoice's deliveries not yet handed to the relay (queued or deferred),
    each by a conditional update so a worker's claim made meanwhile wins; returns how many
    were cancelled and how many were already on their way (sending)."""
    pending = (
        await session.exec(
            select(Delivery).where(
                Delivery.invoice_id == invoice_id,
                col(Delivery.state).in_(
                    [
                        DeliveryState.QUEUED.value,
                        DeliveryState.DEFERRED.value,
                        DeliveryState.SENDING.value,
                    ]
                ),
            )
        )
    ).all()
    cancelled = in_flight = 0
    for delivery in pending:
        assert delivery.id is not None
        if delivery.state == DeliveryState.SENDING.value:
            in_flight += 1
            continue
        if not await cancel_one(session, delivery, text):
            in_flight += 1  # claimed by a worker meanwhile
            continue
        cancelled += 1
    return cancelled, in_flight


async def waiting_for_an_address(session: AsyncSession, customer_id: int) -> Sequence[Invoice]:
    """The customer's invoices waiting for an invoice address, or for one that works (held
    in attention: those of them never planned, :func:`never_planned`), oldest first."""
    return (
        await session.exec(
            select(Invoice)
            .where(
                Invoice.customer_id == customer_id,
                col(Invoice.state).in_(
                    [InvoiceState.NEEDS_ADDRESS.value, InvoiceState.ATTENTION.value]
                ),
            )
            .order_by(col(Invoice.id))
        )
    ).all()


async def never_planned(session: AsyncSession, invoice_id: int) -> bool:
    """Whether the invoice has no message of its own that is not cancelled (never queued,
    or every one stopped before it went): it waits to be planned."""
    live = (
        await session.exec(
            select(Delivery.id).where(
                Delivery.invoice_id == invoice_id,
                Delivery.kind == DeliveryKind.INVOICE.value,
                Delivery.state != DeliveryState.CANCELLED.value,
            )
        )
    ).first()
    return live is None


async def cancel_one(session: AsyncSession, delivery: Delivery, text: str) -> bool:
    """Cancel ``delivery`` (queued or deferred) with why, by a conditional update: False
    when a worker claimed it meanwhile (its outcome then says what became of it)."""
    assert delivery.id is not None
    now = utcnow()
    moved = await session.exec(  # type: ignore[call-overload]
        update(Delivery)
        .where(col(Delivery.id) == delivery.id, col(Delivery.state) == delivery.state)
        .values(state=DeliveryState.CANCELLED.value, updated_at=now, last_text=text)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False
    check_transition(EventKind.CANCELLED, delivery.state, DeliveryState.CANCELLED.value)
    session.add(
        DeliveryEvent(
            delivery_id=delivery.id,
            at=now,
            event=EventKind.CANCELLED.value,
            state_from=delivery.state,
            state_to=DeliveryState.CANCELLED.value,
            text=text,
        )
    )
    return True
