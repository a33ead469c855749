"""How a payment finds the invoices it pays (see :mod:`daemon.intake.payments` for the order:
a structured reference, the invoice's payment reference or number in the text, the amount and
the customer), and how it is spread over them, oldest due first."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.i18n import _
from daemon.domain.identity import DocumentKind
from daemon.domain.models import (
    OWED,
    Customer,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)
from daemon.domain.payment_words import (
    APPLIED_NOTE,
    WAITING,
    how_text,
    shown_how,
    shown_payment,
    waiting_text,
)
from daemon.domain.payments import ZERO, still_owed, structured_references
from daemon.domain.states import SET_ASIDE_VALUES, InvoiceNote
from daemon.intake.owed import note, refresh_owed
from daemon.store.rows import moved

log = logging.getLogger(__name__)

DueDay = Callable[[Invoice], date | None]
"""The day an invoice is due by (``reminders.due_day`` with the settings' sellers' terms)."""


def stated_due_day(invoice: Invoice) -> date | None:
    """The due day the invoice states (or a person set): no seller's terms known."""
    return invoice.due_date


_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-/._]*[0-9A-Za-z]|[0-9A-Za-z]")


async def owed_invoice(
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


async def match_and_apply(
    session: AsyncSession, payment: Payment, *, by: str, due_day: DueDay = stated_due_day
) -> tuple[str, str]:
    """Find what ``payment`` pays and apply it (oldest ``due_day`` first), or leave it
    waiting with the reason."""
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
    await allocate(session, payment, owed_now, how, by=by, allow_over=False, due_day=due_day)
    return "applied", _("{how}: {numbers}").format(how=shown_how(how), numbers=numbers)


def _wait(session: AsyncSession, payment: Payment, why: str) -> tuple[str, str]:
    payment.status = PaymentStatus.WAITING.value
    payment.waiting_reason = why  # in English, read in each operator's language
    session.add(payment)
    return "waiting", shown_payment(why)


async def claim(
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


async def allocate(
    session: AsyncSession,
    payment: Payment,
    invoices: list[Invoice],
    how: str,
    *,
    by: str,
    allow_over: bool,
    due_day: DueDay = stated_due_day,
) -> None:
    """Count ``payment`` against ``invoices``, oldest due first (by ``due_day``: the day
    reminders count from, its seller's terms' for one stating none; else its issue day),
    each up to its balance; what is left goes on the last one (only where a person said so:
    ``allow_over``)."""
    assert payment.id is not None
    payment.status = PaymentStatus.APPLIED.value  # counted by the refresh below
    session.add(payment)
    left = payment.amount
    ordered = sorted(invoices, key=lambda i: (due_day(i) or i.issue_date, i.id or 0))
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
