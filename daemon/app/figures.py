"""Delivery figures: what became of the messages, day by day, and why bounces bounced."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import func
from sqlmodel import col, select

from daemon.domain.models import DeliveryEvent, InboundMessage, utcnow
from daemon.domain.states import EventKind
from daemon.store.db import SessionFactory

OUTCOMES = (
    EventKind.ACCEPTED,
    EventKind.DELIVERED,
    EventKind.DEFERRED,
    EventKind.BOUNCED,
    EventKind.FAILED,
    EventKind.EXPIRED,
)


@dataclass(frozen=True)
class DeliveryFigures:
    days: list[date]
    """The days counted, oldest first."""
    outcomes: dict[str, list[int]]
    """Per outcome, the count of each day (in the order of ``days``)."""
    reasons: dict[str, int] = field(default_factory=dict)
    """Bounce reasons over the whole period, most frequent first."""

    @property
    def totals(self) -> dict[str, int]:
        return {outcome: sum(counts) for outcome, counts in self.outcomes.items()}


class Figures:
    def __init__(self, sessions: SessionFactory, zone: tzinfo = UTC):
        self.sessions = sessions
        self.zone = zone
        """The business's time zone: its days are the ones counted."""

    async def deliveries(self, days: int = 30) -> DeliveryFigures:
        """The last ``days`` days (today included), days of the business's time zone: each
        outcome's events a day, and the reasons the bounces read in that time gave."""
        today = utcnow().astimezone(self.zone).date()
        span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
        since = datetime.combine(span[0], time(0), tzinfo=self.zone).astimezone(UTC)
        async with self.sessions() as session:
            rows = (
                await session.exec(
                    select(DeliveryEvent.event, DeliveryEvent.at).where(
                        col(DeliveryEvent.at) >= since,
                        col(DeliveryEvent.event).in_([o.value for o in OUTCOMES]),
                    )
                )
            ).all()
            bounces = (
                await session.exec(
                    select(InboundMessage.classification).where(
                        col(InboundMessage.received_at) >= since,
                        func.lower(InboundMessage.kind) == "bounce",
                    )
                )
            ).all()
        index = {d: n for n, d in enumerate(span)}
        outcomes = {o.value: [0] * len(span) for o in OUTCOMES}
        for event, at in rows:
            n = index.get(at.astimezone(self.zone).date())
            if n is not None:
                outcomes[event][n] += 1
        reasons = bounce_reasons(bounces)
        return DeliveryFigures(span, outcomes, dict(reasons.most_common()))


def bounce_reasons(classifications: Iterable[str]) -> Counter[str]:
    """How many failed recipients gave each reason, over stored bounce classifications."""
    reasons: Counter[str] = Counter()
    for data in classifications:
        for recipient in json.loads(data).get("recipients", []):
            reasons[recipient.get("reason") or "undefined"] += 1
    return reasons
