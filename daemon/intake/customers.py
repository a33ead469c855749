"""Customers and their invoice addresses; every address change is logged, append-only."""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.models import AddressChange, AddressRole, Customer, CustomerAddress
from daemon.outbound.planning import queue_waiting_invoices
from daemon.store.db import SessionFactory, transaction
from mailer.addresses import normalize_address
from mailer.errors import MessageRefused

log = logging.getLogger(__name__)

CSV_COLUMNS = ("name", "invoice_email", "copy_emails", "vat_id", "identifier", "language")


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
    name = " ".join(data.name.split())
    if not name:
        raise ValidationError("name: must not be empty")
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


async def _add_address(
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
            customer = await self._create(session, data, changed_by, source, reason)
        await queue_waiting_invoices(self.sessions, customer.id, self.sender_address)
        return customer

    async def _create(
        self, session: AsyncSession, data: NewCustomer, who: str, source: str, why: str
    ) -> Customer:
        customer = Customer(
            name=data.name, vat_id=data.vat_id, identifier=data.identifier, language=data.language
        )
        session.add(customer)
        await session.flush()
        if data.invoice_email:
            await _add_address(
                session, customer, data.invoice_email, AddressRole.INVOICE_TO, who, why, source
            )
        for copy in data.copy_emails:
            await _add_address(session, customer, copy, AddressRole.COPY, who, why, source)
        return customer

    async def import_csv(self, path: Path, *, changed_by: str) -> list[Customer]:
        """All rows or none: every error is reported with its line and field."""
        rows = read_customer_csv(path)
        created: list[Customer] = []
        async with transaction(self.sessions) as session:
            for data in rows:
                created.append(
                    await self._create(
                        session, data, changed_by, f"csv:{path.name}", f"imported from {path.name}"
                    )
                )
        for customer in created:
            await queue_waiting_invoices(self.sessions, customer.id, self.sender_address)
        return created

    async def set_invoice_address(
        self, customer_id: int, email: str, *, changed_by: str, reason: str, source: str = "cli"
    ) -> CustomerAddress:
        """Make ``email`` the customer's central invoice mailbox (the previous one is retired)."""
        email = _email(email, "email")
        if not reason.strip():
            raise ValidationError("reason: say why the invoice address changes")
        async with transaction(self.sessions) as session:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise NotFoundError(f"no customer #{customer_id}")
            current = (
                await session.exec(
                    select(CustomerAddress).where(
                        CustomerAddress.customer_id == customer_id,
                        CustomerAddress.role == AddressRole.INVOICE_TO,
                        col(CustomerAddress.active).is_(True),
                    )
                )
            ).all()
            for old in current:
                if old.email == email:
                    return old
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
            address = CustomerAddress(
                customer_id=customer_id,
                email=email,
                role=AddressRole.INVOICE_TO,
                central_mailbox=True,
            )
            existing = (
                await session.exec(
                    select(CustomerAddress).where(
                        CustomerAddress.customer_id == customer_id,
                        CustomerAddress.email == email,
                        CustomerAddress.role == AddressRole.INVOICE_TO,
                    )
                )
            ).first()
            if existing is not None:
                existing.active, existing.central_mailbox = True, True
                existing.undeliverable, existing.undeliverable_reason = False, None
                address = existing
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
        await queue_waiting_invoices(self.sessions, customer_id, self.sender_address)
        return address

    async def get(self, customer_id: int) -> Customer:
        async with self.sessions() as session:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise NotFoundError(f"no customer #{customer_id}")
            return customer

    async def find(self, key: str) -> Customer:
        """A customer by id, VAT id, identifier or exact name."""
        async with self.sessions() as session:
            if key.isdigit():
                found = await session.get(Customer, int(key))
                if found is not None:
                    return found
            stmt = select(Customer).where(
                or_(
                    col(Customer.vat_id) == key,
                    col(Customer.identifier) == key,
                    func.lower(Customer.name) == key.lower(),
                )
            )
            customer = (await session.exec(stmt)).first()
        if customer is None:
            raise NotFoundError(f"no customer matches {key!r}")
        return customer

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


def read_customer_csv(path: Path) -> list[NewCustomer]:
    """Parse and validate a customer CSV; raises ValidationError listing every bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{path}: cannot read: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("name", "invoice_email") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(CSV_COLUMNS)}"
        )
    rows: list[NewCustomer] = []
    errors: list[str] = []
    for line, raw in enumerate(reader, start=2):
        copies = tuple(
            c.strip() for c in (raw.get("copy_emails") or "").replace(";", " ").split() if c.strip()
        )
        try:
            rows.append(
                validate_new_customer(
                    NewCustomer(
                        name=raw.get("name") or "",
                        invoice_email=(raw.get("invoice_email") or "").strip() or None,
                        copy_emails=copies,
                        vat_id=raw.get("vat_id"),
                        identifier=raw.get("identifier"),
                        language=(raw.get("language") or "fr").strip() or "fr",
                    )
                )
            )
        except ValidationError as exc:
            errors.append(f"{path}:{line}: {exc}")
    if errors:
        raise ValidationError("; ".join(errors) + " — nothing was imported")
    return rows
