"""Which customer an invoice is for: its buyer (BG-7) matched to a customer, and the invoices
held because their buyer fits several customers that nothing in the invoice tells apart (a
name shared by two companies, the invoice giving neither's identifier nor VAT id). Such an
invoice goes to no one until a person says which customer it is for: a guess could send a
company's invoice to another company's mailbox. Every choice is recorded (who, when, why).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.event_words import event_text
from daemon.domain.i18n import _, joined
from daemon.domain.labels import state_label
from daemon.domain.models import Customer, Delivery, Invoice
from daemon.domain.states import InvoiceNote, InvoiceState
from daemon.intake.amounts import hold_for_amounts
from daemon.intake.customer_records import described, namesakes
from daemon.intake.duplicates import link_credit_note
from daemon.intake.held import release
from daemon.intake.owed import note
from daemon.intake.readable import remake_readable
from daemon.outbound.planning import plan_invoice_deliveries
from daemon.store.db import SessionFactory, transaction
from mailer.archive import Archive

log = logging.getLogger(__name__)


async def buyer_candidates(
    session: AsyncSession,
    name: str,
    identifier: str | None,
    vat_id: str | None,
) -> list[Customer]:
    """The customers an invoice's buyer (EN 16931 BG-7) may be: the one with its identifier
    (BT-46), else the one with its VAT identifier (BT-48), else those with its name (BT-44,
    case-insensitive) that no identifier or VAT id given by both tells apart (a namesake
    with another identifier is another company). One is the buyer's customer; several, a
    person says which; none, a new customer."""
    for column, value in ((Customer.identifier, identifier), (Customer.vat_id, vat_id)):
        if value:
            found = (
                await session.exec(
                    select(Customer).where(column == value).order_by(col(Customer.id))
                )
            ).first()
            if found is not None:
                return [found]
    return await namesakes(session, name, identifier, vat_id)


def hold_for_customer(
    session: AsyncSession, invoice: Invoice, candidates: list[Customer], *, by: str
) -> None:
    """Hold ``invoice`` (stored, with an id, no customer) until a person says which of
    ``candidates`` it is for: its state says so, and the note names them."""
    assert invoice.id is not None
    invoice.customer_id = None
    invoice.state = InvoiceState.CUSTOMER_TO_CHOOSE.value
    session.add(invoice)
    ids = ", ".join(f"#{c.id}" for c in candidates)
    why = event_text("buyer_fits", buyer=invoice.buyer_name, customers=ids)  # stored in English
    note(session, invoice.id, InvoiceNote.CUSTOMER_HELD, by=by, reason=why)


@dataclass(frozen=True)
class Proceeded:
    """What became of an invoice once its customer was known."""

    planned: list[Delivery]
    duplicate: bool = False
    amounts_held: bool = False


async def proceed(
    session: AsyncSession,
    invoice: Invoice,
    sender_address: str,
    preceding: tuple[str, ...],
    *,
    by: str,
) -> Proceeded:
    """Once ``invoice`` (stored, its customer known) may go on: held as a possible duplicate
    of the earlier file of its identity, or held for its amounts, or planned to its
    customer's addresses; a credit note is tied to the invoice it corrects."""
    assert invoice.id is not None
    if invoice.duplicate_of_id is not None:
        invoice.state = InvoiceState.DUPLICATE.value
        session.add(invoice)
        note(
            session,
            invoice.id,
            InvoiceNote.DUPLICATE_HELD,
            by=by,
            reason=event_text("duplicate_of", id=invoice.duplicate_of_id),
            related_invoice_id=invoice.duplicate_of_id,
        )
        return Proceeded([], duplicate=True)
    amounts_held = hold_for_amounts(session, invoice, by=by)
    planned = []
    if not amounts_held:
        invoice.state = InvoiceState.NEEDS_ADDRESS.value  # planning says where it stands
        session.add(invoice)
        planned = await plan_invoice_deliveries(session, invoice, sender_address)
    await link_credit_note(session, invoice, preceding)
    return Proceeded(planned, amounts_held=amounts_held)


def preceding_numbers(invoice: Invoice) -> tuple[str, ...]:
    """The invoice numbers a credit note says it corrects (BT-25), as stored."""
    return tuple(n.strip() for n in (invoice.preceding_number or "").split(",") if n.strip())


@dataclass(frozen=True)
class HeldForCustomer:
    """An invoice held because its buyer fits several customers, with those it fits now."""

    invoice_id: int
    number: str
    buyer: str
    buyer_vat_id: str | None
    buyer_identifier: str | None
    candidates: tuple[str, ...]
    """Each as ``described`` (``#1 Dupont SA (VAT id …)``), to choose by."""


class BuyersService:
    def __init__(self, sessions: SessionFactory, sender_address: str, store: Archive):
        self.sessions = sessions
        self.sender_address = sender_address
        self.store = store
        """The invoice files, and the readable PDFs made from them."""

    async def held(self) -> list[HeldForCustomer]:
        """Every invoice held for a person to say which customer it is for, oldest first."""
        async with self.sessions() as session:
            invoices = (
                await session.exec(
                    select(Invoice)
                    .where(Invoice.state == InvoiceState.CUSTOMER_TO_CHOOSE.value)
                    .order_by(col(Invoice.id))
                )
            ).all()
            return [await self._held(session, invoice) for invoice in invoices]

    async def _held(self, session: AsyncSession, invoice: Invoice) -> HeldForCustomer:
        fits = await buyer_candidates(
            session, invoice.buyer_name, invoice.buyer_identifier, invoice.buyer_vat_id
        )
        return HeldForCustomer(
            invoice.id or 0,
            invoice.number,
            invoice.buyer_name,
            invoice.buyer_vat_id,
            invoice.buyer_identifier,
            tuple(described(c) for c in fits),
        )

    async def _invoice(self, session: AsyncSession, invoice_id: int) -> Invoice:
        invoice = await session.get(Invoice, invoice_id)
        if invoice is None:
            raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=invoice_id))
        if invoice.state != InvoiceState.CUSTOMER_TO_CHOOSE.value:
            raise ValidationError(
                _(
                    "invoice {number} (#{id}) is not waiting for its customer to be chosen "
                    "(its state: {state})"
                ).format(number=invoice.number, id=invoice_id, state=state_label(invoice.state))
            )
        return invoice

    async def choose(self, invoice_id: int, customer_id: int, *, by: str, reason: str) -> Invoice:
        """A person says which customer a held invoice is for, one of those its buyer fits
        (any, when the customers changed since and it fits none): it becomes that customer's
        and goes on as an import would have taken it (planned to the customer's addresses,
        or held as a possible duplicate or for its amounts). Returns it as it now is."""
        if not reason.strip():
            raise ValidationError(_("reason: say why (it is kept with the decision)"))
        async with transaction(self.sessions) as session:
            invoice = await self._invoice(session, invoice_id)
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise NotFoundError(_("no customer #{id}").format(id=customer_id))
            fits = await buyer_candidates(
                session, invoice.buyer_name, invoice.buyer_identifier, invoice.buyer_vat_id
            )
            if fits and customer.id not in {c.id for c in fits}:
                # a slip of the keyboard must not send a company's invoice to another company
                raise ValidationError(
                    _(
                        "{customer} is not one of the customers the buyer {buyer} fits: {fits}"
                    ).format(
                        customer=described(customer),
                        buyer=invoice.buyer_name,
                        fits=joined(described(c) for c in fits),
                    )
                )
            assert invoice.id is not None
            await release(
                session,
                invoice,
                InvoiceState.CUSTOMER_TO_CHOOSE,
                InvoiceState.NEEDS_ADDRESS,
                customer_id=customer.id,
            )
            why = event_text("customer_chosen", id=customer.id, name=customer.name, reason=reason)
            note(session, invoice.id, InvoiceNote.CUSTOMER_CHOSEN, by=by, reason=why)
            # its PDF was made in the language of the buyer's country: now in the customer's
            await remake_readable(session, self.store, invoice, customer.language)
            await session.flush()
            await proceed(session, invoice, self.sender_address, preceding_numbers(invoice), by=by)
            log.info("invoice %s is for customer #%s, said %s", invoice.number, customer.id, by)
            return invoice
