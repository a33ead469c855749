"""The attention queue: everything that needs a person, newest first, each with why and what
to do (``daemon.domain.attention``), and the record of who dealt with an item and how."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from daemon.domain.attention import CLOSED_BY_HAND, HINTS, AttentionKind
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.models import (
    AttentionResolution,
    Customer,
    CustomerAddress,
    Delivery,
    DeliveryEvent,
    DeliveryKind,
    InboundMessage,
    Invoice,
    PaymentState,
    utcnow,
)
from daemon.domain.states import DeliveryState, EventKind, InvoiceState
from daemon.store.db import SessionFactory, transaction


@dataclass(frozen=True)
class AttentionItem:
    kind: str
    ref: int
    """The row it is about: an invoice, a delivery, an address or an inbound message."""
    at: datetime
    invoice_id: int | None
    invoice_number: str | None
    customer: str | None
    why: str
    hint: str
    customer_id: int | None = None
    address: str | None = None
    """The address it is about, for an undeliverable address."""


def _item(
    kind: AttentionKind,
    ref: int | None,
    at: datetime,
    why: str,
    invoice: Invoice | None = None,
    customer: str | None = None,
    customer_id: int | None = None,
    address: str | None = None,
) -> AttentionItem:
    assert ref is not None
    return AttentionItem(
        kind.value,
        ref,
        at,
        invoice.id if invoice else None,
        invoice.number if invoice else None,
        customer or (invoice.buyer_name if invoice else None),
        " ".join(why.split())[:300],
        HINTS[kind],
        customer_id if customer_id is not None else (invoice.customer_id if invoice else None),
        address,
    )


class AttentionQueue:
    def __init__(self, sessions: SessionFactory, settings: Settings):
        self.sessions = sessions
        self.settings = settings

    async def items(self, kind: AttentionKind | None = None) -> list[AttentionItem]:
        """Every open item (of ``kind``), newest first."""
        async with self.sessions() as session:
            found = (
                await self._invoices(session)
                + await self._addresses(session)
                + await self._long_deferred(session)
                + await self._inbound(session)
            )
            resolved = set(
                (
                    await session.exec(select(AttentionResolution.kind, AttentionResolution.ref))
                ).all()
            )
        open_items = [i for i in found if (i.kind, i.ref) not in resolved]
        if kind is not None:
            open_items = [i for i in open_items if i.kind == kind.value]
        return sorted(open_items, key=lambda i: (i.at, i.ref), reverse=True)

    async def resolve(
        self, kind: AttentionKind, ref: int, *, by: str, how: str
    ) -> AttentionResolution:
        """Record that a person dealt with an item: it leaves the queue, the record stays."""
        if not how.strip():
            raise ValidationError("reason: say how the item was dealt with")
        if kind not in CLOSED_BY_HAND:
            raise ValidationError(
                f"{kind.value} items leave the queue when the invoice or address changes: "
                f"{HINTS[kind]}"
            )
        if not any(i.ref == ref for i in await self.items(kind)):
            raise NotFoundError(f"no open {kind.value} item #{ref} in the attention queue")
        try:
            async with transaction(self.sessions) as session:
                done = AttentionResolution(kind=kind.value, ref=ref, resolved_by=by, how=how)
                session.add(done)
        except IntegrityError:
            raise ValidationError(f"{kind.value} item #{ref} was dealt with already") from None
        return done

    async def _invoices(self, session: AsyncSession) -> list[AttentionItem]:
        """Invoices waiting for an address, and those whose delivery a person must look at."""
        rows = (
            await session.exec(
                select(Invoice, Customer.name)
                .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
                .where(
                    col(Invoice.state).in_(
                        [
                            InvoiceState.NEEDS_ADDRESS.value,
                            InvoiceState.BOUNCED.value,
                            InvoiceState.FAILED.value,
                            InvoiceState.ATTENTION.value,
                        ]
                    )
                )
            )
        ).all()
        items = []
        for invoice, customer in rows:
            if invoice.state == InvoiceState.NEEDS_ADDRESS.value:
                why = f"no invoice address for {customer or invoice.buyer_name}"
                items.append(
                    _item(
                        AttentionKind.NO_ADDRESS,
                        invoice.id,
                        invoice.imported_at,
                        why,
                        invoice,
                        customer,
                    )
                )
                continue
            found = await self._delivery_trouble(session, invoice)
            if found is not None:
                kind, at, why = found
                items.append(_item(kind, invoice.id, at, why, invoice, customer))
        return items

    async def _delivery_trouble(
        self, session: AsyncSession, invoice: Invoice
    ) -> tuple[AttentionKind, datetime, str] | None:
        deliveries = (
            await session.exec(
                select(Delivery)
                .where(
                    Delivery.invoice_id == invoice.id,
                    Delivery.kind == DeliveryKind.INVOICE.value,
                )
                .order_by(col(Delivery.id))
            )
        ).all()
        latest = {d.recipient: d for d in deliveries}.values()
        for d in latest:
            if d.state == DeliveryState.HELD.value:
                return AttentionKind.HELD, d.updated_at, f"{d.recipient}: {d.last_text or ''}"
        for d in latest:
            text = d.last_text or ""
            if d.state == DeliveryState.BOUNCED.value and text.startswith("hard bounce"):
                return AttentionKind.HARD_BOUNCE, d.updated_at, f"{d.recipient}: {text}"
        for d in latest:
            if d.state in (DeliveryState.BOUNCED.value, DeliveryState.FAILED.value):
                return AttentionKind.REJECTED, d.updated_at, f"{d.recipient}: {d.last_text or ''}"
        complaint = (
            await session.exec(
                select(DeliveryEvent)
                .where(
                    col(DeliveryEvent.delivery_id).in_([d.id for d in deliveries]),
                    DeliveryEvent.event == EventKind.COMPLAINT.value,
                )
                .order_by(col(DeliveryEvent.id).desc())
            )
        ).first()
        if complaint is not None:
            return AttentionKind.COMPLAINT, complaint.at, complaint.text or "complaint"
        if invoice.state == InvoiceState.ATTENTION.value and not deliveries:
            why = "every invoice address of the customer is undeliverable"
            return AttentionKind.UNDELIVERABLE_ADDRESS, invoice.imported_at, why
        return None

    async def _addresses(self, session: AsyncSession) -> list[AttentionItem]:
        """Addresses marked undeliverable while their customer has invoices still unpaid."""
        rows = (
            await session.exec(
                select(CustomerAddress, Customer.name)
                .join(Customer, col(Customer.id) == col(CustomerAddress.customer_id))
                .where(
                    col(CustomerAddress.undeliverable).is_(True),
                    col(CustomerAddress.active).is_(True),
                    col(CustomerAddress.customer_id).in_(
                        select(Invoice.customer_id).where(
                            Invoice.payment_state == PaymentState.UNPAID.value
                        )
                    ),
                )
            )
        ).all()
        return [
            _item(
                AttentionKind.UNDELIVERABLE_ADDRESS,
                address.id,
                address.created_at,
                f"{address.email} undeliverable: {address.undeliverable_reason or ''}",
                customer=name,
                customer_id=address.customer_id,
                address=address.email,
            )
            for address, name in rows
        ]

    async def _long_deferred(self, session: AsyncSession) -> list[AttentionItem]:
        hours = self.settings.delivery.attention_after_hours
        rows = (
            await session.exec(
                select(Delivery, Invoice)
                .join(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
                .where(
                    Delivery.state == DeliveryState.DEFERRED.value,
                    col(Delivery.created_at) < utcnow() - timedelta(hours=hours),
                )
            )
        ).all()
        return [
            _item(
                AttentionKind.LONG_DEFERRED,
                d.id,
                d.updated_at,
                f"{d.recipient}: deferred for over {hours:g} h: {d.last_text or ''}",
                invoice,
            )
            for d, invoice in rows
        ]

    async def _inbound(self, session: AsyncSession) -> list[AttentionItem]:
        """Replies, unrecognized and quarantined messages, and ties guessed by recipient."""
        imap = self.settings.imap
        rows = (
            await session.exec(
                select(InboundMessage, Invoice)
                .outerjoin(Delivery, col(Delivery.id) == col(InboundMessage.delivery_id))
                .outerjoin(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
                .where(
                    col(InboundMessage.disposition).in_(
                        [imap.replies_folder, imap.unrecognized_folder, imap.quarantine_folder]
                    )
                    | col(InboundMessage.evidence).startswith("inferred")
                )
            )
        ).all()
        items = []
        for m, invoice in rows:
            sender = m.from_address or "unknown sender"
            subject = m.subject or "(no subject)"
            if (m.evidence or "").startswith("inferred"):
                why = f"{m.kind} from {sender}, tied by {m.evidence}: {subject}"
                items.append(_item(AttentionKind.GUESSED_TIE, m.id, m.received_at, why, invoice))
            if m.disposition == imap.replies_folder:
                why = f"from {sender}: {m.customer_message or subject}"
                items.append(_item(AttentionKind.REPLY, m.id, m.received_at, why, invoice))
            elif m.disposition == imap.unrecognized_folder:
                why = f"{m.kind} from {sender}: {subject}"
                items.append(_item(AttentionKind.UNRECOGNIZED, m.id, m.received_at, why, invoice))
            elif m.disposition == imap.quarantine_folder:
                why = f"from {sender}: {subject}"
                items.append(_item(AttentionKind.QUARANTINED, m.id, m.received_at, why, invoice))
        return items
