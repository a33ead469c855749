"""Customers and their invoice addresses; every address change is logged, append-only."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import AmbiguousError, NotFoundError, ValidationError
from daemon.domain.fields import IDENTIFIER_MAX, NAME_MAX, checked_text
from daemon.domain.models import AddressChange, AddressRole, Customer, CustomerAddress
from daemon.outbound.planning import queue_waiting_invoices
from daemon.store.db import SessionFactory, transaction
from mailer.addresses import normalize_address
from mailer.errors import MessageRefused

if TYPE_CHECKING:
    from daemon.intake.customer_csv import ImportedRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewCustomer:
    name: str
    invoice_email: str | None
    copy_emails: tuple[str, ...] = ()
    vat_id: str | None = None
    identifier: str | None = None
    language: str = "fr"


def _email(value: str, what: str) -> str:
    try:
        return normalize_address(value, what)
    except MessageRefused as exc:
        raise ValidationError(str(exc)) from exc


def validate_new_customer(data: NewCustomer) -> NewCustomer:
    checked_text(data.name, "name", NAME_MAX)
    name = " ".join(data.name.split())
    if not name:
        raise ValidationError("name: must not be empty")
    for field, value in (("vat_id", data.vat_id), ("identifier", data.identifier)):
        checked_text(value or "", field, IDENTIFIER_MAX)
    if data.language not in ("fr", "en"):
        raise ValidationError(f"language: {data.language!r} is not one of fr, en")
    invoice = _email(data.invoice_email, "invoice_email") if data.invoice_email else None
    copies = tuple(dict.fromkeys(_email(c, "copy_emails") for c in data.copy_emails if c.strip()))
    return NewCustomer(
        name,
        invoice,
        tuple(c for c in copies if c != invoice),
        (data.vat_id or "").strip() or None,
        (data.identifier or "").strip() or None,
        data.language,
    )


async def _log_change(
    session: AsyncSession,
    customer_id: int,
    address_id: int | None,
    field: str,
    old: str | None,
    new: str | None,
    who: str,
    why: str,
    source: str,
) -> None:
    session.add(
        AddressChange(
            customer_id=customer_id,
            address_id=address_id,
            field=field,
            old_value=old,
            new_value=new,
            changed_by=who,
            reason=why,
            source=source,
        )
    )


async def add_address(
    session: AsyncSession,
    customer: Customer,
    email: str,
    role: AddressRole,
    who: str,
    why: str,
    source: str,
) -> CustomerAddress:
    assert customer.id is not None
    address = CustomerAddress(
        customer_id=customer.id,
        email=email,
        role=role,
        central_mailbox=role == AddressRole.INVOICE_TO,
    )
    session.add(address)
    await session.flush()
    await _log_change(session, customer.id, address.id, role.value, None, email, who, why, source)
    return address


async def create_customer(
    session: AsyncSession, data: NewCustomer, who: str, source: str, why: str
) -> Customer:
    customer = Customer(
        name=data.name, vat_id=data.vat_id, identifier=data.identifier, language=data.language
    )
    session.add(customer)
    await session.flush()
    if data.invoice_email:
        await add_address(
            session, customer, data.invoice_email, AddressRole.INVOICE_TO, who, why, source
        )
    for copy in data.copy_emails:
        await add_address(session, customer, copy, AddressRole.COPY, who, why, source)
    return customer


async def put_invoice_address(
    session: AsyncSession,
    customer_id: int,
    email: str,
    changed_by: str,
    reason: str,
    source: str,
) -> AddressSet:
    """In ``session``: make ``email`` (already checked) the customer's central invoice mailbox, the
    previous one retired; an address marked undeliverable that is set again is marked
    deliverable. Every change is logged with who, when and why."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(f"no customer #{customer_id}")
    addresses = (
        await session.exec(
            select(CustomerAddress).where(
                CustomerAddress.customer_id == customer_id,
                CustomerAddress.role == AddressRole.INVOICE_TO,
            )
        )
    ).all()
    current = [a for a in addresses if a.active]
    if [a.email for a in current] == [email] and not current[0].undeliverable:
        return AddressSet(current[0], changed=False)
    for old in current:
        if old.email == email:
            continue
        old.active = False
        old.central_mailbox = False
        session.add(old)
        await _log_change(
            session,
            customer_id,
            old.id,
            "invoice_to",
            old.email,
            email,
            changed_by,
            reason,
            source,
        )
    address = next((a for a in addresses if a.email == email), None)
    if address is None:
        address = CustomerAddress(
            customer_id=customer_id,
            email=email,
            role=AddressRole.INVOICE_TO,
            central_mailbox=True,
        )
    if address.undeliverable:
        await _log_change(
            session,
            customer_id,
            address.id,
            "undeliverable",
            "true",
            "false",
            changed_by,
            reason,
            source,
        )
    address.active, address.central_mailbox = True, True
    address.undeliverable, address.undeliverable_reason = False, None
    session.add(address)
    await session.flush()
    if not current:
        await _log_change(
            session,
            customer_id,
            address.id,
            "invoice_to",
            None,
            email,
            changed_by,
            reason,
            source,
        )
    return AddressSet(address, changed=True)


@dataclass(frozen=True)
class AddressSet:
    """What setting an invoice address did: the address, and whether anything changed."""

    address: CustomerAddress
    changed: bool


class CustomerService:
    def __init__(self, sessions: SessionFactory, sender_address: str):
        self.sessions = sessions
        self.sender_address = sender_address

    async def add(
        self,
        data: NewCustomer,
        *,
        changed_by: str,
        source: str = "cli",
        reason: str = "customer created",
    ) -> Customer:
        data = validate_new_customer(data)
        async with transaction(self.sessions) as session:
            customer = await create_customer(session, data, changed_by, source, reason)
        await queue_waiting_invoices(self.sessions, customer.id, self.sender_address)
        return customer

    async def import_csv(
        self, path: Path, *, changed_by: str, dry_run: bool = False
    ) -> list[ImportedRow]:
        """Create or update customers from a CSV (see ``customer_csv``); all rows or none."""
        from daemon.intake.customer_csv import import_customers

        return await import_customers(
            self.sessions, self.sender_address, path, changed_by=changed_by, dry_run=dry_run
        )

    async def set_invoice_address(
        self, customer_id: int, email: str, *, changed_by: str, reason: str, source: str = "cli"
    ) -> AddressSet:
        """Make ``email`` the customer's central invoice mailbox (see
        :func:`put_invoice_address`), then queue the invoices that waited for it."""
        email = _email(email, "email")
        if not reason.strip():
            raise ValidationError("reason: say why the invoice address changes")
        async with transaction(self.sessions) as session:
            done = await put_invoice_address(
                session, customer_id, email, changed_by, reason, source
            )
        await queue_waiting_invoices(self.sessions, customer_id, self.sender_address)
        return done

    async def get(self, customer_id: int) -> Customer:
        async with self.sessions() as session:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise NotFoundError(f"no customer #{customer_id}")
            return customer

    async def find(self, key: str, *, customer_id: int | None = None) -> Customer:
        """The one customer whose VAT id, identifier or name (any case) is ``key``, or
        ``#N`` for customer N; with ``customer_id``, that customer. Several fit: refused,
        listing them."""
        if customer_id is not None or (key.startswith("#") and key[1:].isdigit()):
            return await self.get(customer_id if customer_id is not None else int(key[1:]))
        async with self.sessions() as session:
            stmt = (
                select(Customer)
                .where(
                    or_(
                        col(Customer.vat_id) == key,
                        col(Customer.identifier) == key,
                        func.lower(Customer.name) == key.lower(),
                    )
                )
                .order_by(col(Customer.id))
            )
            found = (await session.exec(stmt)).all()
        if not found:
            raise NotFoundError(f"no customer matches {key!r}")
        if len(found) > 1:
            raise AmbiguousError(
                f"customer {key!r}",
                [
                    f"#{c.id} {c.name}"
                    + (f", VAT {c.vat_id}" if c.vat_id else "")
                    + (f", identifier {c.identifier}" if c.identifier else "")
                    for c in found
                ],
                "Name one as #N (or --id N).",
            )
        return found[0]

    async def addresses(self, customer_id: int) -> Sequence[CustomerAddress]:
        async with self.sessions() as session:
            return (
                await session.exec(
                    select(CustomerAddress)
                    .where(CustomerAddress.customer_id == customer_id)
                    .order_by(col(CustomerAddress.id))
                )
            ).all()

    async def history(self, customer_id: int) -> Sequence[AddressChange]:
        async with self.sessions() as session:
            return (
                await session.exec(
                    select(AddressChange)
                    .where(AddressChange.customer_id == customer_id)
                    .order_by(col(AddressChange.changed_at), col(AddressChange.id))
                )
            ).all()

    async def list(self) -> Sequence[Customer]:
        async with self.sessions() as session:
            return (await session.exec(select(Customer).order_by(col(Customer.name)))).all()
