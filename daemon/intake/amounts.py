"""Invoices held because their amounts do not add up (``daemon.domain.arithmetic``): nothing
goes out until a person sends the invoice as it is or discards it (the seller then issues a
corrected one). Every decision is recorded (who, when, why); nothing is deleted.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.compliance import ComplianceReport, Finding
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.event_words import event_text
from daemon.domain.finding_words import why_held
from daemon.domain.i18n import N_, _
from daemon.domain.labels import state_label
from daemon.domain.models import Customer, Delivery, Invoice, InvoiceEvent
from daemon.domain.states import SET_ASIDE_VALUES, DeliveryState, InvoiceNote, InvoiceState
from daemon.intake.held import release
from daemon.intake.owed import note, refresh_owed
from daemon.outbound.planning import cancel_unsent, plan_invoice_deliveries
from daemon.store.db import SessionFactory, transaction
from daemon.store.rows import moved

log = logging.getLogger(__name__)


class AmountsDecision(enum.StrEnum):
    SEND = "send"  # the amounts are right as they stand: the invoice goes out
    DISCARD = "discard"  # not sent; kept on record (the seller issues a corrected invoice)


DONE: dict[AmountsDecision, str] = {
    AmountsDecision.SEND: N_("sent as it is"),
    AmountsDecision.DISCARD: N_("discarded: it will not be sent"),
}
"""What a decision did, as the operator reads it (translate with ``_``)."""


def held_findings(compliance: str | None) -> list[Finding]:
    """The findings of an invoice's stored report (``Invoice.compliance``) that hold it for
    a person."""
    report = ComplianceReport.from_json(compliance)
    return report.holds if report is not None else []


def hold_for_amounts(session: AsyncSession, invoice: Invoice, *, by: str) -> bool:
    """Hold ``invoice`` (stored, with an id) when its report says its amounts do not add
    up: its state says so and the hold is noted. True when it was held."""
    findings = held_findings(invoice.compliance)
    if not findings:
        return False
    assert invoice.id is not None
    invoice.state = InvoiceState.AMOUNTS_TO_CHECK.value
    session.add(invoice)
    note(session, invoice.id, InvoiceNote.AMOUNTS_HELD, by=by, reason=why_held(findings))
    return True


async def hold_before_sending(session: AsyncSession, invoice: Invoice, *, by: str) -> str | None:
    """Hold ``invoice`` when the check made again just before its message (its report now
    stored) says its amounts do not add up: an invoice imported before that check existed
    is held as an import would hold it, its unsent deliveries cancelled. Not when a person
    already sent it as it is, nor once a message of it reached its customer (the relay took
    it). Returns why it is held, or None when it may go."""
    findings = held_findings(invoice.compliance)
    if not findings:
        return None
    assert invoice.id is not None
    why = event_text("held_for_amounts", held=why_held(findings))  # stored in English
    if invoice.state == InvoiceState.AMOUNTS_TO_CHECK.value:
        return why  # held meanwhile (another worker's batch)
    if invoice.state in SET_ASIDE_VALUES:
        return None  # withdrawn or discarded meanwhile: that decision stands
    confirmed = (
        await session.exec(
            select(InvoiceEvent.id).where(
                InvoiceEvent.invoice_id == invoice.id,
                InvoiceEvent.event == InvoiceNote.AMOUNTS_CONFIRMED.value,
            )
        )
    ).first()
    reached = (
        await session.exec(
            select(Delivery.id).where(
                Delivery.invoice_id == invoice.id,
                col(Delivery.state).in_(
                    [DeliveryState.ACCEPTED.value, DeliveryState.DELIVERED.value]
                ),
            )
        )
    ).first()
    if confirmed is not None or reached is not None:
        return None
    # by a conditional update: of two workers checking the invoice at once, one holds it
    held = InvoiceState.AMOUNTS_TO_CHECK.value
    if not await moved(session, Invoice, invoice.id, "state", [invoice.state], state=held):
        # changed meanwhile: held by the other, or decided
        await session.refresh(invoice, ["state"])
        return why if invoice.state == InvoiceState.AMOUNTS_TO_CHECK.value else None
    hold_for_amounts(session, invoice, by=by)  # its state, as the update set it, and the note
    await cancel_unsent(session, invoice.id, why)
    return why


@dataclass(frozen=True)
class HeldInvoice:
    """An invoice held for its amounts, with what does not add up."""

    invoice_id: int
    number: str
    customer: str
    findings: tuple[Finding, ...]


class AmountsService:
    def __init__(self, sessions: SessionFactory, sender_address: str):
        self.sessions = sessions
        self.sender_address = sender_address

    async def held(self) -> list[HeldInvoice]:
        """Every invoice held for its amounts, oldest first."""
        async with self.sessions() as session:
            rows = (
                await session.exec(
                    select(Invoice, Customer.name)
                    .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
                    .where(Invoice.state == InvoiceState.AMOUNTS_TO_CHECK.value)
                    .order_by(col(Invoice.id))
                )
            ).all()
        return [
            HeldInvoice(
                invoice.id or 0,
                invoice.number,
                name or invoice.buyer_name,
                tuple(held_findings(invoice.compliance)),
            )
            for invoice, name in rows
        ]

    async def decide(
        self, invoice_id: int, decision: AmountsDecision, *, by: str, reason: str
    ) -> Invoice:
        """Apply a person's decision about an invoice held for its amounts; returns it as
        it now is. Send: it goes out as it is (planned like any other invoice). Discard: it
        is not sent and stays on record."""
        if not reason.strip():
            raise ValidationError(_("reason: say why (it is kept with the decision)"))
        async with transaction(self.sessions) as session:
            invoice = await session.get(Invoice, invoice_id)
            if invoice is None:
                raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=invoice_id))
            if invoice.state != InvoiceState.AMOUNTS_TO_CHECK.value:
                raise ValidationError(
                    _(
                        "invoice {number} (#{id}) is not held for its amounts (its state: {state})"
                    ).format(number=invoice.number, id=invoice_id, state=state_label(invoice.state))
                )
            assert invoice.id is not None
            if decision is AmountsDecision.DISCARD:
                await release(
                    session, invoice, InvoiceState.AMOUNTS_TO_CHECK, InvoiceState.DISCARDED
                )
                note(session, invoice.id, InvoiceNote.DISCARDED, by=by, reason=reason)
            else:
                # planning says where it stands
                await release(
                    session, invoice, InvoiceState.AMOUNTS_TO_CHECK, InvoiceState.NEEDS_ADDRESS
                )
                note(session, invoice.id, InvoiceNote.AMOUNTS_CONFIRMED, by=by, reason=reason)
                await session.flush()
                await plan_invoice_deliveries(session, invoice, self.sender_address)
            if invoice.corrects_id is not None:  # a credit note now counts, or still does not
                await session.flush()
                await refresh_owed(session, invoice.corrects_id)
            log.info("invoice %s held for its amounts: %s by %s", invoice.number, decision, by)
            return invoice
