"""One invoice whole, for `facturier status NUMBER` and the TUI's invoice screen: plain data,
no ORM objects leak out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, or_
from sqlmodel import col, select

from config import Settings
from daemon.app.invoice_list import InvoiceRow, invoice_row
from daemon.domain.attention import ABOUT_A_MESSAGE, AttentionKind
from daemon.domain.errors import NotFoundError
from daemon.domain.i18n import _
from daemon.domain.models import (
    AttentionResolution,
    Customer,
    InboundMessage,
    Invoice,
    InvoiceEvent,
    Payment,
    PaymentAllocation,
)
from daemon.domain.payments import still_owed
from daemon.domain.states import InvoiceState
from daemon.intake.buyers import buyer_candidates
from daemon.intake.customer_records import described
from daemon.store.db import SessionFactory
from daemon.store.history import delivery_history


@dataclass(frozen=True)
class EventRow:
    at: datetime
    recipient: str
    kind: str
    event: str
    state: str | None
    smtp_code: int | None
    status: str | None
    text: str | None


@dataclass(frozen=True)
class InvoiceDetail:
    row: InvoiceRow
    seller: str
    file_name: str
    file_sha256: str
    format: str
    deliveries: tuple[tuple[str, str, str, str, bool], ...]
    """(recipient, kind, state, message id, possible duplicate)"""
    events: tuple[EventRow, ...]
    customer_messages: tuple[tuple[datetime, str, str], ...]
    inbound: tuple[tuple[datetime, str, str, str, str], ...] = ()
    """Messages tied to it: (received, kind, from, subject, how it was tied)."""
    dealt_with: tuple[tuple[datetime, str, str, str], ...] = ()
    """Queue items about it a person dealt with: (when, kind, who, how)."""
    owed: Decimal = Decimal("0")
    """What is still owed (below zero: paid more than was owed)."""
    paid: Decimal = Decimal("0")
    credited: Decimal = Decimal("0")
    payments: tuple[tuple[date, Decimal, str, str, str, int], ...] = ()
    """Payments counted on it: (received, amount, currency, how matched, payment status,
    payment id)."""
    decisions: tuple[tuple[datetime, str, str, str], ...] = ()
    """What was decided about it as a whole: (when, what, who, why)."""
    kind: str = "invoice"
    """``invoice`` or ``credit_note``."""
    disputed: str | None = None
    """While the customer disputes it: what is disputed."""
    fits: tuple[str, ...] = ()
    """While a person must say which customer it is for: the customers its buyer fits now,
    each as ``described`` (``#1 Dupont SA (identifier C-1)``)."""


async def read_invoice_detail(
    sessions: SessionFactory,
    invoice_id: int,
    settings: Settings | None = None,
) -> InvoiceDetail:
    """One invoice whole: its deliveries and their events, the messages tied to it, what
    people decided about it, its payments; with ``settings``, the day its seller's terms
    make it due when it states none (``InvoiceRow.due_by_terms``)."""
    async with sessions() as session:
        inv = await session.get(Invoice, invoice_id)
        if inv is None:
            raise NotFoundError(_("no invoice #{id}").format(id=invoice_id))
        customer = await session.get(Customer, inv.customer_id) if inv.customer_id else None
        deliveries, events = await delivery_history(session, invoice_id)
        ids = [d.id for d in deliveries]
        tied = (
            (
                await session.exec(
                    select(InboundMessage)
                    .where(col(InboundMessage.delivery_id).in_(ids))
                    .order_by(col(InboundMessage.received_at), col(InboundMessage.id))
                )
            ).all()
            if ids
            else []
        )
        replies = [m for m in tied if m.customer_message is not None]
        items: list[tuple[str, list[int | None]]] = [
            (AttentionKind.COMPLAINT.value, [invoice_id]),
            (AttentionKind.LONG_DEFERRED.value, list(ids)),
            *((k.value, [m.id for m in tied]) for k in sorted(ABOUT_A_MESSAGE)),
        ]
        about = [
            and_(col(AttentionResolution.kind) == k, col(AttentionResolution.ref).in_(refs))
            for k, refs in items
            if refs
        ]
        dealt = (
            await session.exec(
                select(AttentionResolution)
                .where(or_(*about))
                .order_by(col(AttentionResolution.resolved_at))
            )
        ).all()
        payments = (
            await session.exec(
                select(PaymentAllocation, Payment)
                .join(Payment, col(Payment.id) == col(PaymentAllocation.payment_id))
                .where(PaymentAllocation.invoice_id == invoice_id)
                .order_by(col(Payment.received_on), col(Payment.id))
            )
        ).all()
        decisions = (
            await session.exec(
                select(InvoiceEvent)
                .where(InvoiceEvent.invoice_id == invoice_id)
                .order_by(col(InvoiceEvent.at), col(InvoiceEvent.id))
            )
        ).all()
        fits = (
            await buyer_candidates(session, inv.buyer_name, inv.buyer_identifier, inv.buyer_vat_id)
            if inv.state == InvoiceState.CUSTOMER_TO_CHOOSE.value
            else []
        )
    by_id = {d.id: d for d in deliveries}
    row = invoice_row(
        inv,
        customer.name if customer else None,
        tuple(dict.fromkeys(d.recipient for d in deliveries)),
        deliveries[-1].last_text if deliveries else None,
        settings,
    )
    return InvoiceDetail(
        row=row,
        seller=inv.seller_name,
        file_name=inv.file_name,
        file_sha256=inv.file_sha256,
        format=inv.format,
        deliveries=tuple(
            (d.recipient, d.kind, d.state, d.message_id, d.possible_duplicate) for d in deliveries
        ),
        events=tuple(
            EventRow(
                e.at,
                by_id[e.delivery_id].recipient,
                by_id[e.delivery_id].kind,
                e.event,
                e.state_to,
                e.smtp_code,
                e.status,
                e.text,
            )
            for e in events
        ),
        customer_messages=tuple(
            (m.received_at, m.from_address or "", m.customer_message or "") for m in replies
        ),
        inbound=tuple(
            (m.received_at, m.kind, m.from_address or "", m.subject or "", m.evidence or "")
            for m in tied
        ),
        dealt_with=tuple((r.resolved_at, r.kind, r.resolved_by, r.how) for r in dealt),
        owed=still_owed(inv),
        paid=inv.amount_paid,
        credited=inv.amount_credited,
        payments=tuple(
            (p.received_on, a.amount, p.currency, a.matched_by, p.status, p.id or 0)
            for a, p in payments
        ),
        decisions=tuple((e.at, e.event, e.by, e.reason) for e in decisions),
        kind=inv.document_kind,
        disputed=(inv.dispute_reason or "?") if inv.disputed_at else None,
        fits=tuple(described(c) for c in fits),
    )
