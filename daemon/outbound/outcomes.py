"""How a leased delivery's attempt ends, and the one write that records it.

Every way out of ``sending`` goes through :class:`OutcomeRecorder`: accepted, deferred
(with the retry policy's back-off), expired, failed, refused, released untouched while the
relay asks us to wait, or an unexpected error (tried again, then held at the poison
limit). The write gives up the lease and, in the same transaction, can mark the next
delivery as handed to the relay (``daemon.store.transitions``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from daemon.domain.event_words import event_text
from daemon.domain.metrics import HANDOFF_DELAY, SENDS
from daemon.domain.models import Delivery, DeliveryEvent, Invoice, utcnow
from daemon.domain.retry import RetryPolicy
from daemon.domain.states import DeliveryState, EventKind, Transition
from daemon.outbound.pacing import Pacer, is_too_many
from daemon.outbound.send_context import SendContext
from daemon.outbound.sent_copies import SentCopies
from daemon.store.db import is_postgres
from daemon.store.statements import HeldConnection, run_transaction
from daemon.store.transitions import LeaseEnd, lease_ends_statement, record_lease_ends
from mailer.errors import TransientMailError

log = logging.getLogger(__name__)
# a relay that took the message, or asked for it again later (a 4xx: greylisting, a full
# queue), is the normal course of mail and logged as information, as an MTA logs
# "status=deferred"; a refusal, an expiry or a hold needs a person and is a warning
_ROUTINE = frozenset({DeliveryState.ACCEPTED.value, DeliveryState.DEFERRED.value})


@dataclass(frozen=True)
class SendOutcome:
    """What became of one delivery's attempt, as reported to the caller."""

    delivery_id: int
    state: str
    detail: str


@dataclass(frozen=True)
class SendResult:
    """How a leased delivery ended: what is written of it (``end``), and for an acceptance
    the bytes sent (filed in the "sent invoices" folder once written)."""

    delivery: Delivery
    end: LeaseEnd
    raw: bytes | None = None

    @classmethod
    def of(
        cls,
        delivery: Delivery,
        event: EventKind,
        state: DeliveryState,
        *,
        raw: bytes | None = None,
        code: int | None = None,
        status: str | None = None,
        text: str | None = None,
        **values: Any,
    ) -> SendResult:
        assert delivery.id is not None
        transition = Transition(
            delivery.id,
            DeliveryState.SENDING.value,
            event.value,
            state.value,
            smtp_code=code,
            status=status,
            text=text,
        )
        return cls(delivery, LeaseEnd(transition, delivery.invoice_id, values), raw)

    @property
    def state(self) -> str:
        t = self.end.transition
        return t.state_to or t.state_from

    @property
    def outcome(self) -> SendOutcome:
        t = self.end.transition
        return SendOutcome(t.delivery_id, self.state, t.text or "")


class OutcomeRecorder:
    def __init__(
        self, ctx: SendContext, pacer: Pacer, policy: RetryPolicy, sent_copies: SentCopies
    ):
        self.ctx = ctx
        self.pacer = pacer
        self.policy = policy
        self.sent_copies = sent_copies

    async def write(
        self,
        results: list[SendResult],
        *,
        hand_off: int | None = None,
        held: HeldConnection | None = None,
    ) -> list[SendOutcome]:
        """Write how leases ended, and mark ``hand_off`` as handed to the relay, in one
        transaction (on the ``held`` connection when given)."""
        if not results and hand_off is None:
            return []
        rows = [r.end for r in results]
        # on PostgreSQL one statement (one round trip) instead of seven
        together = is_postgres(self.ctx.engine)
        statements = (
            lease_ends_statement(rows, hand_off) if together else record_lease_ends(rows, hand_off)
        )
        if held is not None:
            await held.run(statements)
        else:
            await run_transaction(self.ctx.engine, statements)
        now = utcnow()
        for r in results:
            SENDS.labels(r.state).inc()
            if r.state == DeliveryState.ACCEPTED.value:
                due = r.delivery.next_attempt_at or r.delivery.created_at
                HANDOFF_DELAY.observe(max((now - due).total_seconds(), 0.0))
        numbers = await self._numbers(results) if log.isEnabledFor(logging.INFO) else {}
        for r in results:
            text = r.end.transition.text
            number = numbers.get(r.delivery.invoice_id, f"#{r.delivery.invoice_id}")
            (log.info if r.state in _ROUTINE else log.warning)(
                "invoice %s, delivery %s to %s: %s %s",
                number,
                r.delivery.id,
                r.delivery.recipient,
                r.state,
                text or "",
                extra={
                    "invoice": number,
                    "delivery_id": r.delivery.id,
                    "recipient": r.delivery.recipient,
                },
            )
        return [r.outcome for r in results]

    async def _numbers(self, results: list[SendResult]) -> dict[int, str]:
        """The invoice numbers of ``results``, for the log (one query a batch)."""
        ids = {r.delivery.invoice_id for r in results}
        async with self.ctx.sessions() as session:
            rows = await session.exec(
                select(Invoice.id, Invoice.number).where(col(Invoice.id).in_(ids))
            )
            return {i: n for i, n in rows.all() if i is not None}

    async def record(self, results: list[SendResult]) -> list[SendOutcome]:
        """:meth:`write`, then file the accepted messages in the "sent invoices" folder."""
        outcomes = await self.write(results)
        await self.sent_copies.file_results(results)
        return outcomes

    async def end(
        self, delivery: Delivery, event: EventKind, state: DeliveryState, **details: Any
    ) -> SendOutcome:
        """Record how the leased delivery ended and give up the lease (``details``: the
        reply's code, status and text, and columns to set, as for :meth:`SendResult.of`)."""
        return (await self.record([SendResult.of(delivery, event, state, **details)]))[0]

    async def finish(
        self, delivery: Delivery, state: DeliveryState, event: EventKind, **details: Any
    ) -> SendOutcome:
        """End the lease for good (failed, refused): no next attempt."""
        return await self.end(delivery, event, state, next_attempt_at=None, **details)

    async def release(self, delivery: Delivery) -> SendOutcome:
        """Give a leased delivery back untouched while the relay asks us to wait."""
        wait = max(self.pacer.paused_for(), 60.0)
        next_attempt = utcnow() + timedelta(seconds=wait)
        text = event_text("relay_paced", at=f"{next_attempt:%Y-%m-%d %H:%M:%S}")
        return await self.end(
            delivery,
            EventKind.DEFERRED,
            DeliveryState.DEFERRED,
            text=text,
            next_attempt_at=next_attempt,
            attempts=max(0, delivery.attempts - 1),  # the lease was not an attempt
        )

    def deferral(self, delivery: Delivery, exc: TransientMailError) -> SendResult:
        """The result of a transient failure: deferred with back-off, or expired once past
        the retry window. A message whose end was written may have been taken: its re-send
        is marked "possible duplicate"."""
        pause = self.pacer.slow_down(exc) if is_too_many(exc) else 0.0
        now = utcnow()
        next_attempt = self.policy.after_deferral(
            delivery.attempts, delivery.created_at, now, pause=pause
        )
        values: dict[str, Any] = {"possible_duplicate": True} if exc.maybe_delivered else {}
        if next_attempt is None:
            state, event = DeliveryState.EXPIRED, EventKind.EXPIRED
            text = event_text("gave_up", attempts=delivery.attempts, said=exc)
        else:
            state, event = DeliveryState.DEFERRED, EventKind.DEFERRED
            text = event_text("deferred", said=exc, at=f"{next_attempt:%Y-%m-%d %H:%M:%S}")
            values["next_attempt_at"] = next_attempt
        return SendResult.of(
            delivery, event, state, code=exc.code, status=exc.status, text=text, **values
        )

    async def defer(self, delivery: Delivery, exc: TransientMailError) -> SendOutcome:
        return (await self.record([self.deferral(delivery, exc)]))[0]

    async def error(
        self, delivery: Delivery, exc: BaseException, *, maybe_delivered: bool = False
    ) -> SendOutcome:
        """An unexpected error ends the lease: tried again after a back-off, or held for a
        person once it has happened :attr:`RetryPolicy.error_limit` times. If the relay may
        have taken the message, the re-send is marked "possible duplicate"."""
        assert delivery.id is not None
        async with self.ctx.sessions() as session:
            before = (
                await session.exec(
                    select(func.count())
                    .select_from(DeliveryEvent)
                    .where(
                        DeliveryEvent.delivery_id == delivery.id,
                        col(DeliveryEvent.event) == EventKind.ERROR.value,
                    )
                )
            ).one()
        errors = before + 1
        reason = _one_line(exc)
        next_attempt = self.policy.after_error(errors, utcnow())
        values: dict[str, Any] = {"possible_duplicate": True} if maybe_delivered else {}
        if next_attempt is None:
            log.error(
                "delivery %s: held after %s unexpected errors: %s", delivery.id, errors, reason
            )
            return await self.end(
                delivery,
                EventKind.ERROR,
                DeliveryState.HELD,
                text=event_text("held_after_errors", errors=errors, reason=reason),
                next_attempt_at=None,
                **values,
            )
        return await self.end(
            delivery,
            EventKind.ERROR,
            DeliveryState.DEFERRED,
            text=event_text(
                "error_retry",
                errors=errors,
                limit=self.policy.error_limit,
                reason=reason,
                at=f"{next_attempt:%Y-%m-%d %H:%M:%S}",
            ),
            next_attempt_at=next_attempt,
            **values,
        )


def _one_line(exc: BaseException) -> str:
    """An error as one line for an event's text: its type and the last line of its message
    (a compose worker's error carries the worker's traceback)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1] if lines else ''}"[:500]
