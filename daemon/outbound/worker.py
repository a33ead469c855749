"""The send worker: claim due deliveries, make and archive their messages, send, record.

A delivery is claimed with a lease (owner and expiry). Its bytes are archived and fsynced
before SMTP DATA, and a re-send (after a crash or a deferral) sends the archived bytes
again, with the same Message-ID. A delivery found in ``sending`` past its lease was cut off
mid-send: it is sent again and marked "possible duplicate" when it had reached the relay.

The stages, each in its own module: claiming (here), making a batch (``batches``), handing
it to the relay (``handoff``), recording each outcome (``outcomes``) and filing sent copies
(``sent_copies``). When to try again is the retry policy's (``daemon.domain.retry``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import col, select

from daemon.domain.event_words import event_text
from daemon.domain.models import Delivery, utcnow
from daemon.domain.retry import RetryPolicy
from daemon.domain.states import DeliveryState, EventKind, Transition
from daemon.domain.verp import verp_address
from daemon.outbound.batches import BatchMaker, ClaimedBatch, ReadyBatch
from daemon.outbound.handoff import Sender
from daemon.outbound.outcomes import OutcomeRecorder, SendOutcome
from daemon.outbound.pacing import Pacer
from daemon.outbound.send_context import SendContext
from daemon.outbound.sent_copies import SentCopies
from daemon.store.db import is_postgres, transaction
from daemon.store.transitions import (
    DELIVERIES,
    apply,
    record_events,
    refresh_invoice_states,
)
from mailer.mailbox import SentFolder

log = logging.getLogger(__name__)


def due() -> Any:
    """Deliveries that may be claimed now: queued or deferred and due, or cut off in
    ``sending`` past their lease."""
    now = utcnow()
    return or_(
        and_(
            col(Delivery.state).in_([DeliveryState.QUEUED.value, DeliveryState.DEFERRED.value]),
            or_(col(Delivery.next_attempt_at).is_(None), col(Delivery.next_attempt_at) <= now),
        ),
        and_(
            col(Delivery.state) == DeliveryState.SENDING.value,
            col(Delivery.lease_expires_at) < now,
        ),
    )


def _claim_transition(row: Any) -> Transition:
    delivery_id, previous, handoff_at, _invoice = row
    if previous != DeliveryState.SENDING.value:
        return Transition(
            delivery_id, previous, EventKind.SENDING.value, DeliveryState.SENDING.value
        )
    return Transition(
        delivery_id,
        previous,
        EventKind.RESEND_AFTER_INTERRUPTION.value,
        DeliveryState.SENDING.value,
        text=event_text(
            "interrupted_after_handoff" if handoff_at is not None else "interrupted_before_handoff"
        ),
    )


class DeliveryWorker:
    def __init__(self, ctx: SendContext, sent_folder: SentFolder | None = None):
        self.ctx = ctx
        self.pacer = Pacer(ctx.settings.smtp, ctx.sessions)
        self.sent_copies = SentCopies(ctx, sent_folder)
        self.recorder = OutcomeRecorder(
            ctx, self.pacer, RetryPolicy.from_settings(ctx.settings), self.sent_copies
        )
        self.batches = BatchMaker(ctx, self.recorder)
        self.sender = Sender(ctx, self.recorder, self.pacer, self.envelope_sender)
        sender = ctx.settings.sender
        self.verp_key = sender.verp_key() if sender.verp else None
        if sender.verp and self.verp_key is None:
            log.warning("VERP is on but no secret is there yet: mail goes out unsigned")

    async def close(self) -> None:
        await self.sender.close()

    def envelope_sender(self, token: str) -> str:
        plain = self.ctx.settings.sender.envelope_sender()
        return verp_address(plain, token, self.verp_key) if self.verp_key else plain

    async def claim(self, limit: int) -> list[int]:
        """Lease up to ``limit`` due deliveries for this instance (safe across instances)."""
        limit = await self.pacer.allowance(limit)
        if limit <= 0:
            return []
        lease = timedelta(seconds=self.ctx.settings.delivery.lease_seconds)
        async with transaction(self.ctx.sessions) as session:
            stmt = (
                select(Delivery.id, Delivery.state, Delivery.handoff_at, Delivery.invoice_id)
                .where(due())
                .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
                .limit(limit)
            )
            if is_postgres(self.ctx.engine):
                stmt = stmt.with_for_update(skip_locked=True)
            candidates = {row[0]: row for row in (await session.exec(stmt)).all()}
            if not candidates:
                return []
            now = utcnow()
            interrupted = col(Delivery.state) == DeliveryState.SENDING.value
            # only a send that reached the relay can have been delivered already
            reached_relay = and_(interrupted, col(Delivery.handoff_at).is_not(None))
            leased = (
                await session.exec(  # type: ignore[call-overload]
                    update(DELIVERIES)
                    .where(col(Delivery.id).in_(list(candidates)), due())
                    .values(
                        state=DeliveryState.SENDING.value,
                        lease_owner=self.ctx.instance,
                        lease_expires_at=now + lease,
                        attempts=Delivery.attempts + 1,
                        possible_duplicate=or_(col(Delivery.possible_duplicate), reached_relay),
                        handoff_at=None,
                        updated_at=now,
                    )
                    .returning(col(Delivery.id))
                )
            ).all()
            claimed = sorted(row[0] for row in leased)
            transitions = [_claim_transition(candidates[i]) for i in claimed]
            # the UPDATE above moved them; a resend after an interruption also notes why
            await record_events(session, [t for t in transitions if t.text is None], at=now)
            await apply(session, [t for t in transitions if t.text is not None], at=now)
            await refresh_invoice_states(session, (candidates[i][3] for i in claimed))
        return claimed

    async def run_once(
        self,
        batch: int | None = None,
        *,
        stop: Callable[[], bool] | None = None,
        on_outcome: Callable[[SendOutcome], None] | None = None,
    ) -> list[SendOutcome]:
        """Send everything due now, a batch at a time; returns what happened to each.

        While one batch is being sent, the next is claimed and its messages are made (in the
        maker's processes), so composing and sending overlap; a batch is claimed and handed
        to the maker before the one before it is made, so the maker always has one waiting.
        On SQLite, which has one writer, database writes stay one at a time: a batch is
        claimed, then the one before it is linked into the archive chain, then that one is
        sent. On PostgreSQL the claiming and the linking run beside the sending too, so the
        relay never waits for them.
        ``stop`` ends the claiming; what was claimed is sent. ``on_outcome`` hears of each
        outcome as its batch is done (a progress bar).
        """
        batch = batch or self.ctx.settings.delivery.claim_batch
        outcomes: list[SendOutcome] = []
        beside = is_postgres(self.ctx.engine)

        async def claim_next() -> ClaimedBatch | None:
            if stop is not None and stop():
                return None
            ids = await self.claim(batch)
            return await self.batches.start(ids) if ids else None

        async def ready(
            claimed: ClaimedBatch | None,
        ) -> tuple[ReadyBatch | None, ClaimedBatch | None]:
            """``claimed`` made and linked into the chain, and the batch claimed after it:
            the next one goes to the maker before this one is done, so the maker (the
            slower half) never waits for a claim."""
            following = await claim_next() if claimed is not None else None
            try:
                return (await self.batches.finish(claimed) if claimed else None), following
            except BaseException:
                await _settle(following)  # its leases end and it is claimed again
                raise

        current, following = await ready(await claim_next())
        while current is not None:
            # on PostgreSQL the next batch is readied while this one is sent
            ahead = asyncio.ensure_future(ready(following)) if beside else None
            try:
                done = await self.sender.send(current)
                outcomes += done
                if on_outcome is not None:
                    for outcome in done:
                        on_outcome(outcome)
            except BaseException:
                if ahead is None:
                    await _settle(following)
                else:
                    [settled] = await asyncio.gather(ahead, return_exceptions=True)
                    if isinstance(settled, tuple):
                        await _settle(settled[1])
                raise
            current, following = await (ahead if ahead is not None else ready(following))
        return outcomes

    async def file_pending_sent_copies(self, limit: int = 100) -> int:
        return await self.sent_copies.file_pending(limit)


async def _settle(claimed: ClaimedBatch | None) -> None:
    """Let a claimed batch that will not be sent finish being made (its leases end and it
    is claimed again)."""
    if claimed is not None:
        await asyncio.gather(claimed.composed, return_exceptions=True)
