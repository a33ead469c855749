"""Customers who receive their invoices on paper.

A customer records its channel (``customers channel``): e-invoices by email, with its
consent, or paper. Sending an invoice electronically needs the customer's acceptance (in
France, CGI art. 289 VI, until the e-invoicing reform makes it the rule), so an invoice of a
customer on paper is never emailed on its own: it waits as "to post" in the attention queue
until a person prints and posts it and says so (the item dealt with: the invoice is then
"posted", who, when and why kept on its timeline). Its reminders are held back likewise (a
person sends them on paper). A person may still send one by email on the customer's
request (``resend``, recorded with who and why).

A customer moved to paper has the messages not yet handed to the relay cancelled (its
invoices then wait to be posted); one moved to email has the invoices still waiting to be
posted queued by email.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import ValidationError
from daemon.domain.i18n import _
from daemon.domain.labels import state_label
from daemon.domain.models import Delivery, DeliveryKind, Invoice, InvoiceEvent, ReminderRun
from daemon.domain.states import PERSON_SET, DeliveryState, InvoiceNote, InvoiceState
from daemon.outbound.planning import (
    cancel_unsent,
    never_planned,
    plan_invoice_deliveries,
    waiting_for_an_address,
)
from daemon.store.rows import moved

log = logging.getLogger(__name__)

_ON_ITS_WAY = (DeliveryState.QUEUED.value, DeliveryState.DEFERRED.value)
_REACHED = (
    DeliveryState.ACCEPTED.value,
    DeliveryState.DELIVERED.value,
    DeliveryState.SENDING.value,
)


async def moved_to_paper(session: AsyncSession, customer_id: int, text: str) -> list[str]:
    """Cancel the customer's messages not yet handed to the relay (invoices, copies,
    reminders); an invoice none of whose messages reached the customer, or one that waited
    for an address (or for one that works), then waits to be posted. The invoices
    concerned, each with what became of it."""
    pending = (
        await session.exec(
            select(Invoice)
            .join(Delivery, col(Delivery.invoice_id) == col(Invoice.id))
            .where(Invoice.customer_id == customer_id, col(Delivery.state).in_(_ON_ITS_WAY))
            .distinct()
            .order_by(col(Invoice.id))
        )
    ).all()
    said = []
    for invoice in pending:
        assert invoice.id is not None
        cancelled, in_flight = await cancel_unsent(session, invoice.id, text)
        if not cancelled:
            continue
        # a reminder cancelled was not sent: its level is for a later run to send
        await session.exec(  # type: ignore[call-overload]
            delete(ReminderRun).where(
                col(ReminderRun.delivery_id).in_(
                    select(Delivery.id).where(
                        Delivery.invoice_id == invoice.id,
                        Delivery.kind == DeliveryKind.REMINDER.value,
                        Delivery.state == DeliveryState.CANCELLED.value,
                        Delivery.last_text == text,
                    )
                )
            )
        )
        reached = (
            await session.exec(
                select(Delivery.id).where(
                    Delivery.invoice_id == invoice.id,
                    Delivery.kind == DeliveryKind.INVOICE.value,
                    col(Delivery.state).in_(_REACHED),
                )
            )
        ).first()
        if reached is None and invoice.state not in PERSON_SET:  # a person's word stands
            invoice.state = InvoiceState.TO_POST.value
            session.add(invoice)
            said.append(_("{number}: to post").format(number=invoice.number))
        else:
            said.append(
                _("{number}: its messages not yet sent are cancelled").format(number=invoice.number)
            )
        if in_flight:
            said[-1] += _(" (a message is being handed to the relay now)")
    for invoice in await waiting_for_an_address(session, customer_id):  # it needs none now
        assert invoice.id is not None
        if not await never_planned(session, invoice.id):  # in attention for a message's fate
            continue
        invoice.state = InvoiceState.TO_POST.value
        session.add(invoice)
        said.append(_("{number}: to post").format(number=invoice.number))
    return said


async def moved_to_email(session: AsyncSession, customer_id: int, sender_address: str) -> list[str]:
    """Queue by email the customer's invoices still waiting to be posted."""
    waiting = (
        await session.exec(
            select(Invoice)
            .where(Invoice.customer_id == customer_id, Invoice.state == InvoiceState.TO_POST.value)
            .order_by(col(Invoice.id))
        )
    ).all()
    said = []
    for invoice in waiting:
        invoice.state = InvoiceState.QUEUED.value  # planning says where it stands
        session.add(invoice)
        await plan_invoice_deliveries(session, invoice, sender_address)
        said.append(
            _("{number}: {state}").format(number=invoice.number, state=state_label(invoice.state))
        )
    return said


async def mark_posted(session: AsyncSession, invoice_id: int, by: str, how: str) -> None:
    """Record that a person posted the invoice (one waiting to be posted), by a conditional
    update: of two people at once, one records it."""
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None or not await moved(
        session,
        Invoice,
        invoice_id,
        "state",
        [InvoiceState.TO_POST.value],
        state=InvoiceState.POSTED.value,
    ):
        raise ValidationError(_("invoice #{id} is not waiting to be posted").format(id=invoice_id))
    session.add(
        InvoiceEvent(invoice_id=invoice_id, event=InvoiceNote.POSTED.value, by=by, reason=how)
    )
    log.info("invoice %s posted on paper by %s", invoice.number, by)
