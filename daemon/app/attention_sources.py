"""Where the attention queue's items come from, one reader each: invoices needing a
person, undeliverable addresses, answers to an address request, long deferrals and inbound
messages a person must look at (money a person must place: ``attention_money``)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select as columns
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from daemon.app.attention_rows import (
    AMOUNTS_TO_CHECK,
    CUSTOMER_TO_CHOOSE,
    DUPLICATE,
    INVOICE_REF,
    NEEDING_A_PERSON,
    TO_POST,
    AttentionItem,
    InvoiceRef,
    SentTo,
    chunks,
    delivery_trouble,
    invoice_ref,
    make_item,
    newest_in_trouble,
    recorded,
    split_rows,
)
from daemon.domain.attention import AttentionKind
from daemon.domain.event_words import shown
from daemon.domain.finding_words import shown_held, why_held
from daemon.domain.formatting import day, money
from daemon.domain.i18n import _, language
from daemon.domain.labels import inbound_label
from daemon.domain.models import (
    OWED,
    UNDATED_OWED,
    AddressRequest,
    Customer,
    CustomerAddress,
    Delivery,
    DeliveryEvent,
    DeliveryKind,
    InboundMessage,
    Invoice,
    RequestState,
    utcnow,
)
from daemon.domain.payments import still_owed
from daemon.domain.states import DeliveryState, EventKind, InvoiceState
from daemon.intake.amounts import held_findings
from daemon.outbound.reminders import REMINDABLE, undated_and_late


async def invoices(
    session: AsyncSession, limit: int | None
) -> tuple[list[AttentionItem], datetime | None]:
    """Invoices waiting for an address, and those whose delivery a person must look at;
    with ``limit``, those of the ``limit`` newest, and the time the rest are older than."""
    connection = await session.connection()
    which: Any = col(Invoice.state).in_(NEEDING_A_PERSON)
    needs_address = InvoiceState.NEEDS_ADDRESS.value
    rest = None
    if limit is not None:
        ranked, rest = await newest_in_trouble(session, limit)
        if ranked is not None:
            which = col(Invoice.id).in_(ranked)
    rows = (
        await connection.execute(
            columns(
                *INVOICE_REF,
                col(Invoice.state),
                col(Invoice.imported_at),
                col(Invoice.duplicate_of_id),
            )
            .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
            .where(which)
        )
    ).all()
    troubled = [
        row[0]
        for row in rows
        if row[5] not in (needs_address, DUPLICATE, AMOUNTS_TO_CHECK, CUSTOMER_TO_CHOOSE, TO_POST)
    ]
    amounts: dict[int | None, str] = {}
    for chunk in chunks([row[0] for row in rows if row[5] == AMOUNTS_TO_CHECK]):
        for held_row in (
            await connection.execute(
                columns(col(Invoice.id), col(Invoice.compliance)).where(col(Invoice.id).in_(chunk))
            )
        ).all():
            findings = held_findings(held_row[1])
            amounts[held_row[0]] = shown_held(why_held(findings)) if findings else ""
    deliveries: dict[int, list[SentTo]] = {}
    complaints: dict[int, tuple[datetime, str | None]] = {}
    for chunk in chunks(troubled):  # a few queries for all of them, never one each
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
            deliveries.setdefault(d[0], []).append(SentTo(*d[1:]))
        for invoice_id, at, said in (
            await (await session.connection()).execute(
                columns(col(Delivery.invoice_id), col(DeliveryEvent.at), col(DeliveryEvent.text))
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
        invoice = invoice_ref(row)
        assert invoice is not None
        state, imported_at = row[5], row[6]
        if state == needs_address:
            why = _("no invoice address for {customer}").format(customer=invoice.customer)
            items.append(make_item(AttentionKind.NO_ADDRESS, invoice.id, imported_at, why, invoice))
            continue
        if state == TO_POST:
            why = _("{customer} receives its invoices on paper: not sent by email").format(
                customer=invoice.customer
            )
            items.append(make_item(AttentionKind.TO_POST, invoice.id, imported_at, why, invoice))
            continue
        if state == DUPLICATE:
            why = _("same seller, number and type as invoice #{earlier}: held, not sent").format(
                earlier=row[7]
            )
            items.append(
                make_item(AttentionKind.POSSIBLE_DUPLICATE, invoice.id, imported_at, why, invoice)
            )
            continue
        if state == CUSTOMER_TO_CHOOSE:
            why = _(
                "its buyer {buyer} fits several customers: held, not sent until a person says which"
            ).format(buyer=invoice.customer)
            items.append(
                make_item(AttentionKind.CUSTOMER_TO_CHOOSE, invoice.id, imported_at, why, invoice)
            )
            continue
        if state == AMOUNTS_TO_CHECK:
            why = _("amounts that do not add up, held, not sent: {why}").format(
                why=amounts.get(invoice.id, "")
            )
            items.append(
                make_item(AttentionKind.AMOUNTS_TO_CHECK, invoice.id, imported_at, why, invoice)
            )
            continue
        found = delivery_trouble(
            state, imported_at, deliveries.get(invoice.id, []), complaints.get(invoice.id)
        )
        if found is not None:
            kind, at, why = found
            items.append(make_item(kind, invoice.id, at, why, invoice))
    return items, rest


async def addresses(session: AsyncSession) -> list[AttentionItem]:
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
        make_item(
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


async def address_answers(session: AsyncSession) -> list[AttentionItem]:
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
            make_item(
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


async def undated(
    session: AsyncSession, settings: Settings, limit: int | None
) -> tuple[list[AttentionItem], datetime | None]:
    """Owed invoices that reminders hold back for want of a due day
    (``reminders.undated_and_late``), each from the day a first reminder would have been due
    had it been due when issued; none while reminders are off or every seller's terms give
    the day (``[reminders] days_to_pay``)."""
    terms = settings.reminders
    if not terms.enabled or not terms.levels_days or terms.days_to_pay is not None:
        return [], None
    today = settings.schedule.today()
    first = timedelta(days=terms.levels_days[0])
    rows = (
        await session.exec(
            select(Invoice, Customer.name)
            .join(Customer, col(Customer.id) == col(Invoice.customer_id))
            .where(
                *REMINDABLE,
                text(UNDATED_OWED),
                col(Invoice.issue_date) <= today - first,
            )
            .order_by(col(Invoice.issue_date).desc(), col(Invoice.id).desc())
            .limit(limit + 1 if limit is not None else None)
        )
    ).all()

    def since(invoice: Invoice) -> datetime:
        start = datetime.combine(invoice.issue_date + first, time(), settings.schedule.zone)
        return start.astimezone(UTC)

    rest = since(rows[limit][0]) if limit is not None and len(rows) > limit else None
    return [
        make_item(
            AttentionKind.NO_DUE_DATE,
            invoice.id,
            since(invoice),
            _("issued {issued}, {owed} owed, states no due date: not reminded").format(
                issued=day(invoice.issue_date, language()),
                owed=money(still_owed(invoice), invoice.currency, language()),
            ),
            InvoiceRef(invoice.id, invoice.number, name, invoice.customer_id),
        )
        for invoice, name in rows[:limit]
        if invoice.id is not None and undated_and_late(settings, invoice, today)
    ], rest


async def long_deferred(
    session: AsyncSession, settings: Settings, limit: int | None
) -> tuple[list[AttentionItem], datetime | None]:
    hours = settings.delivery.attention_after_hours
    rows = (
        await (await session.connection()).execute(
            columns(
                *INVOICE_REF,
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
    rows, rest = split_rows(rows, limit, 7)
    return [
        make_item(
            AttentionKind.LONG_DEFERRED,
            row[5],
            row[7],
            _("{email}: deferred for over {hours} h: {said}").format(
                email=row[6], hours=f"{hours:g}", said=shown(row[8])
            ),
            invoice_ref(row),
        )
        for row in rows
    ], rest


async def inbound(
    session: AsyncSession, settings: Settings, limit: int | None
) -> tuple[list[AttentionItem], datetime | None]:
    """Replies, unrecognized and quarantined messages, and ties guessed by recipient."""
    imap = settings.imap
    rows = (
        await (await session.connection()).execute(
            columns(
                *INVOICE_REF,
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
    rows, rest = split_rows(rows, limit, 6)
    items = []
    for row in rows:
        invoice = invoice_ref(row)
        ref, at, kind, sender, subject, evidence, disposition, said, data = row[5:]
        sender = sender or _("unknown sender")
        subject = subject or _("(no subject)")
        if (evidence or "").startswith("inferred"):
            why = _("{kind} from {sender}, tied by {evidence}: {subject}").format(
                kind=inbound_label(kind), sender=sender, evidence=evidence, subject=subject
            )
            items.append(make_item(AttentionKind.GUESSED_TIE, ref, at, why, invoice))
        if disposition == imap.replies_folder:
            why = _("from {sender}: {text}").format(sender=sender, text=said or subject)
            items.append(make_item(AttentionKind.REPLY, ref, at, why, invoice))
        elif disposition == imap.unrecognized_folder:
            why = _("{kind} from {sender}: {subject}").format(
                kind=inbound_label(kind), sender=sender, subject=subject
            )
            suggestion = recorded(data, "suggestion")
            if suggestion:
                why = f"{why} — {shown(suggestion)}"
            items.append(make_item(AttentionKind.UNRECOGNIZED, ref, at, why, invoice))
        elif disposition == imap.quarantine_folder:
            why = _("from {sender}: {text}").format(sender=sender, text=subject)
            reason = recorded(data, "quarantine_reason")
            if reason:
                why = f"{shown(reason)} — {why}"
            items.append(make_item(AttentionKind.QUARANTINED, ref, at, why, invoice))
    return items, rest
