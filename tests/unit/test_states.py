"""The state machine: every pair of event and state, allowed or refused by the one table."""

from __future__ import annotations

import itertools

import pytest

from daemon.domain.states import (
    INVOICE_STATE_ORDER,
    NOTES,
    TRANSITIONS,
    DeliveryState,
    EventKind,
    InvoiceState,
    Transition,
    TransitionRefused,
    check_transition,
    invoice_state,
    invoice_state_of,
)
from daemon.store.transitions import _invoice_state_rule

STATES = list(DeliveryState)


def test_every_event_kind_is_a_move_a_note_or_the_error() -> None:
    assert set(TRANSITIONS) | NOTES | {EventKind.ERROR} == set(EventKind)
    assert not set(TRANSITIONS) & NOTES


@pytest.mark.parametrize("event", list(TRANSITIONS))
def test_a_move_is_allowed_from_its_sources_only_and_only_to_its_target(event: EventKind) -> None:
    sources, target = TRANSITIONS[event]
    for state, to in itertools.product(STATES, STATES):
        allowed = state in sources and to == (target or state)
        if allowed:
            check_transition(event.value, state.value, to.value)
            Transition(1, state.value, event.value, to.value)
        else:
            with pytest.raises(TransitionRefused):
                check_transition(event.value, state.value, to.value)
            with pytest.raises(TransitionRefused):
                Transition(1, state.value, event.value, to.value)


@pytest.mark.parametrize("event", sorted(NOTES))
def test_a_note_never_moves_a_delivery(event: EventKind) -> None:
    for state, to in itertools.product(STATES, STATES):
        if state == to:
            check_transition(event.value, state.value, to.value)
        else:
            with pytest.raises(TransitionRefused):
                check_transition(event.value, state.value, to.value)


def test_an_unexpected_error_ends_a_lease_as_deferred_or_held_only() -> None:
    for state, to in itertools.product(STATES, STATES):
        if state is DeliveryState.SENDING and to in (DeliveryState.DEFERRED, DeliveryState.HELD):
            check_transition("error", state.value, to.value)
        else:
            with pytest.raises(TransitionRefused):
                check_transition("error", state.value, to.value)


def test_unknown_events_and_states_are_refused() -> None:
    with pytest.raises(TransitionRefused, match="unknown event"):
        check_transition("teleported", "queued", "queued")
    with pytest.raises(TransitionRefused, match="unknown delivery state"):
        check_transition("sending", "limbo", "sending")


def test_nothing_leaves_a_terminal_state_but_a_report_or_a_note() -> None:
    """A hard end (failed, held, cancelled) is never sent again: only notes, and for a
    message the relay took, a later report, may follow."""
    for event, (sources, _) in TRANSITIONS.items():
        assert DeliveryState.FAILED not in sources, event
        assert DeliveryState.HELD not in sources, event
        assert DeliveryState.CANCELLED not in sources, event


def test_every_delivery_state_has_a_rank_that_names_an_invoice_state() -> None:
    ranked = [delivery for delivery, _ in INVOICE_STATE_ORDER]
    assert sorted(ranked) == sorted(DeliveryState)
    for delivery, shown in INVOICE_STATE_ORDER:
        assert invoice_state_of([delivery.value], "queued") == shown.value


def test_the_sql_form_ranks_the_same_table() -> None:
    ranks, states = _invoice_state_rule()
    for n, (delivery, shown) in enumerate(INVOICE_STATE_ORDER):
        assert ranks[delivery.value] == n
        assert states[n] == shown.value


@pytest.mark.parametrize(("worse", "better"), itertools.combinations(INVOICE_STATE_ORDER, 2))
def test_the_most_pressing_state_wins(
    worse: tuple[DeliveryState, InvoiceState], better: tuple[DeliveryState, InvoiceState]
) -> None:
    states = [better[0].value, worse[0].value]
    assert invoice_state_of(states, "queued") == worse[1].value


def test_each_recipients_latest_attempt_counts_and_attention_stays() -> None:
    bounced_then_delivered = [("a@x.example", "bounced"), ("a@x.example", "delivered")]
    assert invoice_state(bounced_then_delivered, "bounced") == "delivered"
    two_recipients = [("a@x.example", "delivered"), ("b@x.example", "deferred")]
    assert invoice_state(two_recipients, "delivered") == "deferred"
    assert invoice_state(two_recipients, "attention") == "attention"
    for set_by_a_person in ("duplicate", "withdrawn", "discarded"):
        assert invoice_state(bounced_then_delivered, set_by_a_person) == set_by_a_person
    assert invoice_state([], "needs_address") == "needs_address"
    held = [("a@x.example", "delivered"), ("b@x.example", "held")]
    assert invoice_state(held, "queued") == "attention"


def test_a_payment_refused_on_an_invoice_set_aside_says_why_for_each_such_state() -> None:
    """Each state that sets an invoice aside says why a payment is not recorded on it
    (a state added there without its words would refuse with a KeyError)."""
    from daemon.domain.payment_words import WAITING
    from daemon.domain.states import SET_ASIDE

    assert {s.value for s in SET_ASIDE} <= set(WAITING)
