"""The retry policy, in one place: when a failed attempt is tried again, and when not.

Which failures are transient is decided where they are seen, and lands here:
- the mailer raises ``TransientMailError`` for a 4xx reply, a refused or dropped
  connection, a time-out, and a reply that is not SMTP; where the message's end had
  already been written (a hang or an unreadable reply after DATA), it says so
  (``maybe_delivered``) and the re-send carries the "possible duplicate" mark;
- ``PermanentMailError`` (5xx) and ``MessageRefused`` (size, header, attachment) end the
  delivery as failed, never retried;
- anything else is an unexpected error: tried again after a back-off, and set aside as
  ``held`` (needs a person) once :attr:`RetryPolicy.error_limit` is reached, so a
  delivery that always breaks is never claimed forever.

Deferrals back off exponentially (with jitter, capped) until the delivery is older than the
retry window, then it expires. A soft bounce queues a new delivery after a back-off, up
to :attr:`RetryPolicy.soft_bounce_limit` attempts to the same recipient. The bounce
mailbox is re-connected with its own exponential back-off.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from config import Settings

MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 300.0
    """The first back-off; each further attempt doubles it (``delivery.retry_base_seconds``)."""
    max_age: timedelta = timedelta(hours=72)
    """A deferred delivery older than this expires (``delivery.retry_max_age_hours``)."""
    soft_bounce_limit: int = 3
    """Deliveries to one recipient for one message before a soft bounce is final
    (``delivery.soft_bounce_limit``)."""
    error_limit: int = 3
    """Unexpected errors before a delivery is held for a person (``delivery.error_limit``)."""
    reconnect_attempts: int = 6
    reconnect_max_seconds: float = 300.0
    max_backoff: timedelta = MAX_BACKOFF

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        d, i = settings.delivery, settings.imap
        return cls(
            base_seconds=d.retry_base_seconds,
            max_age=timedelta(hours=d.retry_max_age_hours),
            soft_bounce_limit=d.soft_bounce_limit,
            error_limit=d.error_limit,
            reconnect_attempts=i.reconnect_attempts,
            reconnect_max_seconds=i.reconnect_max_seconds,
        )

    def backoff(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failure (jittered by ±20 %)."""
        delay = timedelta(seconds=self.base_seconds * (2 ** max(0, attempts - 1)))
        return min(delay, self.max_backoff) * random.uniform(0.8, 1.2)

    def after_deferral(
        self, attempts: int, created_at: datetime, now: datetime, *, pause: float = 0.0
    ) -> datetime | None:
        """When a deferred delivery is tried again; None once it is past the retry window
        (it expires). ``pause`` is the relay's own request to wait, in seconds."""
        if now - created_at > self.max_age:
            return None
        return now + max(self.backoff(attempts), timedelta(seconds=pause))

    def after_soft_bounce(self, deliveries_so_far: int, now: datetime) -> datetime | None:
        """When a recipient that soft-bounced is sent a new delivery; None to give up."""
        if deliveries_so_far >= self.soft_bounce_limit:
            return None
        return now + self.backoff(deliveries_so_far)

    def after_error(self, errors: int, now: datetime) -> datetime | None:
        """When a delivery that hit its ``errors``-th unexpected error is tried again; None
        to hold it for a person."""
        if errors >= self.error_limit:
            return None
        return now + self.backoff(errors)

    def reconnect_delays(self) -> Iterator[float]:
        """The waits before each re-connection to the bounce mailbox, in seconds."""
        delay = 1.0
        for _ in range(self.reconnect_attempts):
            yield delay * random.uniform(0.8, 1.2)
            delay = min(delay * 2, self.reconnect_max_seconds)
