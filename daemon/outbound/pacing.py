"""Pacing the relay: connections, messages per minute, recipients per day, and slowing down.

Providers cap what one account may send (Office 365: 30 messages a minute, 10,000 recipients
a day; Gmail similar) and answer ``421 4.7.0 Too many …`` or ``451 4.7.1 … rate limited``
when pushed. The worker asks the :class:`Pacer` before every send: it spaces sends to the
per-minute rate, stops at the daily quota (counted in the database, so across instances),
and after a "too many" reply pauses, then comes back on one connection, doubling the pause
while the relay keeps refusing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from config import SmtpSettings
from daemon.domain.models import Delivery, DeliveryEvent, utcnow
from daemon.domain.states import DeliveryState, EventKind
from daemon.store.db import SessionFactory
from mailer.errors import TransientMailError

log = logging.getLogger(__name__)

MAX_PAUSE_SECONDS = 30 * 60
# Replies that say "you send too much", not "this recipient cannot take it now".
_TOO_MANY = re.compile(
    r"too many|rate.?limit|throttl|slow down|(?:limit|quota) exceeded|exceeded .{0,20}limit|"
    r"sending (limit|quota)|too fast|recipient rate|message rate",
    re.IGNORECASE,
)
# A greylisting server defers one sender/recipient pair until it retries ("450 4.2.0
# Greylisted, please try again later"), and a full mailbox is one recipient's: neither is the
# relay asking every send to slow down.
_ONE_RECIPIENT = re.compile(r"gr[ae]y.?list|mailbox|over ?quota|disk quota", re.IGNORECASE)
# The SMTP outcomes that used up a recipient of the relay's quota.
SMTP_OUTCOMES = tuple(
    e.value for e in (EventKind.ACCEPTED, EventKind.FAILED, EventKind.DEFERRED, EventKind.EXPIRED)
)


def is_too_many(exc: TransientMailError) -> bool:
    """421 always closes the channel; other 4xx count only when the text is about the rate
    of sending, not about one recipient (greylisting, a full mailbox)."""
    if exc.code == 421:
        return True
    if exc.code is None or not 400 <= exc.code < 500:
        return False
    text = str(exc)
    return bool(_TOO_MANY.search(text)) and not _ONE_RECIPIENT.search(text)


class Pacer:
    """Per-instance pacing of one relay plus the cross-instance quota windows."""

    def __init__(
        self,
        limits: SmtpSettings,
        sessions: SessionFactory,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limits = limits
        self.sessions = sessions
        self.clock = clock
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._pause = limits.slow_down_seconds
        self._connections = limits.max_connections
        self._successes = 0
        self._slot_lock = asyncio.Lock()

    @property
    def connections(self) -> int:
        """Connections to use now: all of them, or one while recovering from a slow-down."""
        return self._connections

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self.clock())

    async def allowance(self, wanted: int) -> int:
        """How many deliveries may be claimed now (0 while paused or over a quota)."""
        if self.paused_for() > 0:
            return 0
        per_minute = self.limits.max_messages_per_minute
        per_day = self.limits.max_recipients_per_day
        if not per_minute and not per_day:
            return wanted
        now = utcnow()
        async with self.sessions() as session:
            # leased and not yet sent: claimed by a batch being made or sent (any instance)
            leased = await self._leased(session, now)
            if per_minute:
                recent = await self._outcomes_since(session, now - timedelta(minutes=1))
                wanted = min(wanted, max(0, per_minute - recent - leased))
            if per_day and wanted:
                today = await self._outcomes_since(session, now - timedelta(days=1))
                wanted = min(wanted, max(0, per_day - today - leased))
        return wanted

    @staticmethod
    async def _leased(session, now) -> int:  # type: ignore[no-untyped-def]
        return await _count(
            session,
            Delivery,
            col(Delivery.state) == DeliveryState.SENDING.value,
            col(Delivery.lease_expires_at) > now,
        )

    @staticmethod
    async def _outcomes_since(session, since) -> int:  # type: ignore[no-untyped-def]
        return await _count(
            session,
            DeliveryEvent,
            col(DeliveryEvent.at) >= since,
            col(DeliveryEvent.event).in_(SMTP_OUTCOMES),
            col(DeliveryEvent.smtp_code).is_not(None),
        )

    async def wait_turn(self, max_wait: float) -> bool:
        """Wait for this send's slot at the per-minute rate, after any pause. False, without
        taking a slot, when that would mean waiting longer than ``max_wait`` seconds."""
        async with self._slot_lock:
            now = self.clock()
            start = max(now, self._next_slot, self._paused_until)
            if start - now > max_wait:
                return False
            per_minute = self.limits.max_messages_per_minute
            self._next_slot = start + (60.0 / per_minute if per_minute else 0.0)
        if start > now:
            await asyncio.sleep(start - now)
        return True

    def slow_down(self, exc: TransientMailError) -> float:
        """The relay said "too many": pause, drop to one connection. Returns the pause."""
        pause = self._pause
        self._paused_until = max(self._paused_until, self.clock() + pause)
        self._pause = min(self._pause * 2, MAX_PAUSE_SECONDS)
        self._connections = 1
        self._successes = 0
        log.warning("relay asks to slow down (%s): pausing %.0f s, one connection", exc, pause)
        return pause

    def succeeded(self) -> None:
        """A message went through: after a run of them, forget the slow-down."""
        self._successes += 1
        if self._successes < 20:
            return
        self._successes = 0
        if self._connections < self.limits.max_connections:
            self._connections += 1
        if self._connections >= self.limits.max_connections:
            self._pause = self.limits.slow_down_seconds  # fully recovered


async def _count(session, table, *conditions) -> int:  # type: ignore[no-untyped-def]
    """How many rows of ``table`` meet all ``conditions``."""
    rows = await session.exec(select(func.count()).select_from(table).where(*conditions))
    return int(rows.one())
