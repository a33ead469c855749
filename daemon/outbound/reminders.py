"""Payment reminders: one message per customer and level, listing every invoice of that
customer that reached the level; each level once per invoice; never to an address known to
bounce, nor for an invoice paid in full, in dispute, withdrawn or never delivered, nor for
one that states no due date until a person sets it. The run reports what it sent and what it
held back, and why."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from daemon.domain.event_words import event_text
from daemon.domain.i18n import N_
from daemon.domain.identity import DocumentKind
from daemon.domain.late_payment import LateTerms
from daemon.domain.models import (
    OWED,
    AddressRole,
    Customer,
    CustomerAddress,
    Delivery,
    DeliveryKind,
    Invoice,
    ReminderRun,
)
from daemon.domain.states import SET_ASIDE_VALUES, DeliveryState
from daemon.outbound.planning import queue_delivery
from daemon.store.db import SessionFactory, transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReminderSent:
    customer: str
    level: int
    recipient: str
    invoices: tuple[str, ...]


@dataclass(frozen=True)
class ReminderHeld:
    invoice: str
    customer: str
    level: int
    why: str
    """One of :data:`UNDELIVERABLE`, :data:`NOT_DELIVERED`, :data:`IN_DISPUTE`,
    :data:`NO_DUE_DATE` (English, translated where shown)."""
    detail: str = ""


@dataclass
class ReminderReport:
    sent: list[ReminderSent] = field(default_factory=list)
    held_back: list[ReminderHeld] = field(default_factory=list)
    dry_run: bool = False
    """Said, not done: ``sent`` lists what would be queued."""

    @property
    def queued(self) -> int:
        """Reminder messages queued (one per customer and level)."""
        return len(self.sent)

    @property
    def skipped_undeliverable(self) -> int:
        return sum(h.why == UNDELIVERABLE for h in self.held_back)


UNDELIVERABLE = N_("no deliverable invoice address")
NOT_DELIVERED = N_("the invoice itself has not reached the customer")
IN_DISPUTE = N_("in dispute")
NO_DUE_DATE = N_(
    "it states no due date, only terms in words: set the day it is due (facturier due)"
)


def seller_terms(settings: Settings, invoice: Invoice) -> LateTerms:
    """The late-payment terms of the invoice's seller: its own entry in
    ``[[reminders.sellers]]`` (by VAT id or name), else ``[reminders]``'s."""
    r = settings.reminders
    for own in r.sellers:
        wanted = own.seller.replace(" ", "").upper()
        if wanted in ((invoice.seller_vat_id or "").replace(" ", "").upper(),) or (
            own.seller.casefold() == invoice.seller_name.casefold()
        ):
            return LateTerms(own.country, own.interest_rate, own.indemnity)
    return LateTerms(r.country, r.interest_rate, r.indemnity)


async def _undated(session: AsyncSession, today: date, levels: list[int]) -> list[ReminderHeld]:
    """Owed invoices that state no due date (EN 16931's BT-9 is optional), issued long enough
    ago that the first level would be reached had they been due the day they were issued:
    never reminded until a person sets the day (never a due date guessed from terms in words)."""
    undated = (
        await session.exec(
            select(Invoice, Customer.name)
            .join(Customer, col(Customer.id) == col(Invoice.customer_id))
            .where(
                col(Invoice.payment_state).in_(OWED),
                Invoice.document_kind == DocumentKind.INVOICE.value,
                col(Invoice.state).not_in(SET_ASIDE_VALUES),
                col(Invoice.due_date).is_(None),
                col(Invoice.disputed_at).is_(None),
                col(Invoice.issue_date) <= today - timedelta(days=levels[0]),
            )
            .order_by(col(Invoice.issue_date), col(Invoice.id))
        )
    ).all()
    return [
        ReminderHeld(
            invoice.number,
            name,
            reached_level((today - invoice.issue_date).days, levels),
            NO_DUE_DATE,
        )
        for invoice, name in undated
    ]


def reached_level(days_overdue: int, levels_days: list[int]) -> int:
    """The highest reminder level whose day count has been reached (0 when none)."""
    return sum(1 for d in levels_days if days_overdue >= d)


class ReminderService:
    def __init__(self, sessions: SessionFactory, settings: Settings):
        self.sessions = sessions
        self.settings = settings

    async def run(self, today: date | None = None, *, dry_run: bool = False) -> ReminderReport:
        """Queue the reminders due ``today``; with ``dry_run``, say which, queue nothing."""
        today = today or self.settings.schedule.today()
        levels = self.settings.reminders.levels_days
        report = ReminderReport(dry_run=dry_run)
        if not self.settings.reminders.enabled or not levels:
            return report
        async with transaction(self.sessions) as session:
            overdue = (
                await session.exec(
                    select(Invoice, Customer.name)
                    .join(Customer, col(Customer.id) == col(Invoice.customer_id))
                    .where(
                        col(Invoice.payment_state).in_(OWED),
                        Invoice.document_kind == DocumentKind.INVOICE.value,
                        col(Invoice.state).not_in(SET_ASIDE_VALUES),
                        col(Invoice.due_date).is_not(None),
                        col(Invoice.due_date) < today,
                    )
                    .order_by(col(Invoice.due_date), col(Invoice.id))
                )
            ).all()
            report.held_back += await _undated(session, today, levels)
            done = await _levels_done(session, [i.id for i, _name in overdue if i.id])
            groups: dict[tuple[int, int], list[Invoice]] = defaultdict(list)
            names: dict[int, str] = {}
            for invoice, name in overdue:
                assert invoice.due_date is not None and invoice.id is not None
                assert invoice.customer_id is not None
                level = reached_level((today - invoice.due_date).days, levels)
                if level == 0 or level in done[invoice.id]:
                    continue
                if invoice.disputed_at is not None:
                    said = f"{invoice.disputed_at:%Y-%m-%d}: {invoice.dispute_reason}"
                    report.held_back.append(
                        ReminderHeld(invoice.number, name, level, IN_DISPUTE, said)
                    )
                    continue
                if not await _reached_the_customer(session, invoice.id):
                    report.held_back.append(
                        ReminderHeld(invoice.number, name, level, NOT_DELIVERED)
                    )
                    continue
                groups[(invoice.customer_id, level)].append(invoice)
                names[invoice.customer_id] = name
            for (customer_id, level), invoices in groups.items():
                address = await _reminder_address(session, customer_id)
                if address is None:
                    for invoice in invoices:
                        report.held_back.append(
                            ReminderHeld(invoice.number, names[customer_id], level, UNDELIVERABLE)
                        )
                    if dry_run:
                        continue
                    log.warning(
                        "%s: reminder %s of %s not sent, no deliverable address",
                        names[customer_id],
                        level,
                        ", ".join(i.number for i in invoices),
                    )
                    continue
                if not dry_run:
                    await self._queue(session, address, level, invoices, done)
                report.sent.append(
                    ReminderSent(
                        names[customer_id], level, address.email, tuple(i.number for i in invoices)
                    )
                )
        return report

    async def _queue(
        self,
        session: AsyncSession,
        address: CustomerAddress,
        level: int,
        invoices: list[Invoice],
        done: dict[int, set[int]],
    ) -> None:
        """One reminder message for ``invoices`` (the oldest due carries it and its file);
        each invoice records the level as sent by it, and lower levels it skipped as
        superseded."""
        lead = invoices[0]
        assert lead.id is not None
        delivery = await queue_delivery(
            session,
            invoice_id=lead.id,
            address_id=address.id,
            recipient=address.email,
            kind=DeliveryKind.REMINDER,
            sender_address=self.settings.sender.address,
            text=event_text(
                "reminder", level=level, invoices=", ".join(i.number for i in invoices)
            ),
            reminder_level=level,
        )
        for invoice in invoices:
            assert invoice.id is not None
            for lower in range(1, level + 1):
                if lower not in done[invoice.id]:
                    session.add(
                        ReminderRun(
                            invoice_id=invoice.id,
                            level=lower,
                            delivery_id=delivery.id if lower == level else None,
                            superseded=lower != level,
                        )
                    )


async def _levels_done(session: AsyncSession, invoice_ids: list[int]) -> dict[int, set[int]]:
    done: dict[int, set[int]] = defaultdict(set)
    for at in range(0, len(invoice_ids), 500):
        chunk = invoice_ids[at : at + 500]
        for invoice_id, level in (
            await session.exec(
                select(ReminderRun.invoice_id, ReminderRun.level).where(
                    col(ReminderRun.invoice_id).in_(chunk)
                )
            )
        ).all():
            done[invoice_id].add(level)
    return done


async def _reached_the_customer(session: AsyncSession, invoice_id: int) -> bool:
    sent_ok = (
        await session.exec(
            select(Delivery.id).where(
                Delivery.invoice_id == invoice_id,
                Delivery.kind == DeliveryKind.INVOICE.value,
                col(Delivery.state).in_(
                    [DeliveryState.ACCEPTED.value, DeliveryState.DELIVERED.value]
                ),
            )
        )
    ).first()
    return sent_ok is not None


async def _reminder_address(session: AsyncSession, customer_id: int) -> CustomerAddress | None:
    return (
        await session.exec(
            select(CustomerAddress)
            .where(
                CustomerAddress.customer_id == customer_id,
                CustomerAddress.role == AddressRole.INVOICE_TO,
                col(CustomerAddress.active).is_(True),
                col(CustomerAddress.undeliverable).is_(False),
            )
            .order_by(col(CustomerAddress.central_mailbox).desc())
        )
    ).first()
