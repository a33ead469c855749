"""The state machine of deliveries and invoices, in one place.

A delivery is one message to one recipient. It moves only along :data:`TRANSITIONS`:
each event kind names the states it may start from and the state it leads to (a note,
such as an auto-reply, leaves the state as it is). An invoice shows the most pressing
latest state of its own (non-copy) deliveries, by :data:`INVOICE_STATE_ORDER`; the SQL
form of that rule (``daemon.store.transitions``) is generated from the same table.

To add a state: add it to :class:`DeliveryState`, give it a rank in
:data:`INVOICE_STATE_ORDER`, and name the events that lead into and out of it in
:data:`TRANSITIONS`; ``tests/unit/test_states.py`` walks every pair.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from daemon.domain.errors import PermanentError


class DeliveryState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    ACCEPTED = "accepted"  # the relay answered 2xx after DATA
    DEFERRED = "deferred"  # 4xx or connection failure; retried at next_attempt_at
    FAILED = "failed"  # 5xx from the relay, or refused before sending
    EXPIRED = "expired"  # deferred past the retry window
    DELIVERED = "delivered"  # a success DSN came back
    BOUNCED = "bounced"  # a failure DSN came back
    HELD = "held"  # set aside after repeated unexpected errors: needs a person
    CANCELLED = "cancelled"  # not to be sent: its invoice was withdrawn or held before it went


class InvoiceState(enum.StrEnum):
    """Where an invoice stands, summarised over its deliveries."""

    NEEDS_ADDRESS = "needs_address"
    QUEUED = "queued"
    SENDING = "sending"
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    ATTENTION = "attention"
    DUPLICATE = "duplicate"  # a possible duplicate of an earlier file, held for a person
    AMOUNTS_TO_CHECK = "amounts_to_check"  # its line amounts do not add up: held for a person
    CUSTOMER_TO_CHOOSE = "customer_to_choose"  # its buyer fits several customers: held
    WITHDRAWN = "withdrawn"  # replaced by a later file; nothing more goes out for it
    DISCARDED = "discarded"  # a duplicate a person chose not to send; kept, never sent
    TO_POST = "to_post"  # its customer receives invoices on paper: a person prints and posts it
    POSTED = "posted"  # a person posted it on paper


PERSON_SET = frozenset(
    {
        InvoiceState.TO_POST,
        InvoiceState.POSTED,
        InvoiceState.ATTENTION,
        InvoiceState.DUPLICATE,
        InvoiceState.AMOUNTS_TO_CHECK,
        InvoiceState.CUSTOMER_TO_CHOOSE,
        InvoiceState.WITHDRAWN,
        InvoiceState.DISCARDED,
    }
)
"""Invoice states that only a person's decision changes: what its deliveries do afterwards
(a late bounce of a withdrawn invoice, a paper invoice also sent by email on request) does
not overwrite them."""

SET_ASIDE = frozenset(
    {
        InvoiceState.DUPLICATE,
        InvoiceState.AMOUNTS_TO_CHECK,
        InvoiceState.CUSTOMER_TO_CHOOSE,
        InvoiceState.WITHDRAWN,
        InvoiceState.DISCARDED,
    }
)
"""Invoices that are not sent, reminded or counted as owed."""
SET_ASIDE_VALUES = tuple(s.value for s in SET_ASIDE)
"""The same, as the values stored (for SQL ``IN`` lists)."""


class EventKind(enum.StrEnum):
    """What a delivery event row records."""

    QUEUED = "queued"
    RESEND_REQUESTED = "resend-requested"
    SENDING = "sending"
    RESEND_AFTER_INTERRUPTION = "resend-after-interruption"
    ARCHIVED = "archived"
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUSED = "refused"  # refused before anything was sent (size, header, attachment)
    ERROR = "error"  # an unexpected error; tried again, or held at the poison limit
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    # notes: the delivery stays where it is
    DELAYED = "delayed"
    GAVE_UP = "gave-up"
    AUTOREPLY = "autoreply"
    READ = "read"
    REPLY = "reply"
    COMPLAINT = "complaint"
    PROOF_EXPORTED = "proof-exported"  # who exported the proof, where to and why
    CANCELLED = "cancelled"  # its invoice was withdrawn, or held for a person, before it went


ABOUT_THE_RECORD = frozenset({EventKind.PROOF_EXPORTED})
"""Events about a delivery's record, not about the delivery: they leave its last outcome
(what the attention queue and the lists say of it) and the time it last changed as they
were."""


class InvoiceNote(enum.StrEnum):
    """What an invoice event row records."""

    DUPLICATE_HELD = "duplicate-held"
    AMOUNTS_HELD = "amounts-held"  # its line amounts do not add up
    AMOUNTS_CONFIRMED = "amounts-confirmed"  # a person sent it as it is
    CUSTOMER_HELD = "customer-held"  # its buyer fits several customers that nothing tells apart
    CUSTOMER_CHOSEN = "customer-chosen"  # a person said which customer it is for
    REPLACED = "replaced"  # this file replaced the earlier invoice
    WITHDRAWN = "withdrawn"  # this invoice was replaced by a later file
    KEPT = "kept-both"
    DISCARDED = "discarded"
    CREDIT_NOTE_LINKED = "credit-note-linked"
    PAYMENT_APPLIED = "payment-applied"
    PAYMENT_REVERSED = "payment-reversed"
    DISPUTE_OPENED = "dispute-opened"
    DISPUTE_CLOSED = "dispute-closed"
    DUE_DATE_SET = "due-date-set"  # a person set the day payment is due (`facturier due`)
    POSTED = "posted"  # a person printed it and posted it (its customer is on paper)
    PDF_WRITTEN = "pdf-written"  # a person wrote its PDF out, to print it
    WITHDRAWN_BY_HAND = "withdrawn-by-hand"  # a person withdrew it before it reached anyone
    PROOF_EXPORTED = "proof-exported"  # its proof written out (one never sent: no delivery)


S = DeliveryState
_AFTER_HANDOFF = frozenset({S.ACCEPTED, S.SENDING, S.DEFERRED, S.EXPIRED})
"""States a delivery can be in while a report about a message the relay took comes back
(a re-send may be under way, or a hand-off cut off may in fact have gone through)."""

TRANSITIONS: dict[EventKind, tuple[frozenset[DeliveryState], DeliveryState | None]] = {
    EventKind.QUEUED: (frozenset({S.QUEUED}), S.QUEUED),
    EventKind.RESEND_REQUESTED: (frozenset({S.QUEUED}), S.QUEUED),
    EventKind.SENDING: (frozenset({S.QUEUED, S.DEFERRED}), S.SENDING),
    EventKind.RESEND_AFTER_INTERRUPTION: (frozenset({S.SENDING}), S.SENDING),
    EventKind.ARCHIVED: (frozenset({S.SENDING}), S.SENDING),
    EventKind.ACCEPTED: (frozenset({S.SENDING}), S.ACCEPTED),
    # a new delivery after a soft bounce starts deferred
    EventKind.DEFERRED: (frozenset({S.SENDING, S.DEFERRED}), S.DEFERRED),
    EventKind.EXPIRED: (frozenset({S.SENDING}), S.EXPIRED),
    EventKind.FAILED: (frozenset({S.SENDING}), S.FAILED),
    EventKind.REFUSED: (frozenset({S.SENDING}), S.FAILED),
    EventKind.DELIVERED: (_AFTER_HANDOFF | {S.DELIVERED}, S.DELIVERED),
    EventKind.BOUNCED: (_AFTER_HANDOFF | {S.DELIVERED, S.BOUNCED}, S.BOUNCED),
    # from sending too: the check just before a message is made may hold its invoice
    EventKind.CANCELLED: (frozenset({S.QUEUED, S.DEFERRED, S.SENDING}), S.CANCELLED),
}
"""Event → (the states it may start from, the state it leads to). Events not listed here
and :data:`ERROR_TRANSITIONS` are notes: allowed in every state, changing nothing."""

ERROR_TRANSITIONS = {S.DEFERRED, S.HELD}
"""An unexpected error ends a lease (from ``sending``) as a deferral, or held at the
poison limit (:class:`daemon.domain.retry.RetryPolicy`)."""

NOTES = frozenset(set(EventKind) - set(TRANSITIONS) - {EventKind.ERROR})

# Worst first: the invoice shows the most pressing state of its own (non-copy) deliveries.
INVOICE_STATE_ORDER: tuple[tuple[DeliveryState, InvoiceState], ...] = (
    (S.HELD, InvoiceState.ATTENTION),
    (S.BOUNCED, InvoiceState.BOUNCED),
    (S.FAILED, InvoiceState.FAILED),
    (S.EXPIRED, InvoiceState.FAILED),
    (S.DEFERRED, InvoiceState.DEFERRED),
    (S.SENDING, InvoiceState.SENDING),
    (S.QUEUED, InvoiceState.QUEUED),
    (S.ACCEPTED, InvoiceState.ACCEPTED),
    (S.DELIVERED, InvoiceState.DELIVERED),
    (S.CANCELLED, InvoiceState.WITHDRAWN),
)


class TransitionRefused(PermanentError):
    """An event that the state machine does not allow from the delivery's state."""


def target_state(event: str, state_from: str) -> str:
    """The state ``event`` leads to from ``state_from``, or :class:`TransitionRefused`."""
    kind = _event_kind(event)
    current = _delivery_state(state_from)
    if kind in NOTES:
        return current.value
    if kind is EventKind.ERROR:
        raise TransitionRefused("an unexpected error names its outcome: deferred or held")
    sources, to = TRANSITIONS[kind]
    if current not in sources:
        raise TransitionRefused(f"{kind.value} is not allowed from {current.value}")
    return (to or current).value


def check_transition(event: str, state_from: str, state_to: str) -> None:
    """Refuse a move that :data:`TRANSITIONS` does not allow."""
    kind = _event_kind(event)
    if kind is EventKind.ERROR:
        if _delivery_state(state_from) is not S.SENDING or state_to not in ERROR_TRANSITIONS:
            raise TransitionRefused(
                f"error from {state_from} to {state_to}: only a lease ends in an error"
            )
        return
    allowed = target_state(event, state_from)
    if state_to != allowed:
        raise TransitionRefused(f"{event} leads from {state_from} to {allowed}, not {state_to}")


def _event_kind(event: str) -> EventKind:
    try:
        return EventKind(event)
    except ValueError:
        raise TransitionRefused(f"unknown event kind {event!r}") from None


def _delivery_state(state: str) -> DeliveryState:
    try:
        return DeliveryState(state)
    except ValueError:
        raise TransitionRefused(f"unknown delivery state {state!r}") from None


@dataclass(frozen=True)
class Transition:
    """One delivery moving from ``state_from`` to ``state_to`` (or staying, for a note);
    refused at construction when the state machine does not allow it."""

    delivery_id: int
    state_from: str
    event: str
    state_to: str | None = None
    smtp_code: int | None = None
    status: str | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        check_transition(self.event, self.state_from, self.state_to or self.state_from)


_PERSON_SET = frozenset(s.value for s in PERSON_SET)
_RANK = {delivery.value: n for n, (delivery, _) in enumerate(INVOICE_STATE_ORDER)}


def invoice_state_of(delivery_states: Iterable[str], current: str) -> str:
    """The most pressing of these delivery states as an invoice state (``current`` when
    none is ranked)."""
    ranks = [_RANK[s] for s in delivery_states if s in _RANK]
    return INVOICE_STATE_ORDER[min(ranks)][1].value if ranks else current


def invoice_state(deliveries: Sequence[tuple[str, str]], current: str) -> str:
    """The state an invoice shows, from its own deliveries' ``(recipient, state)`` in the
    order they were made: each recipient's latest attempt counts. Only a person changes a
    state of :data:`PERSON_SET` ("needs attention", a duplicate, withdrawn, discarded)."""
    if current in _PERSON_SET:
        return current
    latest = {recipient: state for recipient, state in deliveries}
    return invoice_state_of(latest.values(), current)
