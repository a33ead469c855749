"""Read models for `facturier status` and the TUI: plain data, no ORM objects leak out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from config import Settings
from daemon.app.invoice_detail import InvoiceDetail, read_invoice_detail
from daemon.app.invoice_list import InvoiceFilter, InvoiceList, InvoiceRow
from daemon.domain.errors import NEAR_SHOWN, AmbiguousError, NotFoundError
from daemon.domain.fields import ID_MAX
from daemon.domain.formatting import day, money
from daemon.domain.i18n import _, language
from daemon.domain.models import (
    AddressChange,
    Customer,
    CustomerAddress,
    Invoice,
)
from daemon.store.db import SessionFactory

_NUMBER_AND_ID = re.compile(r"(.*\S)\s*(?:#|[nN][°º])\s*(\d{1,12})")
"""``FA-1 #5``: invoice number FA-1, the one whose #N is 5 (``FA-1 n° 5`` as French
messages write it)."""


@dataclass(frozen=True)
class AddressRow:
    email: str
    role: str
    central_mailbox: bool
    undeliverable: bool
    reason: str | None
    active: bool


@dataclass(frozen=True)
class ChangeRow:
    at: datetime
    field: str
    old: str | None
    new: str | None
    who: str
    why: str
    source: str


@dataclass(frozen=True)
class CustomerRow:
    id: int
    name: str
    vat_id: str | None
    language: str
    addresses: tuple[AddressRow, ...]
    history: tuple[ChangeRow, ...]
    identifier: str | None = None
    """The identifier its seller gives it (BT-46): with the VAT id, what tells namesakes
    apart."""
    channel: str = "email"
    """How it receives its invoices: ``email`` or ``paper``."""


class Queries:
    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings | None = None,
    ):
        self.sessions = sessions
        self.settings = settings
        """Where the sellers' payment terms are: the due day of an invoice stating none
        (``reminders.due_day``). None: only the day an invoice states."""

    async def invoices(
        self, state: str | None = None, search: str | None = None
    ) -> list[InvoiceRow]:
        """Every invoice (in ``state``; with ``search``, those it matches: see
        ``InvoiceList``), oldest first, read a page at a time."""
        listing = InvoiceList(self.sessions, self.settings)
        where = InvoiceFilter(state=state, search=search or "")
        found: list[InvoiceRow] = []
        before: int | None = None
        while True:
            page = await listing.page(where, before=before, limit=1_000)
            found.extend(page.rows)
            if not page.older or not page.rows:
                break
            before = page.rows[-1].id
        found.reverse()
        return found

    async def find_invoice(
        self, number: str, *, invoice_id: int | None = None, pick: str | None = None
    ) -> Invoice:
        """The invoice numbered ``number``; with ``invoice_id``, that one (its number must be
        ``number``), as with ``NUMBER #N``, the form the lists show. Several invoices with
        that number: refused, listing them and saying how to name one (``pick``; by default,
        with --id or as NUMBER #N)."""
        if invoice_id is None:
            named = _NUMBER_AND_ID.fullmatch(number.strip())
            if named is not None and int(named[2]) <= ID_MAX:
                try:
                    return await self.find_invoice(named[1], invoice_id=int(named[2]))
                except NotFoundError:
                    pass  # a number that itself ends in "#N"
        async with self.sessions() as session:
            if invoice_id is not None:
                found = await session.get(Invoice, invoice_id)
                if found is None or found.number != number:
                    raise NotFoundError(
                        _("no invoice #{id} numbered {number}").format(
                            id=invoice_id, number=repr(number)
                        )
                    )
                return found
            rows = (
                await session.exec(
                    select(Invoice, Customer.name)
                    .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
                    .where(Invoice.number == number)
                    .order_by(col(Invoice.id))
                )
            ).all()
        if not rows:
            near, count = await self._numbers_near(number)
            raise NotFoundError(
                _("no invoice numbered {number}").format(number=repr(number)), near, count
            )
        if len(rows) > 1:
            raise AmbiguousError(
                _("invoice number {number}").format(number=repr(number)),
                [
                    _("#{id} {name}, issued {date}, {amount}").format(
                        id=inv.id,
                        name=name or inv.buyer_name,
                        date=day(inv.issue_date, language()),
                        amount=money(inv.total_with_tax, inv.currency, language()),
                    )
                    for inv, name in rows
                ],
                pick
                or _(
                    "Name one with --id, or as its number and #N (for example: {example})."
                ).format(example=f"{number} #{rows[0][0].id}"),
            )
        return rows[0][0]

    async def find_invoice_named(self, text: str) -> Invoice:
        """An invoice as an operator names it where no --id option is at hand (a list of
        invoices, a TUI question): its number, or ``NUMBER #N`` when several share it."""
        text = text.strip()
        return await self.find_invoice(
            text,
            pick=_("Name one as its number and #N (for example: {example}).").format(
                example=f"{text} #N"
            ),
        )

    async def _numbers_near(self, number: str) -> tuple[list[str], int]:
        """Up to NEAR_SHOWN invoice numbers that hold ``number`` (any case: "0101" for
        "FA-2026-0101"), each once, and how many such numbers there are in all."""
        holds = func.lower(Invoice.number).contains(number.lower(), autoescape=True)
        async with self.sessions() as session:
            count = (
                await session.exec(select(func.count(func.distinct(Invoice.number))).where(holds))
            ).one()
            near = (
                await session.exec(
                    select(Invoice.number)
                    .where(holds)
                    .distinct()
                    .order_by(col(Invoice.number))
                    .limit(NEAR_SHOWN)
                )
            ).all()
        return list(near), int(count)

    async def invoice(self, invoice_id: int) -> Invoice:
        async with self.sessions() as session:
            found = await session.get(Invoice, invoice_id)
        if found is None:
            raise NotFoundError(_("no invoice #{id}").format(id=invoice_id))
        return found

    async def invoice_detail(self, invoice_id: int) -> InvoiceDetail:
        return await read_invoice_detail(self.sessions, invoice_id, self.settings)

    async def customers(self, customer_id: int | None = None) -> list[CustomerRow]:
        """Every customer (or the one ``customer_id``) with its addresses and their log."""
        async with self.sessions() as session:
            which = select(Customer).order_by(col(Customer.name))
            address_stmt = select(CustomerAddress).order_by(col(CustomerAddress.id))
            change_stmt = select(AddressChange).order_by(
                col(AddressChange.changed_at), col(AddressChange.id)
            )
            if customer_id is not None:
                which = which.where(Customer.id == customer_id)
                address_stmt = address_stmt.where(CustomerAddress.customer_id == customer_id)
                change_stmt = change_stmt.where(AddressChange.customer_id == customer_id)
            customers = (await session.exec(which)).all()
            addresses = (await session.exec(address_stmt)).all()
            changes = (await session.exec(change_stmt)).all()
        out = []
        for c in customers:
            out.append(
                CustomerRow(
                    c.id or 0,
                    c.name,
                    c.vat_id,
                    c.language,
                    tuple(
                        AddressRow(
                            a.email,
                            a.role,
                            a.central_mailbox,
                            a.undeliverable,
                            a.undeliverable_reason,
                            a.active,
                        )
                        for a in addresses
                        if a.customer_id == c.id
                    ),
                    tuple(
                        ChangeRow(
                            h.changed_at,
                            h.field,
                            h.old_value,
                            h.new_value,
                            h.changed_by,
                            h.reason,
                            h.source,
                        )
                        for h in changes
                        if h.customer_id == c.id
                    ),
                    identifier=c.identifier,
                    channel=c.channel,
                )
            )
        return out
