"""Customers and their invoice addresses; every address change is logged, append-only."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import NEAR_SHOWN, AmbiguousError, NotFoundError, ValidationError
from daemon.domain.event_words import event_text
from daemon.domain.i18n import _, joined
from daemon.domain.models import (
    AddressChange,
    Customer,
    CustomerAddress,
)
from daemon.intake.addresses import (
    AddressSet,
    mark_shared,
    put_invoice_address,
)
from daemon.outbound.planning import queue_waiting_invoices
from daemon.store.db import SessionFactory, transaction
from daemon.store.rows import take_lock
from mailer.archive import Archive

if TYPE_CHECKING:
    from daemon.intake.customer_csv import ImportedRow

from daemon.intake.customer_changes import CustomerChanges
from daemon.intake.customer_records import (
    NewCustomer,
    already_recorded,
    create_customer,
    customer_email,
    described,
    validate_new_customer,
)

__all__ = ["CustomerService", "NewCustomer"]

log = logging.getLogger(__name__)


class CustomerService(CustomerChanges):
    def __init__(
        self,
        sessions: SessionFactory,
        sender_address: str,
        store: Archive,
        shared_mailboxes: Collection[str] = (),
        *,
        today: Callable[[], date] = date.today,
    ):
        self.sessions = sessions
        self.today = today
        """Today's date in the business's time zone."""
        self.sender_address = sender_address
        self.store = store
        """The invoice files, and the readable PDFs made from them."""
        self.shared = tuple(shared_mailboxes)
        """The admin's names of shared invoice mailboxes, beside the shipped ones."""

    async def add(
        self,
        data: NewCustomer,
        *,
        changed_by: str,
        source: str = "cli",
        reason: str = event_text("customer_created"),
    ) -> Customer:
        data = validate_new_customer(data)
        async with transaction(self.sessions) as session:
            # of two adds of one customer at once, the second waits here, then finds it
            await take_lock(session, "customers")
            known = await already_recorded(session, data)
            if known:  # a second record would split the customer's invoices and history
                raise ValidationError(
                    _(
                        "{name} is already a customer: {known}. Give it its invoice address "
                        "(customers set-address), or tell the new one apart by a VAT id or an "
                        "identifier of its own"
                    ).format(name=data.name, known=joined(map(described, known)))
                )
            customer = await create_customer(session, data, changed_by, source, reason, self.shared)
        await queue_waiting_invoices(self.sessions, customer.id, self.sender_address)
        return customer

    async def import_csv(
        self, path: Path, *, changed_by: str, dry_run: bool = False
    ) -> list[ImportedRow]:
        """Create or update customers from a CSV (see ``customer_csv``); all rows or none."""
        from daemon.intake.customer_csv import import_customers

        return await import_customers(
            self.sessions,
            self.sender_address,
            path,
            changed_by=changed_by,
            dry_run=dry_run,
            shared=self.shared,
        )

    async def set_invoice_address(
        self,
        customer_id: int,
        email: str,
        *,
        changed_by: str,
        reason: str,
        source: str = "cli",
        shared_because: str | None = None,
        then: Callable[[AsyncSession, AddressSet], Awaitable[None]] | None = None,
    ) -> AddressSet:
        """Make ``email`` the customer's central invoice mailbox (see
        :func:`put_invoice_address`), then queue the invoices that waited for it. With
        ``shared_because``, it is marked a shared mailbox for that reason; ``then`` does more
        in the same transaction (all of it is applied, or none)."""
        email = customer_email(email, _("the new invoice address"))
        if not reason.strip():
            raise ValidationError(_("reason: say why the invoice address changes"))
        async with transaction(self.sessions) as session:
            done = await put_invoice_address(
                session,
                customer_id,
                email,
                changed_by,
                reason,
                source,
                self.shared,
                sender_address=self.sender_address,
            )
            if shared_because is not None:
                await mark_shared(session, done.address, True, changed_by, shared_because, source)
            if then is not None:
                await then(session, done)
        await queue_waiting_invoices(self.sessions, customer_id, self.sender_address)
        return done

    async def get(self, customer_id: int) -> Customer:
        async with self.sessions() as session:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise NotFoundError(_("no customer #{customer_id}").format(customer_id=customer_id))
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
            near, count = await self._near(key)
            raise NotFoundError(_("no customer matches {key}").format(key=repr(key)), near, count)
        if len(found) > 1:
            raise AmbiguousError(
                _("customer {key}").format(key=repr(key)),
                [
                    f"#{c.id} {c.name}"
                    + (_(", VAT {vat}").format(vat=c.vat_id) if c.vat_id else "")
                    + (_(", identifier {id}").format(id=c.identifier) if c.identifier else "")
                    for c in found
                ],
                _("Name one as #N (or --id N)."),
            )
        return found[0]

    async def _near(self, key: str) -> tuple[list[str], int]:
        """Up to NEAR_SHOWN customers whose name or identifier holds ``key`` (any case),
        each as the operator names it (#N), and how many there are in all."""
        holds = or_(
            func.lower(Customer.name).contains(key.lower(), autoescape=True),
            col(Customer.identifier).contains(key, autoescape=True),
        )
        async with self.sessions() as session:
            count = (
                await session.exec(select(func.count()).select_from(Customer).where(holds))
            ).one()
            near = (
                await session.exec(
                    select(Customer).where(holds).order_by(col(Customer.id)).limit(NEAR_SHOWN)
                )
            ).all()
        return [f"#{c.id} {c.name}" for c in near], int(count)

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
