"""The figures the business case rests on (`facturier report`, the TUI's figures screen):
e-invoice adoption, the share of customers on a central invoice mailbox, the campaign's
progress, what became of the invoices sent and why bounces bounced, days to pay (by channel,
by central versus personal mailbox, before and after a customer moved to a central one), and
the late-payment rate.

A period selects invoices by issue date (days to pay) or due date (late payment): the one an
invoice states, else the one its seller's terms in the settings give (``reminders.terms_days``,
the day reminders count from); customers and addresses are counted as they are now.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from statistics import fmean, median
from typing import Any

from sqlalchemy import Date, Integer, and_, cast, func, literal, or_
from sqlalchemy import select as columns
from sqlalchemy.orm import aliased
from sqlmodel import col

from config import Settings
from daemon.app.figures import bounce_reasons
from daemon.domain.i18n import N_
from daemon.domain.identity import DocumentKind
from daemon.domain.models import (
    OWED,
    AddressRequest,
    AddressRole,
    Customer,
    CustomerAddress,
    Delivery,
    DeliveryKind,
    InboundMessage,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentState,
    PaymentStatus,
)
from daemon.domain.states import SET_ASIDE_VALUES
from daemon.outbound.reminders import terms_days
from daemon.store.db import SessionFactory

GROUPS = (
    N_("all"),
    N_("channel email"),
    N_("channel paper"),
    N_("central mailbox"),
    N_("personal mailbox"),
    N_("before moving"),
    N_("after moving to a central mailbox"),
)
"""The groups days to pay are figured for, in the order they are shown."""


@dataclass(frozen=True)
class DaysToPay:
    """Days from issue (and from the due date) to the payment that settled the invoice."""

    group: str
    invoices: int
    mean_from_issue: float | None
    median_from_issue: float | None
    mean_from_due: float | None
    median_from_due: float | None


@dataclass(frozen=True)
class BusinessReport:
    start: date | None
    end: date | None
    customers_by_channel: dict[str, int]
    invoices_by_channel: dict[str, int]
    adoption: float | None
    """Share of customers receiving e-invoices by email."""
    central_share: float | None
    """Share of customers with an invoice address whose address is a shared mailbox."""
    campaign: dict[str, int]
    delivery_outcomes: dict[str, int]
    bounce_reasons: dict[str, int]
    days_to_pay: list[DaysToPay] = field(default_factory=list)
    late_payment_rate: float | None = None
    due_counted: int = 0
    """Invoices due in the period (and due before today): the late-payment rate's base."""


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _days(group: str, pairs: list[tuple[int, int]]) -> DaysToPay:
    from_issue = [a for a, _b in pairs]
    from_due = [b for _a, b in pairs]

    def r(value: float | None) -> float | None:
        return round(value, 2) if value is not None else None

    return DaysToPay(
        group,
        len(pairs),
        r(fmean(from_issue)) if pairs else None,
        r(median(from_issue)) if pairs else None,
        r(fmean(from_due)) if pairs else None,
        r(median(from_due)) if pairs else None,
    )


class Report:
    def __init__(
        self,
        sessions: SessionFactory,
        *,
        today: Callable[[], date] = date.today,
        settings: Settings | None = None,
    ):
        self.sessions = sessions
        self.today = today
        self.settings = settings
        """Where the sellers' payment terms are: an invoice stating no due date is due the
        day they give (``reminders.due_day``). None: only the day an invoice states."""

    async def build(
        self, start: date | None = None, end: date | None = None, today: date | None = None
    ) -> BusinessReport:
        today = today or self.today()
        async with self.sessions() as session:
            connection = await session.connection()

            async def rows(stmt: Any) -> list[Any]:
                return list((await connection.execute(stmt)).all())

            customers = await rows(columns(col(Customer.id), col(Customer.channel)))
            channel_of = {cid: ch for cid, ch in customers}
            addresses = await rows(
                columns(
                    col(CustomerAddress.customer_id), col(CustomerAddress.central_mailbox)
                ).where(
                    col(CustomerAddress.role) == AddressRole.INVOICE_TO.value,
                    col(CustomerAddress.active).is_(True),
                )
            )
            invoice_filter = [
                col(Invoice.document_kind) == DocumentKind.INVOICE.value,
                col(Invoice.state).not_in(SET_ASIDE_VALUES),
            ]
            issued = list(invoice_filter)
            if start:
                issued.append(col(Invoice.issue_date) >= start)
            if end:
                issued.append(col(Invoice.issue_date) <= end)
            dialect = connection.dialect.name
            due_day, due_where = self._due(dialect, today, start, end)
            invoices = await rows(
                columns(
                    col(Invoice.id),
                    col(Invoice.customer_id),
                    _day_number(col(Invoice.issue_date), dialect),
                    due_day,
                    col(Invoice.payment_state),
                ).where(*issued)
            )
            issued_ids = columns(col(Invoice.id)).where(*issued)
            # per invoice: its first recipient's address and its latest delivery's state
            ends = (
                columns(
                    col(Delivery.invoice_id).label("invoice_id"),
                    func.min(col(Delivery.id)).label("first_id"),
                    func.max(col(Delivery.id)).label("last_id"),
                )
                .where(
                    col(Delivery.invoice_id).in_(issued_ids),
                    col(Delivery.kind) == DeliveryKind.INVOICE.value,
                )
                .group_by(col(Delivery.invoice_id))
                .subquery()
            )
            first, last = aliased(Delivery), aliased(Delivery)
            deliveries = await rows(
                columns(ends.c.invoice_id, col(last.state), col(first.address_id))
                .join(last, col(last.id) == ends.c.last_id)
                .join(first, col(first.id) == ends.c.first_id)
            )
            central_ids = {
                a
                for (a,) in await rows(
                    columns(col(CustomerAddress.id)).where(
                        col(CustomerAddress.central_mailbox).is_(True)
                    )
                )
            }
            due = [*invoice_filter, due_where]
            due_rows = await rows(
                columns(col(Invoice.id), due_day, col(Invoice.payment_state)).where(*due)
            )
            # the day each invoice (issued or due in the period) was settled: its last
            # applied payment; one pass over the payments for both questions
            either = [*invoice_filter, or_(and_(*issued), and_(*due))]
            paid_on = dict(
                await rows(
                    columns(
                        col(PaymentAllocation.invoice_id),
                        _day_number(func.max(col(Payment.received_on)), dialect),
                    )
                    .join(Payment, col(Payment.id) == col(PaymentAllocation.payment_id))
                    .where(
                        col(Payment.status) == PaymentStatus.APPLIED.value,
                        col(PaymentAllocation.invoice_id).in_(
                            columns(col(Invoice.id)).where(*either)
                        ),
                    )
                    .group_by(col(PaymentAllocation.invoice_id))
                )
            )
            due_paid_on = paid_on
            bounced = await rows(
                columns(col(InboundMessage.classification))
                .join(Delivery, col(Delivery.id) == col(InboundMessage.delivery_id))
                .where(
                    col(InboundMessage.kind) == "bounce",
                    col(Delivery.kind) == DeliveryKind.INVOICE.value,
                    col(Delivery.invoice_id).in_(issued_ids),
                )
            )
            requests = await rows(
                columns(
                    col(AddressRequest.customer_id),
                    col(AddressRequest.state),
                    col(AddressRequest.attempts),
                )
            )
        by_customer_channel = Counter(channel_of.values())
        with_address = {cid for cid, _c in addresses}
        central_customers = {cid for cid, central in addresses if central}
        invoices_by_channel = Counter(channel_of.get(i[1], "email") for i in invoices)
        # what became of each invoice: its latest delivery (to its invoice address)
        first_address = {invoice_id: address for invoice_id, _state, address in deliveries}
        outcomes = Counter(state for _invoice, state, _address in deliveries)
        reasons = bounce_reasons(data for (data,) in bounced)
        # days to pay, grouped
        groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
        central_first: dict[int, int] = {}
        personal_first: dict[int, int] = {}
        for invoice_id, customer_id, issue, _due, _state in invoices:
            address = first_address.get(invoice_id)
            if address is None:
                continue
            marks = central_first if address in central_ids else personal_first
            if customer_id not in marks or issue < marks[customer_id]:
                marks[customer_id] = issue
        paid = PaymentState.PAID.value
        for invoice_id, customer_id, issue, due_date, state in invoices:
            if state != paid or invoice_id not in paid_on:
                continue
            settled_on = paid_on[invoice_id]
            pair = (settled_on - issue, settled_on - (issue if due_date is None else due_date))
            groups["all"].append(pair)
            groups[f"channel {channel_of.get(customer_id, 'email')}"].append(pair)
            address = first_address.get(invoice_id)
            if address is None:
                continue
            central = address in central_ids
            groups["central mailbox" if central else "personal mailbox"].append(pair)
            moved = (
                customer_id in central_first
                and customer_id in personal_first
                and personal_first[customer_id] < central_first[customer_id]
            )
            if moved:
                groups["after moving to a central mailbox" if central else "before moving"].append(
                    pair
                )
        days = [_days(g, groups[g]) for g in GROUPS if groups.get(g)]
        late = 0
        for invoice_id, due_date, state in due_rows:
            paid_day = due_paid_on.get(invoice_id)
            if state in OWED or (paid_day is not None and paid_day > due_date):
                late += 1
        campaign = Counter(state for _c, state, _n in requests)
        campaign_figures = {
            "customers_asked": len({c for c, _s, _n in requests}),
            "requests_sent": sum(n for _c, _s, n in requests),
            **{f"requests_{k}": v for k, v in sorted(campaign.items())},
        }
        return BusinessReport(
            start,
            end,
            dict(sorted(by_customer_channel.items())),
            dict(sorted(invoices_by_channel.items())),
            _share(by_customer_channel.get("email", 0), len(customers)),
            _share(len(central_customers), len(with_address)),
            campaign_figures,
            dict(outcomes.most_common()),
            dict(reasons.most_common()),
            days,
            _share(late, len(due_rows)),
            len(due_rows),
        )

    def _due(
        self, dialect: str, today: date, start: date | None, end: date | None
    ) -> tuple[Any, Any]:
        """The day each invoice is due, as a day number (the one it states, else the one
        its seller's terms give), and the condition "due before ``today``, from ``start``
        to ``end``": its stated due date's, or for one stating none its terms' day's."""
        stated = [col(Invoice.due_date) < today]
        if start:
            stated.append(col(Invoice.due_date) >= start)
        if end:
            stated.append(col(Invoice.due_date) <= end)
        days = terms_days(self.settings) if self.settings is not None else None
        if days is None:
            return _day_number(col(Invoice.due_date), dialect), and_(*stated)
        by_terms = _day_number(col(Invoice.issue_date), dialect) + days
        undated = [
            col(Invoice.due_date).is_(None),
            by_terms < _day_number(literal(today, Date), dialect),
        ]
        if start:
            undated.append(by_terms >= _day_number(literal(start, Date), dialect))
        if end:
            undated.append(by_terms <= _day_number(literal(end, Date), dialect))
        due_day = func.coalesce(_day_number(col(Invoice.due_date), dialect), by_terms)
        return due_day, or_(and_(*stated), and_(*undated))


def _day_number(value: Any, dialect: str) -> Any:
    """A date as a whole number of days, worked out by the database (a million dates read
    as ``date`` objects cost seconds; differences of days are all the report needs)."""
    if dialect == "postgresql":
        return value - literal(date(1970, 1, 1))
    return cast(func.julianday(value), Integer)
