"""Handing a ready batch to the relay, one message per connection ("lane") at a time.

Each message's hand-off mark is written, committed, while its envelope goes out; the relay
client ends the message only once the mark is committed (if the write fails, the message
is never ended and the relay discards it). A lane's acceptances are written in the
transaction that marks its next hand-off: one write a message, and at any moment at most
one message per lane handed to the relay whose outcome is not recorded (all a crash can
mark "possible duplicate").
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from typing import Any

from daemon.domain.event_words import event_text
from daemon.domain.metrics import SEND_SECONDS
from daemon.domain.states import DeliveryState, EventKind
from daemon.outbound.batches import Outgoing, ReadyBatch
from daemon.outbound.outcomes import OutcomeRecorder, SendOutcome, SendResult
from daemon.outbound.pacing import Pacer
from daemon.outbound.send_context import SendContext
from daemon.store.statements import HeldConnection
from mailer.addresses import normalize_address
from mailer.errors import PermanentMailError, TransientMailError
from mailer.smtp.relay import SmtpRelay

log = logging.getLogger(__name__)

HELD_LANES = 4  # lanes that may each keep a database connection for their hand-off marks


class Sender:
    def __init__(
        self,
        ctx: SendContext,
        recorder: OutcomeRecorder,
        pacer: Pacer,
        envelope_sender: Callable[[str], str],
    ):
        self.ctx = ctx
        self.recorder = recorder
        self.pacer = pacer
        self.envelope_sender = envelope_sender
        self.relays: list[SmtpRelay] = []  # one connection per message in flight

    async def close(self) -> None:
        for relay in self.relays:
            await relay.close()

    async def send(self, batch: ReadyBatch) -> list[SendOutcome]:
        """Send a batch's archived messages, up to the relay's connection limit at once.
        The messages are taken out of the batch (left empty), so each one's bytes are freed
        once it is sent, not when the whole batch is."""
        outcomes = {o.delivery_id: o for o in batch.done}
        pending = collections.deque(batch.outgoing)
        batch.outgoing.clear()
        width = max(1, min(self.pacer.connections, len(pending)))
        # a lane keeps one database connection for its marks (one a message) while the batch
        # lasts; more than a few lanes would tie up the pool that claims and chains need
        hold = width <= HELD_LANES
        while len(self.relays) < width:
            self.relays.append(self.ctx.relay())
        await asyncio.gather(
            *(self._lane(relay, pending, outcomes, hold) for relay in self.relays[:width])
        )
        return [outcomes[i] for i in batch.ids if i in outcomes]

    async def _lane(
        self,
        relay: SmtpRelay,
        pending: collections.deque[Outgoing],
        outcomes: dict[int, SendOutcome],
        hold: bool,
    ) -> None:
        max_wait = self.ctx.settings.delivery.lease_seconds / 3
        accepted: list[SendResult] = []
        held = HeldConnection(self.ctx.engine) if hold else None
        try:
            while pending:
                item = pending.popleft()
                delivery = item.delivery
                assert delivery.id is not None
                try:
                    if not await self.pacer.wait_turn(max_wait):
                        outcomes[delivery.id] = await self.recorder.release(delivery)
                        continue
                except Exception:  # its lease runs out, then it is claimed again
                    log.exception("delivery %s: not released", delivery.id)
                    continue
                # the last acceptances and this hand-off are written while the envelope
                # goes out; the relay waits for the write before the message's end
                marking = asyncio.ensure_future(
                    self.recorder.write(accepted, hand_off=delivery.id, held=held)
                )
                result: SendOutcome | SendResult | None = None
                written: list[SendResult] = []
                failure: BaseException | None = None
                try:
                    result = await self.hand_off(item, relay, marking)
                except Exception as exc:  # one delivery's trouble never stops the others
                    log.exception("delivery %s: unexpected error while sending", delivery.id)
                    failure = exc
                finally:
                    await asyncio.wait([marking])
                    marked = not marking.cancelled() and marking.exception() is None
                    if marked:
                        for outcome in marking.result():
                            outcomes[outcome.delivery_id] = outcome
                        written, accepted = accepted, []
                if failure is not None:
                    # the mark was committed: the message may have been ended and taken
                    result = await self._error(delivery, failure, maybe_delivered=marked)
                if isinstance(result, SendResult):
                    accepted.append(result)
                elif result is not None:
                    outcomes[result.delivery_id] = result
                try:
                    await self.recorder.sent_copies.file_results(written)
                except Exception:
                    log.exception("sent folder: filing %s failed", [w.delivery.id for w in written])
        finally:
            if held is not None:
                await held.release()
        try:
            for outcome in await self.recorder.record(accepted):
                outcomes[outcome.delivery_id] = outcome
        except Exception:
            log.exception(
                "deliveries %s: acceptances not recorded; sent again when their leases end",
                [a.delivery.id for a in accepted],
            )

    async def _error(
        self, delivery: Any, exc: BaseException, *, maybe_delivered: bool
    ) -> SendOutcome | None:
        try:
            return await self.recorder.error(delivery, exc, maybe_delivered=maybe_delivered)
        except Exception:  # not even that could be written: its lease runs out
            log.exception("delivery %s: the error could not be recorded", delivery.id)
            return None

    async def hand_off(
        self, item: Outgoing, relay: SmtpRelay, marking: asyncio.Future[Any]
    ) -> SendOutcome | SendResult:
        """Send one archived message while ``marking`` writes its hand-off mark, which the
        relay waits for before the line that ends the message; an acceptance comes back
        unwritten, for the lane to write with its next hand-off."""
        delivery, raw = item.delivery, item.raw
        started = time.monotonic()
        try:
            reply = await relay.send(
                self.envelope_sender(delivery.token),
                normalize_address(delivery.recipient, "recipient"),  # as composed: ASCII
                raw,
                envid=delivery.token,
                shape=item.shape,
                before_end=marking,
            )
        except (TransientMailError, PermanentMailError) as exc:
            # refused before the message ended: the mark is written (or failed) first, so
            # that this outcome is the delivery's last write
            await asyncio.wait([marking])
            marking.result()  # a failed mark: nothing was sent
            if isinstance(exc, TransientMailError):
                return await self.recorder.defer(delivery, exc)
            return await self.recorder.finish(
                delivery,
                DeliveryState.FAILED,
                EventKind.FAILED,
                code=exc.code,
                status=exc.status,
                text=str(exc),
            )
        SEND_SECONDS.observe(time.monotonic() - started)
        self.pacer.succeeded()
        text = (
            event_text("accepted", said=reply.text, queue=reply.queue_id)
            if reply.queue_id
            else reply.text
        )
        return SendResult.of(
            delivery,
            EventKind.ACCEPTED,
            DeliveryState.ACCEPTED,
            raw=raw,
            code=reply.code,
            status=reply.status,
            text=text,
            next_attempt_at=None,
        )
