"""What the service counts for a monitor (Prometheus' text format, prometheus-client), kept in
the process; served only when ``[metrics] port`` is set, on loopback by default.

Counted where it happens: each send's outcome (``outbound.outcomes``), each SMTP transaction's
time (``outbound.handoff``), each bounce by reason (``inbound.bounces``), each compose worker
started again (``outbound.compose_workers``); the queue's depth and the bounce mailbox's lag
are read when scraped.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

SENDS = Counter(
    "facturier_messages_total",
    "Messages handed to the relay, by what became of the attempt",
    ["outcome"],  # accepted, deferred, failed, expired, held
    registry=REGISTRY,
)
BOUNCES = Counter(
    "facturier_bounces_total",
    "Bounces read and applied, by reason (sisimai's names)",
    ["reason"],
    registry=REGISTRY,
)
SEND_SECONDS = Histogram(
    "facturier_send_seconds",
    "One SMTP transaction with the relay, from MAIL FROM to its reply after DATA",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
HANDOFF_DELAY = Histogram(
    "facturier_handoff_delay_seconds",
    "From a delivery falling due to the relay accepting it",
    buckets=(0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600),
    registry=REGISTRY,
)
COMPOSE_RESTARTS = Counter(
    "facturier_compose_worker_restarts_total",
    "Compose worker processes started again after one died",
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "facturier_queue_depth", "Deliveries waiting to be sent (queued or deferred)", registry=REGISTRY
)
LAST_POLL = Gauge(
    "facturier_bounce_poll_last_success_timestamp_seconds",
    "When the bounce mailbox was last read to its end",
    registry=REGISTRY,
)
POLL_LAG = Gauge(
    "facturier_bounce_mailbox_lag_seconds",
    "Seconds since the bounce mailbox was last read to its end",
    registry=REGISTRY,
)
_last_read = [0.0]
POLL_LAG.set_function(lambda: time.time() - _last_read[0] if _last_read[0] else 0.0)


def bounce_mailbox_read() -> None:
    """The bounce mailbox was just read to its end."""
    _last_read[0] = time.time()
    LAST_POLL.set(_last_read[0])
