"""A claimed batch on its way to the relay: its messages made, archived and chained.

A message in flight has three names, one per stage: a :class:`MessageOrder` (what to
compose, ``compose_workers``), a :class:`ComposedMessage` (the worker's answer: the bytes,
their archive copy and wire shape), and an :class:`Outgoing` (a delivery with its bytes,
linked into the archive chain, ready for the relay). A batch is a :class:`ClaimedBatch`
while its messages are made, then a :class:`ReadyBatch`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date as babel_date
from sqlalchemy import delete
from sqlmodel import col, select

from daemon.domain import formatting
from daemon.domain.event_words import event_text
from daemon.domain.identity import DocumentKind
from daemon.domain.late_payment import late_payment_notice
from daemon.domain.models import (
    ArchiveEntry,
    Customer,
    Delivery,
    DeliveryKind,
    Invoice,
    ReminderRun,
)
from daemon.domain.payments import owed_as_said, still_owed
from daemon.domain.states import DeliveryState, EventKind, Transition
from daemon.outbound.compose_workers import Composed, ComposedMessage, MessageOrder
from daemon.outbound.outcomes import OutcomeRecorder, SendOutcome
from daemon.outbound.proof import append_entries
from daemon.outbound.reminders import due_day, no_longer_reminded, seller_terms
from daemon.outbound.send_context import NotSent, SendContext
from daemon.store.db import transaction
from daemon.store.transitions import apply
from mailer.archive import ArchivedCopy
from mailer.compose import Attachment, MessageSpec
from mailer.errors import ArchiveError, MessageRefused
from mailer.smtp.wire import WireShape

log = logging.getLogger(__name__)

_UNRECORDED = "delivery %s: the error could not be recorded; tried again when its lease ends"


@dataclass(frozen=True)
class Outgoing:
    """A leased delivery's exact bytes, archived and chained before the hand-off."""

    delivery: Delivery
    raw: bytes
    shape: WireShape | None = None


class HeldForPerson(Exception):
    """A message not made: its invoice is held for a person (the check before sending)."""


class NoLongerDue(Exception):
    """A reminder not made: an invoice it reminds was paid, disputed or set aside since it
    was queued (the next reminder run reminds those still owed, at the same level)."""


@dataclass(frozen=True)
class ClaimedBatch:
    """A claimed batch whose messages are being made."""

    ids: list[int]
    deliveries: list[Delivery]
    composed: asyncio.Future[list[Composed]]  # one per delivery, in order


@dataclass
class ReadyBatch:
    """A batch ready to send: its ids, its archived messages, the outcomes known already
    (messages refused while being made)."""

    ids: list[int]
    outgoing: list[Outgoing]
    done: list[SendOutcome]


def format_date(value: date | None, language: str) -> str:
    """A date in a customer's message: 28/10/2026 in French; in English, where a reader may
    take 06/12 for June or for December, 28 October 2026."""
    if value is None:
        return ""
    if language == "fr":
        return value.strftime("%d/%m/%Y")
    return babel_date(value, format="d MMMM y", locale="en_GB")


class BatchMaker:
    def __init__(self, ctx: SendContext, recorder: OutcomeRecorder):
        self.ctx = ctx
        self.recorder = recorder
        self._chain_lock = asyncio.Lock()  # one chain append at a time from this worker

    async def load(self, ids: list[int]) -> list[tuple[Delivery, Invoice, Customer | None]]:
        """The deliveries ``ids`` with their invoice and customer, in the order given."""
        async with self.ctx.sessions() as session:
            rows = (
                await session.exec(
                    select(Delivery, Invoice, Customer)
                    .join(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
                    .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
                    .where(col(Delivery.id).in_(ids))
                )
            ).all()
        by_id = {row[0].id: (row[0], row[1], row[2]) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def _primary_recipient(self, delivery: Delivery) -> str:
        if delivery.kind == DeliveryKind.INVOICE.value:
            return delivery.recipient
        async with self.ctx.sessions() as session:
            primary = (
                await session.exec(
                    select(Delivery.recipient)
                    .where(
                        Delivery.invoice_id == delivery.invoice_id,
                        Delivery.kind == DeliveryKind.INVOICE.value,
                    )
                    .order_by(col(Delivery.id))
                )
            ).first()
        return primary or delivery.recipient

    async def archived_bytes(self, delivery: Delivery) -> bytes:
        async with self.ctx.sessions() as session:
            entry = await session.get(ArchiveEntry, delivery.archive_entry_id)
        assert entry is not None
        return await asyncio.to_thread(self.ctx.archive.read, entry.sha256)

    async def order(
        self, delivery: Delivery, invoice: Invoice, customer: Customer | None, *, archive: bool
    ) -> MessageOrder:
        """What making ``delivery``'s message takes (the invoice's bytes are read by the
        maker, from the invoice store)."""
        settings = self.ctx.settings
        language = customer.language if customer else settings.templates.default_language
        overdue = (settings.schedule.today() - invoice.due_date).days if invoice.due_date else 0
        ctx = {
            "number": invoice.number,
            "seller_name": invoice.seller_name or settings.sender.name,
            "customer_name": invoice.buyer_name,
            "currency": invoice.currency,
            "amount": formatting.amount(invoice.amount_due, language),
            "issue_date": format_date(invoice.issue_date, language),
            "due_date": format_date(invoice.due_date, language),
            "invoice_to": await self._primary_recipient(delivery),
            "level": delivery.reminder_level,
            "days_overdue": overdue,
            "payment_reference": invoice.payment_reference or invoice.remittance_reference,
            # a credit note asks for no payment: it says which invoice it relates to (BT-25)
            "credit_note": invoice.document_kind == DocumentKind.CREDIT_NOTE.value,
            "corrects": invoice.preceding_number,
            # what the invoice asks for, by its amount due (BT-115: its total, BT-112, less
            # what was paid in advance, BT-113): all of it, a part, nothing, or a balance in
            # the customer's favour
            "total": formatting.amount(invoice.total_with_tax, language),
            "owes": owed_as_said(invoice.amount_due, invoice.total_with_tax),
            "refund": formatting.amount(-invoice.amount_due, language),
            "partially_paid": invoice.amount_paid + invoice.amount_credited > 0,
            "balance": formatting.amount(
                still_owed(invoice),
                language,
            ),
        }
        reminder = delivery.kind == DeliveryKind.REMINDER.value
        if reminder:
            ctx.update(await self._reminder_context(delivery, invoice, language))
        content_type = (
            "application/pdf" if invoice.file_name.lower().endswith(".pdf") else "application/xml"
        )
        attached = Attachment(invoice.file_name, content_type, b"", invoice.file_sha256)
        beside: tuple[Attachment, ...] = ()
        if invoice.readable_sha256 and invoice.readable_name:
            readable = Attachment(
                invoice.readable_name, "application/pdf", b"", invoice.readable_sha256
            )
            if invoice.format == "cii":  # the Factur-X PDF made from it: the XML is inside
                attached = readable
            else:  # UBL cannot go inside a Factur-X PDF: the PDF goes beside it
                beside = (readable,)
        spec = MessageSpec(
            message_id=delivery.message_id,
            sender_name=settings.sender.name,
            sender_address=settings.sender.address,
            recipient=delivery.recipient,
            recipient_name=customer.name if customer else None,
            reply_to=settings.sender.reply_to,
            # one template per reminder level (reminder-1, -2, -3: the last serves beyond)
            template=f"reminder-{min(max(delivery.reminder_level, 1), 3)}"
            if reminder
            else "invoice",
            language=language,
            context=ctx,
            attachment=attached,
            beside=beside,
            is_copy=delivery.kind == DeliveryKind.COPY.value,
            delivery_token=delivery.token,
            extra_headers={"X-Facturier-Invoice": invoice.number},
        )
        return MessageOrder(spec, settings.smtp.max_message_bytes, archive)

    async def _no_longer_due(self, delivery: Delivery, lead: Invoice) -> list[str]:
        """The numbers of the invoices ``delivery`` (a reminder) reminds that are no longer
        to be reminded (:func:`no_longer_reminded`)."""
        reminded = await self._reminded(delivery, lead)
        return [i.number for i in reminded if no_longer_reminded(self.ctx.settings, i)]

    async def _reminded(self, delivery: Delivery, lead: Invoice) -> list[Invoice]:
        """The invoices ``delivery`` (a reminder) reminds (its lead one, for a reminder
        recorded before the invoices were)."""
        async with self.ctx.sessions() as session:
            reminded = (
                await session.exec(
                    select(Invoice)
                    .join(ReminderRun, col(ReminderRun.invoice_id) == col(Invoice.id))
                    .where(ReminderRun.delivery_id == delivery.id)
                )
            ).all()
        return list(reminded) or [lead]

    async def _reminder_context(
        self, delivery: Delivery, lead: Invoice, language: str
    ) -> dict[str, object]:
        """What a reminder lists: every invoice it reminds (the lead one first), what each
        still owes, the total, and what the seller's law says about late payment."""
        invoices = await self._reminded(delivery, lead)
        today = self.ctx.settings.schedule.today()
        # oldest due first: the day stated, or the seller's own terms counted from the issue
        dated = sorted(
            ((due_day(self.ctx.settings, i), i) for i in invoices),
            key=lambda pair: (pair[0] or today, pair[1].id or 0),
        )
        owed = [still_owed(i) for _due, i in dated]
        return {
            "invoices": [
                {
                    "number": i.number,
                    "issue_date": format_date(i.issue_date, language),
                    "due_date": format_date(due, language) if due else "",
                    "amount": formatting.amount(i.amount_due, language),
                    "balance": formatting.amount(left, language),
                    "partially_paid": i.amount_paid + i.amount_credited > 0,
                    "days_overdue": (today - due).days if due else 0,
                    "payment_reference": i.payment_reference or i.remittance_reference,
                }
                for (due, i), left in zip(dated, owed, strict=True)
            ],
            "total_owed": formatting.amount(sum(owed, Decimal("0")), language),
            "final": delivery.reminder_level >= len(self.ctx.settings.reminders.levels_days),
            "legal_notice": late_payment_notice(seller_terms(self.ctx.settings, lead), language),
        }

    async def start(self, ids: list[int]) -> ClaimedBatch:
        """Load a claimed batch and start making its messages, each archived before it is
        sent: a re-send takes the archived bytes, anything else is made by the maker (in
        its processes) and stored."""
        loaded = await self.load(ids)

        async def make_all() -> list[Composed]:
            made: dict[int, Composed] = {}
            orders: dict[int, MessageOrder] = {}
            verdicts: dict[tuple[int | None, bool], NotSent | None] = {}
            for i, (delivery, invoice, customer) in enumerate(loaded):
                try:
                    # a reminder waiting since it was queued (a greylisting server, the pace)
                    # says only what is still owed: an invoice paid meanwhile stops it
                    if delivery.kind == DeliveryKind.REMINDER.value:
                        settled = await self._no_longer_due(delivery, invoice)
                        if settled:
                            made[i] = NoLongerDue(
                                event_text("reminder_settled", invoices=", ".join(settled))
                            )
                            continue
                    if delivery.archive_entry_id is not None:
                        made[i] = ComposedMessage(await self.archived_bytes(delivery), None)
                        continue
                    # the compliance gate again, once an invoice, before a message carries it
                    may_hold = delivery.kind != DeliveryKind.REMINDER.value
                    if (invoice.id, may_hold) not in verdicts:
                        verdicts[invoice.id, may_hold] = await self.ctx.verdict_before_sending(
                            invoice, may_hold=may_hold
                        )
                    verdict = verdicts[invoice.id, may_hold]
                    if verdict is not None:
                        made[i] = (
                            HeldForPerson(verdict.reason)
                            if verdict.held
                            else MessageRefused(verdict.reason)
                        )
                    else:
                        orders[i] = await self.order(delivery, invoice, customer, archive=True)
                except Exception as exc:
                    made[i] = exc
            results = await self.ctx.maker.make_many(list(orders.values()))
            made.update(zip(orders, results, strict=True))
            return [made[i] for i in range(len(loaded))]

        return ClaimedBatch(ids, [d for d, _, _ in loaded], asyncio.ensure_future(make_all()))

    async def finish(self, batch: ClaimedBatch) -> ReadyBatch:
        """Wait for a batch's messages, then link the new archive copies into the chain in
        one transaction. A message that cannot be made is failed with its reason; an
        unexpected error ends that delivery's lease as an error (tried again, or held at
        the poison limit)."""
        try:
            results: list[Composed] = await batch.composed
        except Exception as exc:  # the maker's process died: every message of the batch
            results = [exc] * len(batch.deliveries)
        ready = ReadyBatch(batch.ids, [], [])
        archived: list[tuple[Outgoing, ArchivedCopy]] = []
        for delivery, made in zip(batch.deliveries, results, strict=True):
            if isinstance(made, (HeldForPerson, NoLongerDue)):  # a person decides; or paid
                ready.done.append(
                    await self.recorder.finish(
                        delivery, DeliveryState.CANCELLED, EventKind.CANCELLED, text=str(made)
                    )
                )
                if isinstance(made, NoLongerDue):  # its level is for the next run to send
                    async with transaction(self.ctx.sessions) as session:
                        await session.exec(  # type: ignore[call-overload]
                            delete(ReminderRun).where(col(ReminderRun.delivery_id) == delivery.id)
                        )
            elif isinstance(made, (MessageRefused, ArchiveError)):
                ready.done.append(
                    await self.recorder.finish(
                        delivery, DeliveryState.FAILED, EventKind.REFUSED, text=str(made)
                    )
                )
            elif isinstance(made, BaseException):  # one delivery's trouble never stops others
                log.error(
                    "delivery %s: unexpected error while composing", delivery.id, exc_info=made
                )
                try:
                    ready.done.append(await self.recorder.error(delivery, made))
                except Exception:  # not even that could be written: its lease runs out
                    log.exception(_UNRECORDED, delivery.id)
            else:
                item = Outgoing(delivery, made.raw, made.shape)
                ready.outgoing.append(item)
                if made.copy is not None:
                    archived.append((item, made.copy))
        if archived:
            async with self._chain_lock, transaction(self.ctx.sessions) as session:
                entries = await append_entries(
                    session, [(copy, item.delivery.message_id) for item, copy in archived]
                )
                notes, entry_of = [], {}
                for (item, copy), entry in zip(archived, entries, strict=True):
                    assert item.delivery.id is not None
                    notes.append(
                        Transition(
                            item.delivery.id,
                            DeliveryState.SENDING.value,
                            EventKind.ARCHIVED.value,
                            text=event_text("archived", seq=entry.seq, sha256=copy.sha256),
                        )
                    )
                    entry_of[item.delivery.id] = {"archive_entry_id": entry.id}
                await apply(session, notes, each=entry_of)
        return ready
