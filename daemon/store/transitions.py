"""The send path's state transitions as plain SQL statements.

The rules are the state machine's (``daemon.domain.states``): every transition written here
is a :class:`Transition`, checked when it is made, and the invoice-state rule's SQL form
below is generated from its :data:`INVOICE_STATE_ORDER`.

The worker moves thousands of deliveries a minute; loading each one as an ORM object to change
two columns and add an event costs more than sending it. These helpers do the same work as
the ORM's ``record`` and ``refresh_invoice_state`` (``daemon.outbound.planning``) with
one INSERT of the events and one UPDATE per set of changed columns for a whole batch of
transitions (each run for all its rows at once), and one query per batch of invoices.
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Table,
    Update,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.models import Delivery, DeliveryEvent, DeliveryKind, Invoice, utcnow
from daemon.domain.states import INVOICE_STATE_ORDER, PERSON_SET, Transition, invoice_state

# The tables themselves: statements on them skip the ORM's per-object bookkeeping.
DELIVERIES: Table = Delivery.__table__  # type: ignore[attr-defined]
DELIVERY_EVENTS: Table = DeliveryEvent.__table__  # type: ignore[attr-defined]
INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]


_INSERT_EVENT = insert(DELIVERY_EVENTS).inline()  # the new rows' ids are not needed


@functools.cache
def _update_delivery(columns: frozenset[str]) -> Update:
    """UPDATE deliveries SET <columns> WHERE id = :delivery_id, built once per column set."""
    names = sorted(columns - {"delivery_id"})
    return (
        update(DELIVERIES)
        .where(DELIVERIES.c.id == bindparam("delivery_id"))
        .values({name: bindparam(name) for name in names})
    )


Step = tuple[Any, list[dict[str, Any]]]
"""One statement and the rows of parameters it runs for."""


def _event_row(t: Transition, now: datetime) -> dict[str, Any]:
    """The event row of transition ``t``."""
    return {
        "delivery_id": t.delivery_id,
        "at": now,
        "event": t.event,
        "state_from": t.state_from,
        "state_to": t.state_to or t.state_from,
        "smtp_code": t.smtp_code,
        "status": t.status,
        "text": t.text,
        "inbound_message_id": None,
    }


def _delivery_changes(t: Transition, now: datetime, values: Mapping[str, Any]) -> dict[str, Any]:
    """The columns transition ``t`` sets on its delivery (with ``values``), and its id."""
    changes: dict[str, Any] = dict(values, updated_at=now, delivery_id=t.delivery_id)
    if t.state_to is not None:
        changes["state"] = t.state_to
    if t.smtp_code is not None or t.status is not None or t.text is not None:
        changes.update(last_code=t.smtp_code, last_status=t.status, last_text=t.text)
    return changes


def apply_steps(
    transitions: Iterable[Transition],
    *,
    at: datetime | None = None,
    each: Mapping[int, Mapping[str, Any]] | None = None,
    **values: Any,
) -> list[Step]:
    """The statements that write each transition's event row and move its delivery;
    ``values`` are extra columns set on every delivery touched (lease, hand-off time, next
    attempt…), ``each`` columns of one delivery (by id)."""
    now = at or utcnow()
    batch = list(transitions)
    if not batch:
        return []
    events = [_event_row(t, now) for t in batch]
    steps: list[Step] = [(_INSERT_EVENT, events)]
    # one UPDATE per set of columns, run for all its deliveries at once (executemany)
    by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
    for t in batch:
        changes = _delivery_changes(t, now, {**values, **(each or {}).get(t.delivery_id, {})})
        by_columns.setdefault(frozenset(changes), []).append(changes)
    steps += [(_update_delivery(columns), rows) for columns, rows in by_columns.items()]
    return steps


async def apply(
    session: AsyncSession,
    transitions: Iterable[Transition],
    *,
    at: datetime | None = None,
    each: Mapping[int, Mapping[str, Any]] | None = None,
    **values: Any,
) -> None:
    """Write each transition's event row and move its delivery (see :func:`apply_steps`)."""
    for statement, rows in apply_steps(transitions, at=at, each=each, **values):
        await _execute(session, statement, rows)


async def record_events(
    session: AsyncSession, transitions: Iterable[Transition], *, at: datetime | None = None
) -> None:
    """Write only the event rows of ``transitions`` whose deliveries are already in their
    new state (moved by the statement that chose them) and carry no reply text."""
    now = at or utcnow()
    rows = [_event_row(t, now) for t in transitions]
    if rows:
        await _execute(session, _INSERT_EVENT, rows)


async def _execute(session: AsyncSession, statement: Any, rows: list[dict[str, Any]]) -> None:
    """``statement`` for each of ``rows``: one executemany, or one execute for a single row
    (a list of one is still an executemany, which costs more on asyncpg)."""
    params = rows[0] if len(rows) == 1 else rows
    await session.exec(statement, params=params)


_UPDATE_INVOICE_STATE = (
    update(INVOICES)
    .where(INVOICES.c.id == bindparam("invoice_id"))
    .values(state=bindparam("new_state"))
)


def _invoice_states(invoices: Any) -> Any:
    """Each invoice delivery's recipient and state, with its invoice's state, in delivery
    order, for the invoices ``invoices`` picks."""
    return (
        select(Delivery.invoice_id, Delivery.recipient, Delivery.state, Invoice.state)
        .join(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
        .where(invoices, Delivery.kind == DeliveryKind.INVOICE.value)
        .order_by(col(Delivery.id))
    )


_INVOICE_STATES = _invoice_states(
    col(Delivery.invoice_id).in_(bindparam("invoice_ids", expanding=True))
)
_INVOICE_STATES_OF_ONE = _invoice_states(col(Delivery.invoice_id) == bindparam("invoice_id"))


def invoice_state_changes(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """From ``(invoice id, recipient, delivery state, invoice state)`` rows in delivery
    order, the invoices whose shown state changes: the most pressing of each recipient's
    latest delivery state."""
    deliveries: dict[int, list[tuple[str, str]]] = {}
    current: dict[int, str] = {}
    for invoice_id, recipient, delivery_state, invoice_state_now in rows:
        deliveries.setdefault(invoice_id, []).append((recipient, delivery_state))
        current[invoice_id] = invoice_state_now
    changed = []
    for invoice_id, states in deliveries.items():
        new_state = invoice_state(states, current[invoice_id])
        if new_state != current[invoice_id]:
            changed.append({"invoice_id": invoice_id, "new_state": new_state})
    return changed


async def refresh_invoice_states(session: AsyncSession, invoice_ids: Iterable[int]) -> None:
    """Recompute the delivery state shown for each invoice from its own deliveries."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return
    rows = (await session.exec(_INVOICE_STATES, params={"invoice_ids": ids})).all()
    changed = invoice_state_changes(rows)
    if changed:
        await _execute(session, _UPDATE_INVOICE_STATE, changed)


Statements = Generator[Step, list[Any], None]
"""A transaction's statements, in order; each is sent back the rows it returned."""


@dataclass(frozen=True)
class LeaseEnd:
    """How one leased delivery ended: its transition, its invoice, the columns it sets."""

    transition: Transition
    invoice_id: int
    values: Mapping[str, Any]


_RELEASED = {"lease_owner": None, "lease_expires_at": None, "handoff_at": None}
"""The columns of a delivery whose lease ends (its hand-off mark with it)."""


def record_lease_ends(ends: Sequence[LeaseEnd], hand_off: int | None) -> Statements:
    """The send loop's one write a message, as plain statements: how leases ended (each
    lease given up), the invoices' shown states, and the hand-off mark of the next
    delivery."""
    now = utcnow()
    for end in ends:
        # not "yield from": a list's iterator takes no results sent back
        for step in apply_steps([end.transition], at=now, **{**_RELEASED, **end.values}):  # noqa: UP028
            yield step
    for invoice_id in sorted({end.invoice_id for end in ends}):
        rows = yield _INVOICE_STATES_OF_ONE, [{"invoice_id": invoice_id}]
        changed = invoice_state_changes(rows)
        if changed:
            yield _UPDATE_INVOICE_STATE, changed
    if hand_off is not None:
        marked = {"handoff_at": now, "delivery_id": hand_off}
        yield _update_delivery(frozenset(marked)), [marked]


@dataclass(frozen=True)
class OneStatement:
    """A transaction that is a single statement (on PostgreSQL its own transaction: no BEGIN
    and COMMIT round trips around it)."""

    step: Step


_EVENT_COLUMNS = (
    "delivery_id",
    "at",
    "event",
    "state_from",
    "state_to",
    "smtp_code",
    "status",
    "text",
    "inbound_message_id",
)


def _invoice_state_rule() -> tuple[dict[str, int], dict[int, str]]:
    """The rule of :func:`daemon.domain.states.invoice_state_of` as ranks: each delivery
    state's rank, and the invoice state of each rank (the lowest rank present wins)."""
    ranks = {ds.value: n for n, (ds, _) in enumerate(INVOICE_STATE_ORDER)}
    return ranks, {n: invoice.value for n, (_, invoice) in enumerate(INVOICE_STATE_ORDER)}


@functools.cache
def _lease_ends_together(shape: tuple[frozenset[str], ...], hand_off: bool) -> Any:
    """The statement of :func:`lease_ends_statement` for ends that set the columns of
    ``shape`` (one column set an end), with or without a hand-off mark. PostgreSQL only:
    data-modifying WITH queries."""
    ctes: list[Any] = []
    ended = []
    for n, columns in enumerate(shape):
        ctes.append(
            insert(DELIVERY_EVENTS)
            .values({c: bindparam(f"e{n}_{c}") for c in _EVENT_COLUMNS})
            .cte(f"event_{n}")
        )
        moved = (
            update(DELIVERIES)
            .where(DELIVERIES.c.id == bindparam(f"d{n}_delivery_id"))
            .values({c: bindparam(f"d{n}_{c}") for c in sorted(columns - {"delivery_id"})})
            .returning(DELIVERIES.c.id, DELIVERIES.c.invoice_id, DELIVERIES.c.state)
            .cte(f"ended_{n}")
        )
        ended.append(select(moved.c.id, moved.c.invoice_id, moved.c.state))
    if hand_off:
        ctes.append(
            update(DELIVERIES)
            .where(DELIVERIES.c.id == bindparam("handoff_delivery_id"))
            .values(handoff_at=bindparam("handoff_at"), updated_at=bindparam("handoff_at"))
            .cte("handed_off")
        )
    if not ended:
        return select(literal_column("1")).add_cte(*ctes)
    changed = (ended[0] if len(ended) == 1 else union_all(*ended)).cte("changed")
    # each recipient's latest invoice delivery, as it is once the ends are written (every
    # part of the statement sees the rows as they were before it)
    dl = DELIVERIES.alias("dl")
    latest = (
        select(dl.c.invoice_id, func.coalesce(changed.c.state, dl.c.state).label("state"))
        .select_from(dl.outerjoin(changed, changed.c.id == dl.c.id))
        .where(
            dl.c.invoice_id.in_(select(changed.c.invoice_id)),
            dl.c.kind == DeliveryKind.INVOICE.value,
        )
        .ext(distinct_on(dl.c.invoice_id, dl.c.recipient))
        .order_by(dl.c.invoice_id, dl.c.recipient, dl.c.id.desc())
        .cte("latest")
    )
    ranks, states = _invoice_state_rule()
    ranked = (
        select(
            latest.c.invoice_id,
            func.min(case(ranks, value=latest.c.state)).label("rank"),
        )
        .group_by(latest.c.invoice_id)
        .cte("ranked")
    )
    new_state = case(states, value=ranked.c.rank)
    ctes.append(
        update(INVOICES)
        .where(
            INVOICES.c.id == ranked.c.invoice_id,
            ranked.c.rank.is_not(None),
            *(INVOICES.c.state != s.value for s in PERSON_SET),  # only a person changes it
            INVOICES.c.state != new_state,
        )
        .values(state=new_state)
        .cte("invoice_states")
    )
    return select(literal_column("1")).add_cte(*ctes)


def lease_ends_statement(ends: Sequence[LeaseEnd], hand_off: int | None) -> OneStatement:
    """:func:`record_lease_ends` as one statement, for PostgreSQL: one round trip instead
    of one a statement with BEGIN and COMMIT."""
    if not ends and hand_off is None:
        raise ValueError("nothing to write")
    assert len({end.transition.delivery_id for end in ends}) == len(ends), "one end a delivery"
    now = utcnow()
    params: dict[str, Any] = {}
    shape = []
    for n, end in enumerate(ends):
        params.update((f"e{n}_{k}", v) for k, v in _event_row(end.transition, now).items())
        changes = _delivery_changes(end.transition, now, {**_RELEASED, **end.values})
        params.update((f"d{n}_{k}", v) for k, v in changes.items())
        shape.append(frozenset(changes))
    if hand_off is not None:
        params.update(handoff_delivery_id=hand_off, handoff_at=now)
    return OneStatement((_lease_ends_together(tuple(shape), hand_off is not None), [params]))
