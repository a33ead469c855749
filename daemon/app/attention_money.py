"""The attention queue's items about money a person must place: a payment that matches no
invoice or pays more than they owe, and an invoice paid more than it owes."""

from __future__ import annotations

from sqlalchemy import func, text
from sqlalchemy import select as columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.app.attention_rows import AttentionItem, InvoiceRef, make_item
from daemon.domain.attention import AttentionKind
from daemon.domain.formatting import day, money
from daemon.domain.i18n import _, language
from daemon.domain.models import (
    OVERPAID,
    Customer,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)
from daemon.domain.payment_words import shown_payment
from daemon.domain.payments import ZERO, still_owed


async def payments(session: AsyncSession) -> list[AttentionItem]:
    """Payments that match no invoice or pay more than is owed."""
    rows = (
        await session.exec(select(Payment).where(Payment.status == PaymentStatus.WAITING.value))
    ).all()
    return [
        make_item(
            AttentionKind.PAYMENT_WAITING,
            p.id,
            p.recorded_at,
            _("{money} from {payer} on {day}: {why}").format(
                money=money(p.amount, p.currency, language()),
                payer=p.payer_name or _("unknown payer"),
                day=day(p.received_on, language()),
                why=shown_payment(p.waiting_reason),
            ),
            customer=p.payer_name,
        )
        for p in rows
    ]


async def overpaid(session: AsyncSession) -> list[AttentionItem]:
    """Invoices paid more than they owe (``OVERPAID``, by its partial index): a payment
    recorded twice or typed wrong, a customer that paid twice, a credit note that came after
    the payment. Each item is its invoice's latest payment (the allocation's id, its time):
    once a person dealt with it, a further payment asks again."""
    rows = (
        await session.exec(
            select(Invoice, Customer.name)
            .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
            .where(text(OVERPAID))
        )
    ).all()
    over = [(i, name) for i, name in rows if i.id is not None and still_owed(i) < ZERO]
    if not over:
        return []
    latest = {
        invoice_id: (allocation_id, at)
        for invoice_id, allocation_id, at in (
            await (await session.connection()).execute(
                columns(
                    col(PaymentAllocation.invoice_id),
                    func.max(col(PaymentAllocation.id)),
                    func.max(col(Payment.recorded_at)),
                )
                .join(Payment, col(Payment.id) == col(PaymentAllocation.payment_id))
                .where(
                    col(PaymentAllocation.invoice_id).in_([i.id for i, _name in over]),
                    col(Payment.status) == PaymentStatus.APPLIED.value,
                )
                .group_by(col(PaymentAllocation.invoice_id))
            )
        ).all()
    }
    lang = language()
    return [
        make_item(
            AttentionKind.OVERPAID,
            latest[invoice.id][0],
            latest[invoice.id][1],
            _("paid {paid} for {owed} owed: {over} is the customer's").format(
                paid=money(invoice.amount_paid, invoice.currency, lang),
                owed=money(invoice.amount_due - invoice.amount_credited, invoice.currency, lang),
                over=money(-still_owed(invoice), invoice.currency, lang),
            ),
            InvoiceRef(invoice.id, invoice.number, name or invoice.buyer_name, invoice.customer_id),
        )
        for invoice, name in over
        if invoice.id in latest
    ]
