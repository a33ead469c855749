"""The invoice list at a million invoices: one page at a time, newest first, by key (never an
OFFSET, never the whole table), with filters that combine and a search that answers as the
operator types.

Keyset paging: a page is the ``limit`` invoices just older (``before``) or just newer
(``after``) than an id already shown, or the newest or the oldest ones. A refresh reads again
only the rows on screen and asks whether newer ones arrived.

A search is a union of ways to match, each by its own index (see ``InvoiceList._ids``).
Searching a number by any part: PostgreSQL's estimate of the matches chooses between its
trigram index (a rare needle) and walking the newest invoices (a common one); SQLite has no
such estimate, so with another filter a needle's hits in the FTS5 trigram table
are counted first (up to ``DENSE_HITS``): a rare needle is looked up by its hits, a common one
by walking the filter's index; alone, its first hits in the page's direction are the page's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ARRAY, Integer, and_, any_, func, literal, or_, text, union
from sqlalchemy import select as columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from daemon.domain.compliance import ComplianceReport
from daemon.domain.models import Customer, CustomerAddress, Delivery, Invoice
from daemon.outbound.reminders import REMINDABLE, due_by_terms_before, due_day
from daemon.store.db import SessionFactory

PAGE = 60
DENSE_HITS = 5_000
"""More hits than this for a number part: walk the newest invoices instead of the hits."""
CUSTOMER_LOOKUPS = 500
"""Up to this many customers matching a search are looked up by the customer index."""


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: str
    customer: str
    customer_id: int | None
    total: Decimal
    amount_due: Decimal
    currency: str
    issue_date: date
    due_date: date | None
    state: str
    payment_state: str
    recipients: tuple[str, ...]
    last_event: str | None
    compliance: ComplianceReport | None = None
    """What the compliance gate found (None for a file it did not check: ZUGFeRD 1.0, or
    imported before it existed)."""
    due_by_terms: date | None = None
    """Only for one stating no due date (None whenever ``due_date`` is set): the day its
    seller's terms in the settings make it due (``reminders.due_day``), which reminders
    count from."""

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "number": self.number,
            "customer": self.customer,
            "total": str(self.total),
            "amount_due": str(self.amount_due),
            "currency": self.currency,
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "due_by_terms": self.due_by_terms.isoformat() if self.due_by_terms else None,
            "state": self.state,
            "payment_state": self.payment_state,
            "recipients": list(self.recipients),
            "last_event": self.last_event,
            "compliance": self.compliance.to_dict() if self.compliance else None,
        }


def invoice_row(
    inv: Invoice,
    customer: str | None,
    recipients: tuple[str, ...],
    last_event: str | None,
    settings: Settings | None = None,
) -> InvoiceRow:
    """The list's row of ``inv``; with ``settings``, the day its seller's terms give when it
    states none."""
    assert inv.id is not None
    return InvoiceRow(
        inv.id,
        inv.number,
        customer or inv.buyer_name,
        inv.customer_id,
        inv.total_with_tax,
        inv.amount_due,
        inv.currency,
        inv.issue_date,
        inv.due_date,
        inv.state,
        inv.payment_state,
        recipients,
        last_event,
        ComplianceReport.from_json(inv.compliance),
        due_day(settings, inv) if settings is not None and inv.due_date is None else None,
    )


def amount_in_text(text: str) -> Decimal | None:
    """``text`` read as an amount, in French or English writing (1 200,00 or 1,200.00)."""
    digits = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if "," in digits and "." not in digits:
        digits = digits.replace(",", ".")
    digits = digits.replace(",", "")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class InvoiceFilter:
    """What the list shows; every field narrows it and they combine."""

    state: str | None = None
    customer_id: int | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    overdue_on: date | None = None
    """Unpaid and due before this day (the day it states, or its seller's terms give)."""
    search: str = ""

    def but(self, **changes: Any) -> InvoiceFilter:
        return replace(self, **changes)


@dataclass(frozen=True)
class InvoicePage:
    rows: tuple[InvoiceRow, ...]
    newer: bool
    """Rows newer than the first one exist."""
    older: bool
    """Rows older than the last one exist."""


class InvoiceList:
    def __init__(self, sessions: SessionFactory, settings: Settings | None = None):
        self.sessions = sessions
        self.settings = settings
        """Where the sellers' payment terms are (``[reminders] days_to_pay``): the due day of
        an invoice stating none, shown and filtered on. None: only the day it states."""

    async def page(
        self,
        where: InvoiceFilter,
        *,
        before: int | None = None,
        after: int | None = None,
        oldest: bool = False,
        limit: int | None = None,
    ) -> InvoicePage:
        """``limit`` (``PAGE``) invoices, newest first: the newest, those just older than
        ``before``, just newer than ``after``, or (``oldest``) the last page."""
        limit = limit or PAGE
        ascending = after is not None or oldest
        async with self.sessions() as session:
            ids = await self._ids(session, where, _Keyset(before, after, ascending, limit + 1))
            more = len(ids) > limit
            ids = sorted(ids[:limit], reverse=True)
            found = (await session.exec(_listing().where(col(Invoice.id).in_(ids)))).all()
            by_id = {inv.id: (inv, name) for inv, name in found}
            rows = await _with_deliveries(
                session, [by_id[i] for i in ids if i in by_id], self.settings
            )
        if ascending:
            return InvoicePage(rows, newer=more, older=after is not None)
        return InvoicePage(rows, newer=before is not None, older=more)

    async def rows(self, ids: Sequence[int]) -> list[InvoiceRow]:
        """The invoices ``ids`` as they are now, in that order (gone ones left out)."""
        if not ids:
            return []
        async with self.sessions() as session:
            found = (await session.exec(_listing().where(col(Invoice.id).in_(ids)))).all()
            rows = await _with_deliveries(session, list(found), self.settings)
        by_id = {r.id: r for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def newer_than(self, where: InvoiceFilter, invoice_id: int) -> bool:
        """Whether an invoice newer than ``invoice_id`` matches ``where`` (a refresh's question:
        it reads only the ids above the newest one shown)."""
        async with self.sessions() as session:
            return bool(await self._ids(session, where, _Keyset(None, invoice_id, True, 1)))

    async def _ids(self, session: AsyncSession, where: InvoiceFilter, at: _Keyset) -> list[int]:
        """The ids of the page ``at`` describes. Only ids: an index that holds the filtered
        column holds the id too, so a month's ids are sorted without reading its invoices.

        A search is an OR of ways to match (number, customer, buyer, amount), each with its
        own best index; asked as one query, an OR makes a database read every invoice. So
        each way gives its first ``limit`` ids, and the page is the first ``limit`` of their
        union: the same rows, each way by its own index."""
        filters = _filters(where, self.settings)
        needle = where.search.strip()
        ways: list[Any] = [None]
        if needle:
            ways = await self._ways_to_match(session, needle, at if not filters else None)
        chosen = [
            select(Invoice.id)
            .where(*filters, *at.clauses(), *([way] if way is not None else []))
            .order_by(at.order(col(Invoice.id)))
            .limit(at.limit)
            for way in ways
        ]
        if len(chosen) == 1:
            stmt: Any = chosen[0]
        else:
            each = [columns(part.subquery().c.id) for part in chosen]
            together = union(*each).subquery()
            stmt = columns(together.c.id).order_by(at.order(together.c.id)).limit(at.limit)
        return [i for (i,) in (await (await session.connection()).execute(stmt)).all()]

    async def _ways_to_match(
        self, session: AsyncSession, needle: str, alone: _Keyset | None
    ) -> list[Any]:
        """Invoices whose number holds ``needle``, whose customer's name or one of its
        addresses does, whose buyer (without a customer yet) does, or whose total is the
        amount it writes (1 200,00 or 1,200.00)."""
        lowered = needle.lower()
        customers = select(Customer.id).where(
            func.lower(Customer.name).contains(lowered, autoescape=True)
        )
        addresses = select(CustomerAddress.customer_id).where(
            func.lower(CustomerAddress.email).contains(lowered, autoescape=True)
        )
        # the customers are few: asked first, so that none or a handful of them is looked
        # up by the invoices' customer index, not by walking the invoices (0.44 s at 1M)
        theirs = customers.union(addresses)
        known = (await session.exec(theirs.limit(CUSTOMER_LOOKUPS + 1))).all()  # type: ignore[call-overload]
        number = await self._number_holds(session, lowered, alone)
        ways = [number] if number is not None else []
        bind = session.bind
        if len(known) > CUSTOMER_LOOKUPS and bind is not None and bind.dialect.name == "postgresql":
            # PostgreSQL guesses one customer matches a LIKE and then looks up a million
            # invoices one customer at a time (4 s); given the ids as one array it guesses
            # right and walks the newest invoices
            every = [i for (i,) in (await session.exec(theirs)).all()]  # type: ignore[call-overload]
            ways.append(col(Invoice.customer_id) == any_(literal(every, ARRAY(Integer))))
        elif len(known) > CUSTOMER_LOOKUPS:
            ways.append(col(Invoice.customer_id).in_(theirs))
        elif known:
            ways.append(col(Invoice.customer_id).in_([i for (i,) in known]))
        ways += [
            and_(
                col(Invoice.customer_id).is_(None),
                func.lower(Invoice.buyer_name).contains(lowered, autoescape=True),
            ),
        ]
        amount = amount_in_text(needle)
        if amount is not None:
            ways.append(col(Invoice.total_with_tax) == amount)
        return ways

    async def _number_holds(
        self, session: AsyncSession, lowered: str, alone: _Keyset | None
    ) -> Any | None:
        """Invoices whose number holds ``lowered`` (see the module's note on SQLite); None
        for a needle too short to look for in numbers."""
        walk = func.lower(Invoice.number).contains(lowered, autoescape=True)
        bind = session.bind
        if len(lowered) < 3:
            # a number is searched from its third character: no index holds shorter parts,
            # and one or two characters found nowhere made a walk of every invoice (0.7 s)
            return None
        postgresql = bind is not None and bind.dialect.name == "postgresql"
        if postgresql and max(len(word) for word in lowered.split() or [""]) < 3:
            # pg_trgm makes its trigrams word by word, so "1 2" (typed on the way to the
            # amount "1 234,50") is as short as "1": its trigrams are in most numbers while
            # the planner's estimate says few (0.6 s at 1M)
            return None
        if postgresql:
            # PostgreSQL's estimate of the matches tells a common needle ("FA-", most numbers)
            # from a rare one ("cli", none): a common one walks the newest invoices, by an
            # expression the trigram index does not hold (with the index it sorted most of
            # the table: 0.4 s at 1M); a rare one is looked up in the index (the walk read
            # every invoice: 0.6 s)
            if await _estimated_rows(session, walk) > DENSE_HITS:
                return func.lower(Invoice.number + "").contains(lowered, autoescape=True)
            return walk
        if bind is None or bind.dialect.name != "sqlite":
            return walk
        phrase = '"' + lowered.replace('"', '""') + '"'
        if alone is not None:
            # the search alone: the page's rows with a number hit are among the first
            # ``limit`` hits in the page's direction, however many there are in all
            return col(Invoice.id).in_(alone.hits(phrase))
        hits = await session.exec(
            text(
                "SELECT count(*) FROM (SELECT rowid FROM invoice_search "
                "WHERE invoice_search MATCH :phrase LIMIT :cap)"
            ).bindparams(phrase=phrase, cap=DENSE_HITS + 1)  # type: ignore[call-overload]
        )
        if hits.scalar_one() > DENSE_HITS:
            return walk  # with another filter, whose index narrows the walk
        return col(Invoice.id).in_(
            text("SELECT rowid FROM invoice_search WHERE invoice_search MATCH :phrase").bindparams(
                phrase=phrase
            )
        )


def _filters(where: InvoiceFilter, settings: Settings | None) -> list[Any]:
    parts: list[Any] = []
    if where.state:
        parts.append(col(Invoice.state) == where.state)
    if where.customer_id is not None:
        parts.append(col(Invoice.customer_id) == where.customer_id)
    if where.issued_from:
        parts.append(col(Invoice.issue_date) >= where.issued_from)
    if where.issued_to:
        parts.append(col(Invoice.issue_date) <= where.issued_to)
    if where.overdue_on:  # the invoices reminders are about, past their due day
        stated = col(Invoice.due_date) < where.overdue_on
        by_terms = due_by_terms_before(settings, where.overdue_on) if settings else None
        parts += [*REMINDABLE, stated if by_terms is None else or_(stated, by_terms)]
    return parts


@dataclass(frozen=True)
class _Keyset:
    """Where a page starts and which way it goes."""

    before: int | None
    after: int | None
    ascending: bool
    limit: int

    def clauses(self) -> list[Any]:
        if self.after is not None:
            return [col(Invoice.id) > self.after]
        if self.before is not None:
            return [col(Invoice.id) < self.before]
        return []

    def order(self, column: Any) -> Any:
        return column.asc() if self.ascending else column.desc()

    def hits(self, phrase: str) -> Any:
        """The page's first ``limit`` hits of ``phrase`` in the number index."""
        clause = "rowid < :before" if self.before is not None else "1"
        if self.after is not None:
            clause = "rowid > :after"
        order = "ASC" if self.ascending else "DESC"
        stmt = text(
            "SELECT rowid FROM invoice_search WHERE invoice_search MATCH :phrase "
            f"AND {clause} ORDER BY rowid {order} LIMIT :limit"
        )
        params: dict[str, Any] = {"phrase": phrase, "limit": self.limit}
        if self.after is not None:
            params["after"] = self.after
        elif self.before is not None:
            params["before"] = self.before
        return stmt.bindparams(**params)


async def _estimated_rows(session: AsyncSession, condition: Any) -> int:
    """How many invoices PostgreSQL's planner expects to match ``condition`` (its EXPLAIN,
    from the column statistics; nothing is read)."""
    stmt = select(Invoice.id).where(condition)
    sql = stmt.compile(bind=session.bind, compile_kwargs={"literal_binds": True})
    plan = (await session.exec(text(f"EXPLAIN (FORMAT JSON) {sql}"))).scalar_one()  # type: ignore[call-overload]
    if isinstance(plan, str):  # a driver that does not decode JSON
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _listing() -> Any:
    return select(Invoice, Customer.name).outerjoin(
        Customer, col(Customer.id) == col(Invoice.customer_id)
    )


async def _with_deliveries(
    session: AsyncSession, found: list[tuple[Invoice, str | None]], settings: Settings | None
) -> tuple[InvoiceRow, ...]:
    """The page's rows with their recipients and last word, read for the page's ids only."""
    ids = [inv.id for inv, _ in found]
    deliveries = (
        (
            await session.exec(
                select(Delivery.invoice_id, Delivery.recipient, Delivery.last_text)
                .where(col(Delivery.invoice_id).in_(ids))
                .order_by(col(Delivery.id))
            )
        ).all()
        if ids
        else []
    )
    recipients: dict[int, list[str]] = {}
    last: dict[int, str | None] = {}
    for invoice_id, recipient, said in deliveries:
        known = recipients.setdefault(invoice_id, [])
        if recipient not in known:
            known.append(recipient)
        if said:
            last[invoice_id] = said
    return tuple(
        invoice_row(
            inv, name, tuple(recipients.get(inv.id or 0, ())), last.get(inv.id or 0), settings
        )
        for inv, name in found
    )
