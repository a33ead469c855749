"""Payment reminders: one message per customer and level, listing every invoice of that
customer that reached the level; each level once per invoice; never to an address known to
bounce, nor for an invoice paid in full, in dispute, withdrawn, never delivered or collected
by direct debit, nor for one that states no due date until a person sets it. The run
reports what it sent and what it held back, and why."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, Integer, and_, case, false, func, literal, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import SellerTerms, Settings
from daemon.domain.event_words import event_text
from daemon.domain.i18n import N_
from daemon.domain.identity import DocumentKind
from daemon.domain.late_payment import LateTerms
from daemon.domain.models import (
    OWED,
    AddressRole,
    Channel,
    Customer,
    CustomerAddress,
    Delivery,
    DeliveryKind,
    Invoice,
    ReminderRun,
)
from daemon.domain.payments import still_owed
from daemon.domain.states import SET_ASIDE_VALUES, DeliveryState, InvoiceState
from daemon.outbound.planning import queue_delivery
from daemon.store.casefold import casefold
from daemon.store.db import SessionFactory, transaction

log = logging.getLogger(__name__)
_T = TypeVar("_T")


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
    :data:`NO_DUE_DATE`, :data:`DEBITED`, :data:`UNDER_MINIMUM` (English, translated where
    shown)."""
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
ON_PAPER = N_("its customer receives invoices on paper: remind it by post")
DEBITED = N_(
    "the seller collects it by direct debit (its payment means, BT-81): record the debit when "
    "it comes in; a refused debit is for a person to chase"
)
UNDER_MINIMUM = N_("its balance is under [reminders] minimum_balance")
DIRECT_DEBIT = frozenset({"3", "49", "59"})
"""UNTDID 4461's debits the payee collects: an automated clearing house debit, a direct
debit, a SEPA direct debit (EN 16931's BG-19 gives its mandate)."""
REMINDABLE = (
    col(Invoice.payment_state).in_(OWED),
    col(Invoice.document_kind) == DocumentKind.INVOICE.value,
    col(Invoice.state).not_in(SET_ASIDE_VALUES),
)
"""The invoices reminders are about: owed invoices (not credit notes) not set aside."""
NO_DUE_DATE = N_(
    "it states no due date, only terms in words: set the day it is due (facturier due), or "
    "the seller's own terms ([reminders] days_to_pay)"
)


def _own_terms(settings: Settings, invoice: Invoice) -> SellerTerms | None:
    """The invoice's seller's own entry in ``[[reminders.sellers]]``: the first that names
    its VAT id (spaces aside) or its name, case aside (:func:`_names_seller` in SQL)."""
    vat_id = (invoice.seller_vat_id or "").replace(" ", "").casefold()
    for own in settings.reminders.sellers:
        if own.seller.replace(" ", "").casefold() == vat_id or (
            own.seller.casefold() == invoice.seller_name.casefold()
        ):
            return own
    return None


def _names_seller(own: SellerTerms) -> ColumnElement[bool]:
    """:func:`_own_terms`'s test of one entry, in SQL."""
    vat_id = func.replace(func.coalesce(col(Invoice.seller_vat_id), ""), " ", "")
    return or_(
        casefold(vat_id) == own.seller.replace(" ", "").casefold(),
        casefold(col(Invoice.seller_name)) == own.seller.casefold(),
    )


def seller_terms(settings: Settings, invoice: Invoice) -> LateTerms:
    """The late-payment terms of the invoice's seller: its own entry in
    ``[[reminders.sellers]]``, else ``[reminders]``'s."""
    own = _own_terms(settings, invoice)
    if own is not None:
        return LateTerms(own.country, own.interest_rate, own.indemnity)
    r = settings.reminders
    return LateTerms(r.country, r.interest_rate, r.indemnity)


def due_day(settings: Settings, invoice: Invoice) -> date | None:
    """The day the invoice is due: the one it states (or a person set); for one that states
    none, its issue date plus the seller's own ``days_to_pay`` when the admin set them
    (its seller's entry first); else None: never a day guessed from terms in words."""
    if invoice.due_date is not None:
        return invoice.due_date
    own = _own_terms(settings, invoice)
    days = own.days_to_pay if own is not None else None
    days = days if days is not None else settings.reminders.days_to_pay
    return None if days is None else invoice.issue_date + timedelta(days=days)


def due_by_terms_before(settings: Settings, day: date) -> ColumnElement[bool] | None:
    """In SQL, the invoices stating no due date whose seller's terms make them due before
    ``day`` (:func:`due_day` for a list's filter); None when no terms give a day."""

    def issued_before(days: int | None) -> ColumnElement[bool]:
        return false() if days is None else col(Invoice.issue_date) < day - timedelta(days)

    due = _by_sellers_terms(settings, issued_before)
    return None if due is None else and_(col(Invoice.due_date).is_(None), due)


def terms_days(settings: Settings) -> ColumnElement[int] | None:
    """In SQL, the days after its issue date an invoice is due by its seller's terms (NULL
    where none give a day): :func:`due_day` for a figure counted in the database. None when
    no terms give a day."""
    return _by_sellers_terms(settings, lambda days: literal(days, Integer))


def _by_sellers_terms(
    settings: Settings, then: Callable[[int | None], ColumnElement[_T]]
) -> ColumnElement[_T] | None:
    """``then(days)`` for the days to pay of the invoice's seller, in SQL: the first entry
    of ``[[reminders.sellers]]`` that names it (:func:`_own_terms`), else
    ``[reminders] days_to_pay``. None when no terms give a day."""
    default = settings.reminders.days_to_pay
    whens = [
        (_names_seller(own), own.days_to_pay if own.days_to_pay is not None else default)
        for own in settings.reminders.sellers
    ]
    if default is None and all(days is None for _names, days in whens):
        return None
    if not whens:  # SQL has no CASE without a WHEN
        return then(default)
    return case(*((names, then(days)) for names, days in whens), else_=then(default))


def undated_and_late(settings: Settings, invoice: Invoice, today: date) -> bool:
    """Whether ``invoice`` (one of :data:`REMINDABLE`) is held back from reminders for want
    of a due day: it states none, nobody set one, no seller's terms give one, and a first
    reminder would be due had it been due the day it was issued (a dispute holds it anyway)."""
    levels = settings.reminders.levels_days
    return (
        bool(levels)
        and due_day(settings, invoice) is None
        and invoice.disputed_at is None
        and (today - invoice.issue_date).days >= levels[0]
    )


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
            overdue = await self._overdue(session, today, report)
            done = await _levels_done(session, [i.id for i, _name, _due in overdue if i.id])
            groups: dict[tuple[int, int], list[Invoice]] = defaultdict(list)
            names: dict[int, str] = {}
            paper = await _on_paper(session, {i.customer_id for i, _name, _due in overdue})
            for invoice, name, due in overdue:
                assert invoice.id is not None and invoice.customer_id is not None
                level = reached_level((today - due).days, levels)
                if level == 0 or level in done[invoice.id]:
                    continue
                if invoice.disputed_at is not None:
                    said = f"{invoice.disputed_at:%Y-%m-%d}: {invoice.dispute_reason}"
                    report.held_back.append(
                        ReminderHeld(invoice.number, name, level, IN_DISPUTE, said)
                    )
                    continue
                if invoice.customer_id in paper:
                    report.held_back.append(ReminderHeld(invoice.number, name, level, ON_PAPER))
                    continue
                if invoice.state != InvoiceState.POSTED.value and not await _reached_the_customer(
                    session, invoice.id
                ):
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
        undated = [h.invoice for h in report.held_back if h.why == NO_DUE_DATE]
        if undated and not dry_run:
            log.warning(
                "reminders: %d invoice(s) state no due date and are not reminded: %s%s "
                "(set their day: facturier due; or the seller's terms: [reminders] days_to_pay)",
                len(undated),
                ", ".join(undated[:10]),
                "…" if len(undated) > 10 else "",
            )
        return report

    async def _overdue(
        self, session: AsyncSession, today: date, report: ReminderReport
    ) -> list[tuple[Invoice, str, date]]:
        """Owed invoices past their due day (:func:`due_day`), oldest due first, with their
        customer's name. One that states none, with no ``days_to_pay`` for its seller, is held
        back, saying so, once old enough that the first level would be reached had it been
        due the day it was issued."""
        rows = (
            await session.exec(
                select(Invoice, Customer.name)
                .join(Customer, col(Customer.id) == col(Invoice.customer_id))
                .where(
                    *REMINDABLE,
                    or_(col(Invoice.due_date) < today, col(Invoice.due_date).is_(None)),
                )
            )
        ).all()
        levels = self.settings.reminders.levels_days
        found = []
        for invoice, name in rows:
            due = due_day(self.settings, invoice)
            if due is None:
                if undated_and_late(self.settings, invoice, today):
                    level = reached_level((today - invoice.issue_date).days, levels)
                    report.held_back.append(ReminderHeld(invoice.number, name, level, NO_DUE_DATE))
            elif due >= today or (level := reached_level((today - due).days, levels)) == 0:
                continue  # not late enough for a first reminder: nothing to hold back either
            elif invoice.payment_means in DIRECT_DEBIT:
                held = ReminderHeld(invoice.number, name, level, DEBITED, invoice.payment_means)
                report.held_back.append(held)
            elif (left := still_owed(invoice)) < self.settings.reminders.minimum_balance:
                held = ReminderHeld(
                    invoice.number, name, level, UNDER_MINIMUM, f"{left} {invoice.currency}"
                )
                report.held_back.append(held)
            else:
                found.append((invoice, name, due))
        return sorted(found, key=lambda row: (row[2], row[0].id or 0))

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


def no_longer_reminded(settings: Settings, invoice: Invoice) -> bool:
    """Whether an invoice a reminder was queued for is no longer to be reminded when the
    message is about to be made: paid (or credited) since, under the minimum balance, in
    dispute, or set aside (withdrawn, discarded)."""
    return (
        invoice.payment_state not in OWED
        or invoice.state in SET_ASIDE_VALUES
        or invoice.disputed_at is not None
        or still_owed(invoice) < settings.reminders.minimum_balance
    )


async def _on_paper(session: AsyncSession, customer_ids: set[int | None]) -> set[int | None]:
    """Those of the customers who receive their invoices on paper (``outbound/paper``)."""
    if not customer_ids:
        return set()
    return set(
        (
            await session.exec(
                select(Customer.id).where(
                    col(Customer.id).in_(customer_ids), Customer.channel == Channel.PAPER.value
                )
            )
        ).all()
    )


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
