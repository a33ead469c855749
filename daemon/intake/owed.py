"""What an invoice still owes, kept on the invoice: recomputed from its applied payments and
its credit notes whenever either changes (never added to in place, so a reversal or a
withdrawn credit note cannot leave a wrong sum behind)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import select as columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.identity import DocumentKind
from daemon.domain.models import Invoice, InvoiceEvent, Payment, PaymentAllocation, PaymentStatus
from daemon.domain.payments import ZERO, payment_state
from daemon.domain.states import SET_ASIDE_VALUES, InvoiceNote


async def refresh_owed(session: AsyncSession, invoice_id: int) -> Invoice:
    """Recompute the invoice's paid and credited sums and its payment state."""
    invoice = await session.get(Invoice, invoice_id)
    assert invoice is not None
    paid = await session.scalar(
        columns(func.coalesce(func.sum(col(PaymentAllocation.amount)), 0))
        .join(Payment, col(Payment.id) == col(PaymentAllocation.payment_id))
        .where(
            col(PaymentAllocation.invoice_id) == invoice_id,
            col(Payment.status) == PaymentStatus.APPLIED.value,
        )
    )
    credit_notes = (
        await session.exec(
            select(col(Invoice.total_with_tax)).where(
                Invoice.corrects_id == invoice_id,
                Invoice.document_kind == DocumentKind.CREDIT_NOTE.value,
                col(Invoice.state).not_in(SET_ASIDE_VALUES),
            )
        )
    ).all()
    invoice.amount_paid = Decimal(str(paid or 0))
    invoice.amount_credited = sum((abs(Decimal(t)) for t in credit_notes), ZERO)
    invoice.payment_state = payment_state(
        invoice.amount_due, invoice.amount_paid, invoice.amount_credited
    )
    session.add(invoice)
    return invoice


def note(
    session: AsyncSession,
    invoice_id: int,
    event: str,
    *,
    by: str,
    reason: str = "",
    related_invoice_id: int | None = None,
    payment_id: int | None = None,
) -> None:
    """Append a decision about an invoice to its record."""
    session.add(
        InvoiceEvent(
            invoice_id=invoice_id,
            event=event,
            by=by,
            reason=reason,
            related_invoice_id=related_invoice_id,
            payment_id=payment_id,
        )
    )


async def owe_again(session: AsyncSession, payment_id: int, *, by: str, reason: str) -> None:
    """The invoices a reversed payment went to owe again what it paid: each one's record
    says who reversed it and why, and its balance is worked out again."""
    allocated = (
        await session.exec(
            select(PaymentAllocation.invoice_id).where(PaymentAllocation.payment_id == payment_id)
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
