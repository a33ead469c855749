"""Payments in: bank statement entries (and payments typed by hand) matched to the invoices
they pay, each match saying how it was made; what matches nothing, or pays more than is owed,
waits for a person; a payment is reversed with a reason, never deleted.

Matching, first that finds an owed invoice wins:
1. a structured creditor reference (ISO 11649 RF, Belgian +++…+++) the invoice email asked
   for, or the file's own remittance information (BT-83), quoted in the reference or the text;
2. the invoice file's own payment reference (BT-83), then invoice numbers, written in the
   remittance text (one payment may settle several invoices: oldest due first);
3. the amount and the customer: the payer's name is a customer's, and exactly one of its
   owed invoices has that balance.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import PaymentSettings
from daemon.domain import i18n
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.formatting import money
from daemon.domain.i18n import _
from daemon.domain.identity import DocumentKind
from daemon.domain.models import (
    OWED,
    Customer,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    utcnow,
)
from daemon.domain.payment_words import (
    APPLIED_NOTE,
    WAITING,
    how_text,
    shown_how,
    shown_payment,
    waiting_text,
)
from daemon.domain.payments import ZERO, is_paid_amount, still_owed, structured_references
from daemon.domain.states import SET_ASIDE_VALUES, InvoiceNote
from daemon.intake.owed import note, refresh_owed
from daemon.intake.statements import StatementEntry, StatementError, read_statement
from daemon.store.db import SessionFactory, transaction
from daemon.store.rows import moved

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-/._]*[0-9A-Za-z]|[0-9A-Za-z]")


@dataclass(frozen=True)
class PaymentOutcome:
    where: str
    amount: str
    currency: str
    status: str
    """``applied``, ``waiting``, ``already imported`` or ``skipped``."""
    detail: str
    payment_id: int | None = None


@dataclass(frozen=True)
class StatementReport:
    file: str
    kind: str
    ok: bool
    outcomes: tuple[PaymentOutcome, ...]
    error: str | None = None


@dataclass(frozen=True)
class PaymentRow:
    id: int
    received_on: date
    amount: Decimal
    currency: str
    payer: str | None
    reference: str | None
    remittance: str | None
    source: str
    status: str
    waiting_reason: str | None
    invoices: tuple[tuple[str, Decimal, str], ...]
    """(invoice number, amount counted, how it was matched)"""
    reversal: str | None


class PaymentService:
    def __init__(self, sessions: SessionFactory, settings: PaymentSettings):
        self.sessions = sessions
        self.settings = settings

    async def import_files(
        self,
        paths: Iterable[Path],
        *,
        by: str,
        on_report: Callable[[StatementReport], None] | None = None,
    ) -> list[StatementReport]:
        """Read each statement and record its credits; a file that cannot be read records
        nothing and says why. The same statement imported twice changes nothing."""
        reports = []
        for path in paths:
            report = await self.import_file(path, by=by)
            reports.append(report)
            if on_report is not None:
                on_report(report)
        return reports

    async def import_file(self, path: Path, *, by: str) -> StatementReport:
        name = str(path)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            return StatementReport(
                name,
                "",
                False,
                (),
                _("{file}: cannot read: {why}").format(file=name, why=exc.strerror),
            )
        try:
            statement = read_statement(
                data, name, self.settings.csv, self.settings.default_currency
            )
        except StatementError as exc:
            return StatementReport(name, "", False, (), str(exc))
        outcomes = [PaymentOutcome(s.where, "", "", "skipped", s.why) for s in statement.skipped]
        for entry in statement.entries:
            outcomes.append(await self.record(entry, source=f"{statement.kind}:{path.name}", by=by))
        return StatementReport(name, statement.kind, True, tuple(outcomes))

    async def record(self, entry: StatementEntry, *, source: str, by: str) -> PaymentOutcome:
        """Record one credit and match it; an entry already recorded changes nothing."""
        amount, ccy = f"{entry.amount:.2f}", entry.currency
        try:
            async with transaction(self.sessions) as session:
                known = (
                    await session.exec(
                        select(Payment.id).where(Payment.entry_key == entry.entry_key)
                    )
                ).first()
                if known is not None:
                    return PaymentOutcome(
                        entry.where,
                        amount,
                        ccy,
                        "already imported",
                        _("payment #{id}").format(id=known),
                        known,
                    )
                payment = Payment(
                    received_on=entry.received_on,
                    amount=entry.amount,
                    currency=entry.currency,
                    reference=entry.reference,
                    remittance=entry.remittance,
                    payer_name=entry.payer_name,
                    payer_account=entry.payer_account,
                    source=source,
                    entry_key=entry.entry_key,
                    recorded_by=by,
                )
                session.add(payment)
                await session.flush()
                status, detail = await _match_and_apply(session, payment, by=by)
                return PaymentOutcome(entry.where, amount, ccy, status, detail, payment.id)
        except IntegrityError:  # recorded by another instance at this moment
            return PaymentOutcome(entry.where, amount, ccy, "already imported", entry.entry_key)

    async def record_by_hand(
        self,
        invoice_id: int,
        amount: Decimal | None,
        *,
        received_on: date,
        reference: str | None,
        by: str,
        reason: str,
        source: str = "cli",
    ) -> Payment:
        """A payment typed by a person for one invoice (``amount`` None: its balance)."""
        if not reason.strip():
            raise ValidationError(_("reason: say where the payment was seen (it is recorded)"))
        if received_on > date.today():
            raise ValidationError(
                _("{day} is in the future: a payment is recorded once it is received").format(
                    day=received_on.isoformat()
                )
            )
        async with transaction(self.sessions) as session:
            invoice = await _owed_invoice(session, invoice_id)
            owed = still_owed(invoice)
            if amount is None and owed <= ZERO:  # its balance, and there is none
                raise ValidationError(
                    _(
                        "invoice {number} is already paid: it owes nothing "
                        "(payments list shows what paid it)"
                    ).format(number=invoice.number)
                )
            paid = owed if amount is None else amount
            if paid.is_finite() and paid <= ZERO:  # (NaN compares with nothing)
                raise ValidationError(
                    _("amount: {paid} is not a payment (invoice {number} owes {owed})").format(
                        paid=paid,
                        number=invoice.number,
                        owed=money(owed, invoice.currency, i18n.language()),
                    )
                )
            if not is_paid_amount(paid):
                raise ValidationError(
                    _(
                        "amount: {paid} is not an amount in cents (at most two decimals, "
                        "below 10^16)"
                    ).format(paid=paid)
                )
            payment = Payment(
                received_on=received_on,
                amount=paid,
                currency=invoice.currency,
                reference=reference,
                remittance=reason,
                source=source,
                # typed by hand: each its own entry (two equal ones are two payments)
                entry_key=f"{source}:{invoice_id}:{uuid.uuid4().hex}",
                recorded_by=by,
            )
            session.add(payment)
            await session.flush()
            await _allocate(
                session, payment, [invoice], how_text("by_hand"), by=by, allow_over=True
            )
            return payment

    async def assign(
        self, payment_id: int, invoice_ids: list[int], *, by: str, reason: str
    ) -> Payment:
        """A person applies a waiting payment to the invoices it pays (even when it pays more
        than they owe: the difference shows as a negative balance)."""
        if not reason.strip():
            raise ValidationError(_("reason: say why the payment goes to these invoices"))
        async with transaction(self.sessions) as session:
            payment = await session.get(Payment, payment_id)
            if payment is None:
                raise NotFoundError(_("no payment #{payment_id}").format(payment_id=payment_id))
            if payment.status != PaymentStatus.WAITING.value:
                raise ValidationError(
                    _("payment #{payment_id} is {status}, not waiting").format(
                        payment_id=payment_id, status=payment.status
                    )
                )
            invoices = [
                await _owed_invoice(session, i, currency=payment.currency) for i in invoice_ids
            ]
            await _claim(session, payment, PaymentStatus.APPLIED, PaymentStatus.WAITING)
            payment.waiting_reason = None
            await _allocate(
                session,
                payment,
                invoices,
                how_text("by_hand_because", reason=reason),
                by=by,
                allow_over=True,
            )
            return payment

    async def reverse(self, payment_id: int, *, by: str, reason: str) -> Payment:
        """Take a payment back (a returned transfer, a payment recorded by mistake): its
        invoices owe again what it paid; the payment stays on record, marked reversed."""
        if not reason.strip():
            raise ValidationError(_("reason: say why the payment is reversed"))
        async with transaction(self.sessions) as session:
            payment = await session.get(Payment, payment_id)
            if payment is None:
                raise NotFoundError(_("no payment #{payment_id}").format(payment_id=payment_id))
            if payment.status == PaymentStatus.REVERSED.value:
                raise ValidationError(
                    _("payment #{payment_id} was reversed already").format(payment_id=payment_id)
                )
            await _claim(
                session,
                payment,
                PaymentStatus.REVERSED,
                PaymentStatus.WAITING,
                PaymentStatus.APPLIED,
            )
            payment.reversed_by, payment.reversal_reason = by, reason
            payment.reversed_at = utcnow()
            session.add(payment)
            await session.flush()
            allocated = (
                await session.exec(
                    select(PaymentAllocation.invoice_id).where(
                        PaymentAllocation.payment_id == payment_id
                    )
                )
            ).all()
            for invoice_id in sorted(set(allocated)):
                note(
                    session,
                    invoice_id,
                    InvoiceNote.PAYMENT_REVERSED,
                    by=by,
                    reason=reason,
                    payment_id=payment_id,
                )
                await refresh_owed(session, invoice_id)
            return payment

    async def payments(
        self, status: str | None = None, invoice_id: int | None = None
    ) -> list[PaymentRow]:
        """Payments, newest first (those of ``status``, or of one invoice)."""
        async with self.sessions() as session:
            query = select(Payment).order_by(col(Payment.id).desc())
            if status is not None:
                query = query.where(Payment.status == status)
            if invoice_id is not None:
                query = query.where(
                    col(Payment.id).in_(
                        select(PaymentAllocation.payment_id).where(
                            PaymentAllocation.invoice_id == invoice_id
                        )
                    )
                )
            found = (await session.exec(query)).all()
            ids = [p.id for p in found]
            allocations = (
                await session.exec(
                    select(PaymentAllocation, Invoice.number)
                    .join(Invoice, col(Invoice.id) == col(PaymentAllocation.invoice_id))
                    .where(col(PaymentAllocation.payment_id).in_(ids))
                    .order_by(col(PaymentAllocation.id))
                )
            ).all()
        return [
            PaymentRow(
                p.id or 0,
                p.received_on,
                p.amount,
                p.currency,
                p.payer_name,
                p.reference,
                p.remittance,
                p.source,
                p.status,
                p.waiting_reason,
                tuple(
                    (number, a.amount, a.matched_by)
                    for a, number in allocations
                    if a.payment_id == p.id
                ),
                f"{p.reversed_by}: {p.reversal_reason}" if p.reversed_by else None,
            )
            for p in found
        ]


async def _owed_invoice(
    session: AsyncSession, invoice_id: int, currency: str | None = None
) -> Invoice:
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=invoice_id))
    if invoice.document_kind != DocumentKind.INVOICE.value:
        raise ValidationError(
            _("{number} is a credit note: nothing is paid on it").format(number=invoice.number)
        )
    if invoice.state in SET_ASIDE_VALUES:  # why not, and what to do instead
        raise ValidationError(_(WAITING[invoice.state]).format(number=invoice.number))
    if currency is not None and invoice.currency != currency:
        raise ValidationError(
            _("invoice {number} is in {invoice_currency}, the payment in {currency}").format(
                number=invoice.number, invoice_currency=invoice.currency, currency=currency
            )
        )
    return invoice


async def _match_and_apply(session: AsyncSession, payment: Payment, *, by: str) -> tuple[str, str]:
    """Find what ``payment`` pays and apply it, or leave it waiting with the reason."""
    text = " ".join(t for t in (payment.reference, payment.remittance) if t)
    found, how = await _by_reference(session, text)
    if not found:
        found, how = await _by_word(session, text, "remittance_reference")
    if not found:
        found, how = await _by_word(session, text, "number")
    if not found:
        found, how = await _by_amount_and_customer(session, payment)
    if not found:
        aside = await _set_aside_named(session, text)
        if aside is not None:  # it names an invoice not owed until a person decides it
            return _wait(session, payment, waiting_text(aside.state, number=aside.number))
        return _wait(session, payment, waiting_text("no_match"))
    numbers = ", ".join(i.number for i in found)
    if any(i.currency != payment.currency for i in found):
        return _wait(
            session,
            payment,
            waiting_text("other_currency", how=how, numbers=numbers),
        )
    owed_now = [i for i in found if i.payment_state in OWED and i.state not in SET_ASIDE_VALUES]
    if not owed_now:
        return _wait(
            session,
            payment,
            waiting_text("owes_nothing", how=how, numbers=numbers),
        )
    owed = sum((still_owed(i) for i in owed_now), ZERO)
    if payment.amount > owed:
        return _wait(
            session,
            payment,
            waiting_text("pays_more", paid=payment.amount, owed=owed, numbers=numbers, how=how),
        )
    await _allocate(session, payment, owed_now, how, by=by, allow_over=False)
    return "applied", _("{how}: {numbers}").format(how=shown_how(how), numbers=numbers)


def _wait(session: AsyncSession, payment: Payment, why: str) -> tuple[str, str]:
    payment.status = PaymentStatus.WAITING.value
    payment.waiting_reason = why  # in English, read in each operator's language
    session.add(payment)
    return "waiting", shown_payment(why)


async def _claim(
    session: AsyncSession, payment: Payment, to: PaymentStatus, *sources: PaymentStatus
) -> None:
    """Move ``payment`` from one of ``sources`` to ``to`` by a conditional update: of two
    people assigning or reversing one payment at the same moment, one does and the other is
    refused (both applied would count the money twice)."""
    leaving = [source.value for source in sources]
    if not await moved(session, Payment, payment.id, "status", leaving, status=to.value):
        raise ValidationError(
            _("payment #{payment_id} was dealt with meanwhile by someone else").format(
                payment_id=payment.id
            )
        )
    await session.refresh(payment)


async def _allocate(
    session: AsyncSession,
    payment: Payment,
    invoices: list[Invoice],
    how: str,
    *,
    by: str,
    allow_over: bool,
) -> None:
    """Count ``payment`` against ``invoices``, oldest due first, each up to its balance; what
    is left goes on the last one (only where a person said so: ``allow_over``)."""
    assert payment.id is not None
    payment.status = PaymentStatus.APPLIED.value  # counted by the refresh below
    session.add(payment)
    left = payment.amount
    ordered = sorted(invoices, key=lambda i: (i.due_date or i.issue_date, i.id or 0))
    for n, invoice in enumerate(ordered):
        assert invoice.id is not None
        owed = max(still_owed(invoice), ZERO)
        part = left if n == len(ordered) - 1 and allow_over else min(left, owed)
        if part <= ZERO:
            continue
        session.add(
            PaymentAllocation(
                payment_id=payment.id, invoice_id=invoice.id, amount=part, matched_by=how
            )
        )
        left -= part
        await session.flush()
        note(
            session,
            invoice.id,
            InvoiceNote.PAYMENT_APPLIED,
            by=by,
            reason=APPLIED_NOTE.format(amount=part, currency=payment.currency, how=how),
            payment_id=payment.id,
        )
        await refresh_owed(session, invoice.id)


def _owed_query() -> Any:
    return select(Invoice).where(
        Invoice.document_kind == DocumentKind.INVOICE.value,
        col(Invoice.state).not_in(SET_ASIDE_VALUES),
    )


async def _by_reference(session: AsyncSession, text: str) -> tuple[list[Invoice], str]:
    refs = structured_references(text)
    if not refs:
        return [], ""
    found = (
        await session.exec(
            _owed_query().where(
                col(Invoice.payment_reference).in_(refs)
                | col(Invoice.remittance_reference).in_(refs)
            )
        )
    ).all()
    return list(found), how_text("reference", reference=refs[0])


async def _by_word(session: AsyncSession, text: str, field: str) -> tuple[list[Invoice], str]:
    """Invoices whose ``field`` (the number, or the file's own payment reference) is one of
    the words of ``text``; a word that fits several invoices (of several sellers or
    customers) fits none."""
    tokens = _number_words(text)
    if not tokens:
        return [], ""
    column = col(getattr(Invoice, field))
    found = list((await session.exec(_owed_query().where(column.in_(tokens)))).all())
    by_word: dict[str, list[Invoice]] = {}
    for invoice in found:
        by_word.setdefault(getattr(invoice, field) or "", []).append(invoice)
    unique = [group[0] for group in by_word.values() if len(group) == 1]
    return unique, how_text(field)


def _number_words(text: str) -> list[str]:
    """The words of ``text`` that may be an invoice number or reference (they hold a digit),
    the first 50."""
    return sorted({t for t in _TOKEN.findall(text) if any(ch.isdigit() for ch in t)})[:50]


async def _set_aside_named(session: AsyncSession, text: str) -> Invoice | None:
    """The first invoice set aside (held for a person, withdrawn, discarded) whose number is
    a word of ``text``: a payment that names it waits for what a person decides of it."""
    tokens = _number_words(text)
    if not tokens:
        return None
    query = select(Invoice).where(
        Invoice.document_kind == DocumentKind.INVOICE.value,
        col(Invoice.state).in_(SET_ASIDE_VALUES),
        col(Invoice.number).in_(tokens),
    )
    return (await session.exec(query.order_by(col(Invoice.number), col(Invoice.id)))).first()


async def _by_amount_and_customer(
    session: AsyncSession, payment: Payment
) -> tuple[list[Invoice], str]:
    if not payment.payer_name:
        return [], ""
    customers = (
        await session.exec(
            select(Customer.id).where(func.lower(Customer.name) == payment.payer_name.lower())
        )
    ).all()
    if len(customers) != 1:
        return [], ""
    owed = (
        await session.exec(
            _owed_query().where(
                Invoice.customer_id == customers[0],
                col(Invoice.payment_state).in_(OWED),
                Invoice.currency == payment.currency,
            )
        )
    ).all()
    exact = [i for i in owed if still_owed(i) == payment.amount]
    if len(exact) != 1:
        return [], ""
    return exact, how_text("amount_and_customer")
