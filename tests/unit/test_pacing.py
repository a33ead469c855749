"""The pacer on its own: spacing, slowing down, recovering; which replies mean "too many"."""

from __future__ import annotations

import pytest

from config import SmtpSettings
from daemon.outbound.pacing import Pacer, is_too_many
from mailer.errors import TransientMailError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _pacer(clock: Clock, **limits: object) -> Pacer:
    return Pacer(SmtpSettings(**limits), sessions=None, clock=clock)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        (421, "4.7.0 Service not available, closing channel", True),
        (451, "4.7.1 Too many messages, slow down", True),
        (450, "4.2.1 Rate limit exceeded for this sender", True),
        (452, "4.5.3 Too many recipients", True),
        (451, "4.7.1 Greylisted, please try again later", False),
        (450, "4.2.0 <x@client.example>: Recipient address rejected: Greylisted", False),
        (452, "4.2.2 Mailbox quota exceeded, try again later", False),
        (451, "4.7.0 Sending quota exceeded", True),
        (451, "4.3.2 Please try again later", False),
        (452, "4.2.2 Mailbox full", False),
        (450, "4.1.2 Domain not found", False),
        (None, "connection refused", False),
    ],
)
def test_too_many_replies(code: int | None, text: str, expected: bool) -> None:
    assert is_too_many(TransientMailError(f"RCPT x: {code} {text}", code=code)) is expected


async def test_per_minute_rate_spaces_sends_and_refuses_long_waits() -> None:
    clock = Clock()
    pacer = _pacer(clock, max_messages_per_minute=2)
    assert await pacer.wait_turn(max_wait=100)  # now
    # the next slot is 30 s away: more than the caller can wait, and no slot is taken
    assert not await pacer.wait_turn(max_wait=10)
    clock.now += 30
    assert await pacer.wait_turn(max_wait=10)


def test_slow_down_pauses_doubles_and_recovers() -> None:
    clock = Clock()
    pacer = _pacer(clock, max_connections=4, slow_down_seconds=60)
    exc = TransientMailError("421 too many", code=421)
    assert pacer.slow_down(exc) == 60
    assert pacer.connections == 1 and pacer.paused_for() == 60
    clock.now += 61
    assert pacer.slow_down(exc) == 120  # the relay still refuses: twice as long
    clock.now += 121
    for _ in range(20):
        pacer.succeeded()
    assert pacer.connections == 2  # one connection back after a run of successes
    for _ in range(40):
        pacer.succeeded()
    assert pacer.connections == 4
    assert pacer.slow_down(exc) == 60  # the pause was forgotten with the recovery
