"""The attention queue's rows: an item and the invoice it is about, why an invoice's
delivery needs a person, and the newest-first reading that keeps the first screen to a few
hundred rows at a million invoices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, literal_column
from sqlalchemy import select as columns
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.attention import HINTS, AttentionKind
from daemon.domain.event_words import HARD, shown
from daemon.domain.i18n import _
from daemon.domain.models import (
    Customer,
    Delivery,
    DeliveryEvent,
    DeliveryKind,
    Invoice,
)
from daemon.domain.states import DeliveryState, InvoiceState


@dataclass(frozen=True)
class AttentionItem:
    kind: str
    ref: int
    """The row it is about: an invoice, a delivery, an address or an inbound message."""
    at: datetime
    invoice_id: int | None
    invoice_number: str | None
    customer: str | None
    why: str
    hint: str
    customer_id: int | None = None
    address: str | None = None
    """The address it is about, for an undeliverable address."""


@dataclass(frozen=True)
class InvoiceRef:
    """The invoice an item is about, read as columns (20,000 items a second, where ORM
    objects take a second for 20,000)."""

    id: int
    number: str
    customer: str
    customer_id: int | None


INVOICE_REF: tuple[Any, ...] = (
    col(Invoice.id),
    col(Invoice.number),
    col(Customer.name),
    col(Invoice.buyer_name),
    col(Invoice.customer_id),
)


def invoice_ref(row: Any, at: int = 0) -> InvoiceRef | None:
    """The invoice in ``row``'s columns from ``at`` on (laid out as ``INVOICE_REF``)."""
    invoice_id, number, name, buyer, customer_id = row[at : at + 5]
    if invoice_id is None:
        return None
    return InvoiceRef(invoice_id, number, name or buyer, customer_id)


NEEDING_A_PERSON = [
    InvoiceState.NEEDS_ADDRESS.value,
    InvoiceState.TO_POST.value,
    InvoiceState.DUPLICATE.value,
    InvoiceState.AMOUNTS_TO_CHECK.value,
    InvoiceState.CUSTOMER_TO_CHOOSE.value,
    InvoiceState.BOUNCED.value,
    InvoiceState.FAILED.value,
    InvoiceState.ATTENTION.value,
]
_KIND_VALUE = {k: k.value for k in AttentionKind}
_HINT = dict(HINTS)


def make_item(
    kind: AttentionKind,
    ref: int | None,
    at: datetime,
    why: str,
    invoice: InvoiceRef | None = None,
    customer: str | None = None,
    customer_id: int | None = None,
    address: str | None = None,
) -> AttentionItem:
    assert ref is not None
    return AttentionItem(
        _KIND_VALUE[kind],
        ref,
        at,
        invoice.id if invoice else None,
        invoice.number if invoice else None,
        customer or (invoice.customer if invoice else None),
        " ".join(why.split())[:300],
        _HINT[kind],
        customer_id if customer_id is not None else (invoice.customer_id if invoice else None),
        address,
    )


CHUNK = 500


def recorded(data: str | None, name: str) -> str | None:
    """What the bounce reader recorded with a message's classification: why it was set
    aside (``quarantine_reason``), which invoice it may be about (``suggestion``)."""
    try:
        found = json.loads(data or "{}").get(name)
    except ValueError:
        return None
    return str(found) if found else None


def split_rows(rows: Any, limit: int | None, at: int) -> tuple[Any, datetime | None]:
    """The first ``limit`` of ``rows`` (asked for one more), and the time in column ``at``
    of the first one left out (None when none is)."""
    if limit is None or len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit][at]


async def newest_in_trouble(
    session: AsyncSession, limit: int
) -> tuple[list[int] | None, datetime | None]:
    """The ``limit`` invoices needing a person whose newest activity (import, a change of one
    of their invoice deliveries, a complaint) is newest, and the time no other one's
    activity is newer than; (None, None) when there are no more than ``limit`` of them.

    The ``limit`` newest by a maximum of several times are among the ``limit`` newest by
    each time: so each time's newest are read by its own order (a few hundred rows), and
    only those candidates are ranked, never the twenty thousand invoices in trouble."""
    connection = await session.connection()
    troubled = col(Invoice.state).in_(NEEDING_A_PERSON)
    by_import = (
        await connection.execute(
            columns(col(Invoice.id), col(Invoice.imported_at))
            .where(troubled)
            .order_by(col(Invoice.imported_at).desc(), col(Invoice.id).desc())
            .limit(limit + 1)
        )
    ).all()
    if len(by_import) <= limit:
        return None, None
    bounds = [aware(by_import[limit][1])]
    candidates = {i for i, _at in by_import[:limit]}
    # deliveries by their newest change: an invoice's first row is its newest
    seen: dict[int, datetime] = {}
    rows_read = limit * 2
    while True:
        changed = (
            await connection.execute(
                columns(col(Delivery.invoice_id), col(Delivery.updated_at))
                .where(
                    # as a list of ids, probed by the deliveries' invoice index: as a join,
                    # SQLite read every delivery (0.5 s at 1M)
                    col(Delivery.invoice_id).in_(columns(col(Invoice.id)).where(troubled)),
                    col(Delivery.kind) == DeliveryKind.INVOICE.value,
                )
                .order_by(col(Delivery.updated_at).desc(), col(Delivery.id).desc())
                .limit(rows_read)
            )
        ).all()
        seen = {}
        for changed_id, changed_at in changed:
            seen.setdefault(changed_id, changed_at)
        if len(seen) > limit or len(changed) < rows_read:
            break
        rows_read *= 4
    newest_changes = list(seen.items())
    if len(newest_changes) > limit:
        bounds.append(aware(newest_changes[limit][1]))
    candidates |= {i for i, _at in newest_changes[:limit]}
    # complaints are few: every one, by its own (partial) index
    complained = (
        columns(col(DeliveryEvent.delivery_id), func.max(col(DeliveryEvent.at)).label("at"))
        .where(col(DeliveryEvent.event) == literal_column("'complaint'"))
        .group_by(col(DeliveryEvent.delivery_id))
        .subquery()
    )
    complaints = (
        await connection.execute(
            columns(col(Delivery.invoice_id), complained.c.at)
            .select_from(complained)
            .join(Delivery, col(Delivery.id) == complained.c.delivery_id)
            .join(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
            .where(troubled, col(Delivery.kind) == DeliveryKind.INVOICE.value)
        )
    ).all()
    candidates |= {i for i, _at in complaints}
    # the candidates' own newest activity, exactly
    newest: dict[int, datetime] = {}
    for chunk in chunks(list(candidates)):
        found = list(
            (
                await connection.execute(
                    columns(col(Invoice.id), col(Invoice.imported_at)).where(
                        col(Invoice.id).in_(chunk)
                    )
                )
            ).all()
        )
        found += (
            await connection.execute(
                columns(col(Delivery.invoice_id), func.max(col(Delivery.updated_at)))
                .where(
                    col(Delivery.invoice_id).in_(chunk),
                    col(Delivery.kind) == DeliveryKind.INVOICE.value,
                )
                .group_by(col(Delivery.invoice_id))
            )
        ).all()
        found += [c for c in complaints if c[0] in chunk]
        for found_id, stored in found:
            when = aware(stored)
            if when is None or found_id is None:
                continue
            if found_id not in newest or when > newest[found_id]:
                newest[found_id] = when
    keyed = sorted(((at, i) for i, at in newest.items()), reverse=True)
    if len(keyed) > limit:
        bounds.append(keyed[limit][0])
    rest = max(b for b in bounds if b is not None)
    return [i for _at, i in keyed[:limit]], rest


def aware(value: Any) -> datetime | None:
    """A max() of a time column comes back without the column's type on SQLite: as the
    stored text, without its zone."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def chunks(ids: list[int | None]) -> list[list[int]]:
    known = [i for i in ids if i is not None]
    return [known[at : at + CHUNK] for at in range(0, len(known), CHUNK)]


# plain strings: an enum member's .value costs a descriptor call, 20,000 times a look
_HELD, _BOUNCED, _FAILED = (
    s.value for s in (DeliveryState.HELD, DeliveryState.BOUNCED, DeliveryState.FAILED)
)
ATTENTION = InvoiceState.ATTENTION.value
DUPLICATE = InvoiceState.DUPLICATE.value
AMOUNTS_TO_CHECK = InvoiceState.AMOUNTS_TO_CHECK.value
CUSTOMER_TO_CHOOSE = InvoiceState.CUSTOMER_TO_CHOOSE.value
TO_POST = InvoiceState.TO_POST.value


class SentTo(NamedTuple):
    recipient: str
    state: str
    last_text: str | None
    updated_at: datetime


def _said(address: str, said: str) -> str:
    return _("{address}: {said}").format(address=address, said=said)


def delivery_trouble(
    state: str,
    imported_at: datetime,
    deliveries: list[SentTo],
    complaint: tuple[datetime, str | None] | None,
) -> tuple[AttentionKind, datetime, str] | None:
    """Why an invoice's delivery needs a person, from its invoice deliveries (oldest first)
    and its newest complaint; None when nothing does."""
    latest = {d.recipient: d for d in deliveries}.values()
    for d in latest:
        if d.state == _HELD:
            return AttentionKind.HELD, d.updated_at, _said(d.recipient, shown(d.last_text))
    for d in latest:
        said = d.last_text or ""
        if d.state == _BOUNCED and said.startswith(HARD):
            return AttentionKind.HARD_BOUNCE, d.updated_at, _said(d.recipient, shown(said))
    for d in latest:
        if d.state in (_BOUNCED, _FAILED):
            return AttentionKind.REJECTED, d.updated_at, _said(d.recipient, shown(d.last_text))
    if complaint is not None:
        return AttentionKind.COMPLAINT, complaint[0], shown(complaint[1]) or _("complaint")
    if state == ATTENTION and not deliveries:
        why = _("every invoice address of the customer is undeliverable")
        return AttentionKind.UNDELIVERABLE_ADDRESS, imported_at, why
    return None
