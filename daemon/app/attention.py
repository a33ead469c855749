"""The attention queue: everything that needs a person, newest first, each with why and what
to do (``daemon.domain.attention``), and the record of who dealt with an item and how."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, literal_column
from sqlalchemy import select as columns
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from daemon.domain.attention import CLOSED_BY_HAND, HINTS, AttentionKind
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.event_words import HARD, shown
from daemon.domain.finding_words import shown_held, why_held
from daemon.domain.formatting import day, money
from daemon.domain.i18n import _, language
from daemon.domain.labels import inbound_label, kind_label
from daemon.domain.models import (
    OWED,
    AddressChange,
    AddressRequest,
    AttentionResolution,
    Customer,
    CustomerAddress,
    Delivery,
    DeliveryEvent,
    DeliveryKind,
    InboundMessage,
    Invoice,
    InvoiceEvent,
    Payment,
    PaymentStatus,
    RequestState,
    utcnow,
)
from daemon.domain.payment_words import shown_payment
from daemon.domain.states import DeliveryState, EventKind, InvoiceState
from daemon.intake.amounts import held_findings
from daemon.store.db import SessionFactory, transaction


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
class _InvoiceRef:
    """The invoice an item is about, read as columns (20,000 items a second, where ORM
    objects take a second for 20,000)."""

    id: int
    number: str
    customer: str
    customer_id: int | None


_INVOICE_REF: tuple[Any, ...] = (
    col(Invoice.id),
    col(Invoice.number),
    col(Customer.name),
    col(Invoice.buyer_name),
    col(Invoice.customer_id),
)


def _ref(row: Any, at: int = 0) -> _InvoiceRef | None:
    """The invoice in ``row``'s columns from ``at`` on (laid out as ``_INVOICE_REF``)."""
    invoice_id, number, name, buyer, customer_id = row[at : at + 5]
    if invoice_id is None:
        return None
    return _InvoiceRef(invoice_id, number, name or buyer, customer_id)


_NEEDING_A_PERSON = [
    InvoiceState.NEEDS_ADDRESS.value,
    InvoiceState.DUPLICATE.value,
    InvoiceState.AMOUNTS_TO_CHECK.value,
    InvoiceState.CUSTOMER_TO_CHOOSE.value,
    InvoiceState.BOUNCED.value,
    InvoiceState.FAILED.value,
    InvoiceState.ATTENTION.value,
]
_KIND_VALUE = {k: k.value for k in AttentionKind}
_HINT = dict(HINTS)


def _item(
    kind: AttentionKind,
    ref: int | None,
    at: datetime,
    why: str,
    invoice: _InvoiceRef | None = None,
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


class AttentionQueue:
    def __init__(self, sessions: SessionFactory, settings: Settings):
        self.sessions = sessions
        self.settings = settings

    async def items(
        self, kind: AttentionKind | None = None, *, newest: int | None = None
    ) -> list[AttentionItem]:
        """Every open item (of ``kind``), newest first; with ``newest``, only the first
        ``newest`` of them, the same as the start of the whole list.

        For ``newest`` each source gives its own newest rows by its own index, with the time
        below which its other rows lie (an invoice's item is never newer than its newest
        delivery, complaint or import); they are asked for more until the items kept are
        newer than every source's rest. At a million invoices the first screen thus reads a
        few hundred rows, not the twenty thousand open items."""
        limit = newest
        while True:
            async with self.sessions() as session:
                found: list[AttentionItem] = []
                rests: list[datetime] = []
                for source in (self._invoices, self._long_deferred, self._inbound):
                    items, rest = await source(session, limit)
                    found += items
                    if rest is not None:
                        rests.append(rest)
                found += await self._addresses(session)
                found += await self._payments(session)
                found += await self._address_answers(session)
                resolved = set(
                    (
                        await session.exec(
                            select(AttentionResolution.kind, AttentionResolution.ref)
                        )
                    ).all()
                )
            open_items = [i for i in found if (i.kind, i.ref) not in resolved]
            if kind is not None:
                open_items = [i for i in open_items if i.kind == kind.value]
            open_items.sort(key=lambda i: (i.at, i.ref), reverse=True)
            if newest is None or limit is None or not rests:
                return open_items[:newest] if newest is not None else open_items
            if len(open_items) >= newest and open_items[newest - 1].at >= max(rests):
                return open_items[:newest]
            limit *= 4

    async def fingerprint(self) -> tuple[object, ...]:
        """Changes when the queue may have: the newest delivery event, inbound message,
        address change, resolution and invoice, and the minute (a deferral grows long with
        time alone). Six index lookups: a screen asks this before asking for the queue."""
        newest = [
            columns(func.max(col(table.id)))  # type: ignore[attr-defined]
            for table in (
                DeliveryEvent,
                InboundMessage,
                AddressChange,
                AttentionResolution,
                Invoice,
                InvoiceEvent,
                Payment,
                AddressRequest,
            )
        ]
        async with self.sessions() as session:
            connection = await session.connection()
            found = [(await connection.execute(stmt)).scalar() for stmt in newest]
            waiting = (
                await connection.execute(
                    columns(func.count()).where(col(Payment.status) == PaymentStatus.WAITING.value)
                )
            ).scalar()
        return (*found, waiting, utcnow().replace(second=0, microsecond=0))

    async def resolve(
        self, kind: AttentionKind, ref: int, *, by: str, how: str
    ) -> AttentionResolution:
        """Record that a person dealt with an item: it leaves the queue, the record stays."""
        if not how.strip():
            raise ValidationError(_("reason: say how the item was dealt with"))
        if kind not in CLOSED_BY_HAND:
            raise ValidationError(
                _(
                    "{kind} items leave the queue when the invoice or address changes: {hint}"
                ).format(kind=kind_label(kind.value), hint=_(HINTS[kind]))
            )
        if not any(i.ref == ref for i in await self.items(kind)):
            raise NotFoundError(
                _("no open {kind} item #{ref} in the attention queue").format(
                    kind=kind.value, ref=ref
                )
            )
        try:
            async with transaction(self.sessions) as session:
                done = AttentionResolution(kind=kind.value, ref=ref, resolved_by=by, how=how)
                session.add(done)
        except IntegrityError:
            raise ValidationError(
                _("{kind} item #{ref} was dealt with already").format(kind=kind.value, ref=ref)
            ) from None
        return done

    async def _invoices(
        self, session: AsyncSession, limit: int | None
    ) -> tuple[list[AttentionItem], datetime | None]:
        """Invoices waiting for an address, and those whose delivery a person must look at;
        with ``limit``, those of the ``limit`` newest, and the time the rest are older than."""
        connection = await session.connection()
        which: Any = col(Invoice.state).in_(_NEEDING_A_PERSON)
        needs_address = InvoiceState.NEEDS_ADDRESS.value
        rest = None
        if limit is not None:
            ranked, rest = await _newest_in_trouble(session, limit)
            if ranked is not None:
                which = col(Invoice.id).in_(ranked)
        rows = (
            await connection.execute(
                columns(
                    *_INVOICE_REF,
                    col(Invoice.state),
                    col(Invoice.imported_at),
                    col(Invoice.duplicate_of_id),
                )
                .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
                .where(which)
            )
        ).all()
        troubled = [
            row[0] for row in rows if row[5] not in (needs_address, _DUPLICATE, _AMOUNTS, _CUSTOMER)
        ]
        amounts: dict[int | None, str] = {}
        for chunk in _chunks([row[0] for row in rows if row[5] == _AMOUNTS]):
            for held_row in (
                await connection.execute(
                    columns(col(Invoice.id), col(Invoice.compliance)).where(
                        col(Invoice.id).in_(chunk)
                    )
                )
            ).all():
                findings = held_findings(held_row[1])
                amounts[held_row[0]] = shown_held(why_held(findings)) if findings else ""
        deliveries: dict[int, list[_Sent]] = {}
        complaints: dict[int, tuple[datetime, str | None]] = {}
        for chunk in _chunks(troubled):  # a few queries for all of them, never one each
            for d in (
                await (await session.connection()).execute(
                    columns(
                        col(Delivery.invoice_id),
                        col(Delivery.recipient),
                        col(Delivery.state),
                        col(Delivery.last_text),
                        col(Delivery.updated_at),
                    )
                    .where(
                        col(Delivery.invoice_id).in_(chunk),
                        col(Delivery.kind) == DeliveryKind.INVOICE.value,
                    )
                    .order_by(col(Delivery.id))
                )
            ).all():
                deliveries.setdefault(d[0], []).append(_Sent(*d[1:]))
            for invoice_id, at, said in (
                await (await session.connection()).execute(
                    columns(
                        col(Delivery.invoice_id), col(DeliveryEvent.at), col(DeliveryEvent.text)
                    )
                    .join(Delivery, col(Delivery.id) == col(DeliveryEvent.delivery_id))
                    .where(
                        col(Delivery.invoice_id).in_(chunk),
                        col(Delivery.kind) == DeliveryKind.INVOICE.value,
                        col(DeliveryEvent.event) == EventKind.COMPLAINT.value,
                    )
                    .order_by(col(DeliveryEvent.id))
                )
            ).all():
                complaints[invoice_id] = (at, said)  # the newest one stays
        items = []
        for row in rows:
            invoice = _ref(row)
            assert invoice is not None
            state, imported_at = row[5], row[6]
            if state == needs_address:
                why = _("no invoice address for {customer}").format(customer=invoice.customer)
                items.append(_item(AttentionKind.NO_ADDRESS, invoice.id, imported_at, why, invoice))
                continue
            if state == _DUPLICATE:
                why = _(
                    "same seller, number and type as invoice #{earlier}: held, not sent"
                ).format(earlier=row[7])
                items.append(
                    _item(AttentionKind.POSSIBLE_DUPLICATE, invoice.id, imported_at, why, invoice)
                )
                continue
            if state == _CUSTOMER:
                why = _(
                    "its buyer {buyer} fits several customers: held, not sent until a person "
                    "says which"
                ).format(buyer=invoice.customer)
                items.append(
                    _item(AttentionKind.CUSTOMER_TO_CHOOSE, invoice.id, imported_at, why, invoice)
                )
                continue
            if state == _AMOUNTS:
                why = _("amounts that do not add up, held, not sent: {why}").format(
                    why=amounts.get(invoice.id, "")
                )
                items.append(
                    _item(AttentionKind.AMOUNTS_TO_CHECK, invoice.id, imported_at, why, invoice)
                )
                continue
            found = _delivery_trouble(
                state, imported_at, deliveries.get(invoice.id, []), complaints.get(invoice.id)
            )
            if found is not None:
                kind, at, why = found
                items.append(_item(kind, invoice.id, at, why, invoice))
        return items, rest

    async def _addresses(self, session: AsyncSession) -> list[AttentionItem]:
        """Addresses marked undeliverable while their customer has invoices still unpaid."""
        rows = (
            await session.exec(
                select(CustomerAddress, Customer.name)
                .join(Customer, col(Customer.id) == col(CustomerAddress.customer_id))
                .where(
                    col(CustomerAddress.undeliverable).is_(True),
                    col(CustomerAddress.active).is_(True),
                    # per address, one look up its customer's invoices (by their index)
                    select(Invoice.id)
                    .where(
                        col(Invoice.customer_id) == col(CustomerAddress.customer_id),
                        col(Invoice.payment_state).in_(OWED),
                    )
                    .exists(),
                )
            )
        ).all()
        return [
            _item(
                AttentionKind.UNDELIVERABLE_ADDRESS,
                address.id,
                address.created_at,
                _("{email} undeliverable: {reason}").format(
                    email=address.email, reason=shown(address.undeliverable_reason)
                ),
                customer=name,
                customer_id=address.customer_id,
                address=address.email,
            )
            for address, name in rows
        ]

    async def _payments(self, session: AsyncSession) -> list[AttentionItem]:
        """Payments that match no invoice or pay more than is owed."""
        rows = (
            await session.exec(select(Payment).where(Payment.status == PaymentStatus.WAITING.value))
        ).all()
        return [
            _item(
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

    async def _address_answers(self, session: AsyncSession) -> list[AttentionItem]:
        """Customers' answers to a request for a central invoice address."""
        rows = (
            await session.exec(
                select(
                    AddressRequest,
                    Customer.name,
                    InboundMessage.customer_message,
                    InboundMessage.received_at,
                )
                .join(Customer, col(Customer.id) == col(AddressRequest.customer_id))
                .outerjoin(
                    InboundMessage,
                    col(InboundMessage.id) == col(AddressRequest.reply_inbound_id),
                )
                .where(
                    col(AddressRequest.state).in_(
                        [RequestState.PROPOSED.value, RequestState.ANSWERED.value]
                    )
                )
            )
        ).all()
        items = []
        for request, name, said, received in rows:
            why = (
                _("proposes {email} for its invoices: {text}").format(
                    email=request.proposed_email, text=said or ""
                )
                if request.proposed_email
                else _("answered without an address: {text}").format(text=said or "")
            )
            items.append(
                _item(
                    AttentionKind.ADDRESS_ANSWER,
                    request.id,
                    received or request.last_sent_at or utcnow(),
                    why,
                    customer=name,
                    customer_id=request.customer_id,
                    address=request.proposed_email,
                )
            )
        return items

    async def _long_deferred(
        self, session: AsyncSession, limit: int | None
    ) -> tuple[list[AttentionItem], datetime | None]:
        hours = self.settings.delivery.attention_after_hours
        rows = (
            await (await session.connection()).execute(
                columns(
                    *_INVOICE_REF,
                    col(Delivery.id),
                    col(Delivery.recipient),
                    col(Delivery.updated_at),
                    col(Delivery.last_text),
                )
                .select_from(Delivery)
                .join(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
                .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
                .where(
                    col(Delivery.state) == DeliveryState.DEFERRED.value,
                    col(Delivery.created_at) < utcnow() - timedelta(hours=hours),
                )
                .order_by(col(Delivery.updated_at).desc())
                .limit(limit + 1 if limit is not None else None)
            )
        ).all()
        rows, rest = _split(rows, limit, 7)
        return [
            _item(
                AttentionKind.LONG_DEFERRED,
                row[5],
                row[7],
                _("{email}: deferred for over {hours} h: {said}").format(
                    email=row[6], hours=f"{hours:g}", said=shown(row[8])
                ),
                _ref(row),
            )
            for row in rows
        ], rest

    async def _inbound(
        self, session: AsyncSession, limit: int | None
    ) -> tuple[list[AttentionItem], datetime | None]:
        """Replies, unrecognized and quarantined messages, and ties guessed by recipient."""
        imap = self.settings.imap
        rows = (
            await (await session.connection()).execute(
                columns(
                    *_INVOICE_REF,
                    col(InboundMessage.id),
                    col(InboundMessage.received_at),
                    col(InboundMessage.kind),
                    col(InboundMessage.from_address),
                    col(InboundMessage.subject),
                    col(InboundMessage.evidence),
                    col(InboundMessage.disposition),
                    col(InboundMessage.customer_message),
                    col(InboundMessage.classification),
                )
                .select_from(InboundMessage)
                .outerjoin(Delivery, col(Delivery.id) == col(InboundMessage.delivery_id))
                .outerjoin(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
                .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
                .where(
                    col(InboundMessage.disposition).in_(
                        [imap.replies_folder, imap.unrecognized_folder, imap.quarantine_folder]
                    )
                    | col(InboundMessage.evidence).startswith("inferred")
                )
                .order_by(col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc())
                .limit(limit + 1 if limit is not None else None)
            )
        ).all()
        rows, rest = _split(rows, limit, 6)
        items = []
        for row in rows:
            invoice = _ref(row)
            ref, at, kind, sender, subject, evidence, disposition, said, data = row[5:]
            sender = sender or _("unknown sender")
            subject = subject or _("(no subject)")
            if (evidence or "").startswith("inferred"):
                why = _("{kind} from {sender}, tied by {evidence}: {subject}").format(
                    kind=inbound_label(kind), sender=sender, evidence=evidence, subject=subject
                )
                items.append(_item(AttentionKind.GUESSED_TIE, ref, at, why, invoice))
            if disposition == imap.replies_folder:
                why = _("from {sender}: {text}").format(sender=sender, text=said or subject)
                items.append(_item(AttentionKind.REPLY, ref, at, why, invoice))
            elif disposition == imap.unrecognized_folder:
                why = _("{kind} from {sender}: {subject}").format(
                    kind=inbound_label(kind), sender=sender, subject=subject
                )
                suggestion = _recorded(data, "suggestion")
                if suggestion:
                    why = f"{why} — {shown(suggestion)}"
                items.append(_item(AttentionKind.UNRECOGNIZED, ref, at, why, invoice))
            elif disposition == imap.quarantine_folder:
                why = _("from {sender}: {text}").format(sender=sender, text=subject)
                reason = _recorded(data, "quarantine_reason")
                if reason:
                    why = f"{shown(reason)} — {why}"
                items.append(_item(AttentionKind.QUARANTINED, ref, at, why, invoice))
        return items, rest


CHUNK = 500


def _recorded(data: str | None, name: str) -> str | None:
    """What the bounce reader recorded with a message's classification: why it was set
    aside (``quarantine_reason``), which invoice it may be about (``suggestion``)."""
    try:
        found = json.loads(data or "{}").get(name)
    except ValueError:
        return None
    return str(found) if found else None


def _split(rows: Any, limit: int | None, at: int) -> tuple[Any, datetime | None]:
    """The first ``limit`` of ``rows`` (asked for one more), and the time in column ``at``
    of the first one left out (None when none is)."""
    if limit is None or len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit][at]


async def _newest_in_trouble(
    session: AsyncSession, limit: int
) -> tuple[list[int] | None, datetime | None]:
    """The ``limit`` invoices needing a person whose newest activity (import, a change of one
    of their invoice deliveries, a complaint) is newest, and the time no other one's
    activity is newer than; (None, None) when there are no more than ``limit`` of them.

    The ``limit`` newest by a maximum of several times are among the ``limit`` newest by
    each time: so each time's newest are read by its own order (a few hundred rows), and
    only those candidates are ranked, never the twenty thousand invoices in trouble."""
    connection = await session.connection()
    troubled = col(Invoice.state).in_(_NEEDING_A_PERSON)
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
    bounds = [_aware(by_import[limit][1])]
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
        bounds.append(_aware(newest_changes[limit][1]))
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
    for chunk in _chunks(list(candidates)):
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
            when = _aware(stored)
            if when is None or found_id is None:
                continue
            if found_id not in newest or when > newest[found_id]:
                newest[found_id] = when
    keyed = sorted(((at, i) for i, at in newest.items()), reverse=True)
    if len(keyed) > limit:
        bounds.append(keyed[limit][0])
    rest = max(b for b in bounds if b is not None)
    return [i for _at, i in keyed[:limit]], rest


def _aware(value: Any) -> datetime | None:
    """A max() of a time column comes back without the column's type on SQLite: as the
    stored text, without its zone."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _chunks(ids: list[int | None]) -> list[list[int]]:
    known = [i for i in ids if i is not None]
    return [known[at : at + CHUNK] for at in range(0, len(known), CHUNK)]


# plain strings: an enum member's .value costs a descriptor call, 20,000 times a look
_HELD, _BOUNCED, _FAILED = (
    s.value for s in (DeliveryState.HELD, DeliveryState.BOUNCED, DeliveryState.FAILED)
)
_ATTENTION = InvoiceState.ATTENTION.value
_DUPLICATE = InvoiceState.DUPLICATE.value
_AMOUNTS = InvoiceState.AMOUNTS_TO_CHECK.value
_CUSTOMER = InvoiceState.CUSTOMER_TO_CHOOSE.value


class _Sent(NamedTuple):
    recipient: str
    state: str
    last_text: str | None
    updated_at: datetime


def _said(address: str, said: str) -> str:
    return _("{address}: {said}").format(address=address, said=said)


def _delivery_trouble(
    state: str,
    imported_at: datetime,
    deliveries: list[_Sent],
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
    if state == _ATTENTION and not deliveries:
        why = _("every invoice address of the customer is undeliverable")
        return AttentionKind.UNDELIVERABLE_ADDRESS, imported_at, why
    return None
