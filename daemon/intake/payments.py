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
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from config import PaymentSettings
from daemon.domain import i18n
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.formatting import money
from daemon.domain.i18n import _
from daemon.domain.models import (
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    utcnow,
)
from daemon.domain.payment_words import (
    how_text,
)
from daemon.domain.payments import ZERO, is_paid_amount, still_owed
from daemon.intake.owed import owe_again
from daemon.intake.payment_matching import (
    DueDay,
    allocate,
    claim,
    match_and_apply,
    owed_invoice,
    stated_due_day,
)
from daemon.intake.statements import StatementEntry, StatementError, read_statement
from daemon.store.db import SessionFactory, transaction

log = logging.getLogger(__name__)


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
    def __init__(
        self,
        sessions: SessionFactory,
        settings: PaymentSettings,
        *,
        today: Callable[[], date] = date.today,
        due_day: DueDay = stated_due_day,
    ):
        self.sessions = sessions
        self.settings = settings
        self.today = today
        """Today's date in the business's time zone: a payment is received by then."""
        self.due_day = due_day
        """The day an invoice is due by: a payment goes to the oldest due first."""

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
                status, detail = await match_and_apply(
                    session, payment, by=by, due_day=self.due_day
                )
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
        currency: str | None = None,
    ) -> Payment:
        """A payment typed by a person for one invoice (``amount`` None: its balance), in the
        invoice's currency (``currency``, the one the person wrote beside the amount, if any,
        must be it: an amount in another is never taken for one in the invoice's)."""
        if not reason.strip():
            raise ValidationError(_("reason: say where the payment was seen (it is recorded)"))
        if received_on > self.today():
            raise ValidationError(
                _("{day} is in the future: a payment is recorded once it is received").format(
                    day=received_on.isoformat()
                )
            )
        async with transaction(self.sessions) as session:
            invoice = await owed_invoice(session, invoice_id)
            if currency is not None and currency != invoice.currency:
                raise ValidationError(
                    _(
                        "amount: written in {written}, but invoice {number} is in {currency}: "
                        "give the amount in {currency} that reached the account"
                    ).format(written=currency, number=invoice.number, currency=invoice.currency)
                )
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
            await allocate(session, payment, [invoice], how_text("by_hand"), by=by, allow_over=True)
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
                await owed_invoice(session, i, currency=payment.currency) for i in invoice_ids
            ]
            await claim(session, payment, PaymentStatus.APPLIED, PaymentStatus.WAITING)
            payment.waiting_reason = None
            await allocate(
                session,
                payment,
                invoices,
                how_text("by_hand_because", reason=reason),
                by=by,
                allow_over=True,
                due_day=self.due_day,
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
            await claim(
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
            await owe_again(session, payment_id, by=by, reason=reason)
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
