"""How states and kinds of queue item read to the operator, in their language (the TUI and
the CLI)."""

from __future__ import annotations

import re
from datetime import date

from babel import Locale

from daemon.domain.attention import LABELS, AttentionKind
from daemon.domain.event_words import shown
from daemon.domain.finding_words import shown_held
from daemon.domain.formatting import day
from daemon.domain.i18n import N_, _, language
from daemon.domain.payment_words import shown_payment
from daemon.domain.states import DeliveryState, EventKind, InvoiceNote, InvoiceState

STATE_LABELS: dict[str, str] = {
    InvoiceState.QUEUED: N_("queued"),
    InvoiceState.SENDING: N_("sending"),
    InvoiceState.ACCEPTED: N_("accepted"),
    InvoiceState.DEFERRED: N_("deferred"),
    InvoiceState.DELIVERED: N_("delivered"),
    InvoiceState.FAILED: N_("failed"),
    InvoiceState.BOUNCED: N_("bounced"),
    InvoiceState.ATTENTION: N_("attention"),
    InvoiceState.NEEDS_ADDRESS: N_("needs address"),
    InvoiceState.DUPLICATE: N_("possible duplicate"),
    InvoiceState.AMOUNTS_TO_CHECK: N_("amounts to check"),
    InvoiceState.CUSTOMER_TO_CHOOSE: N_("customer to choose"),
    InvoiceState.WITHDRAWN: N_("withdrawn"),
    InvoiceState.DISCARDED: N_("discarded"),
    InvoiceState.TO_POST: N_("to post"),
    InvoiceState.POSTED: N_("posted"),
    DeliveryState.CANCELLED: N_("cancelled"),
    DeliveryState.EXPIRED: N_("expired"),
    DeliveryState.HELD: N_("held"),
}


NOTE_LABELS: dict[str, str] = {
    InvoiceNote.DUPLICATE_HELD: N_("held as a possible duplicate"),
    InvoiceNote.AMOUNTS_HELD: N_("held: its amounts do not add up"),
    InvoiceNote.AMOUNTS_CONFIRMED: N_("sent as it is, amounts confirmed"),
    InvoiceNote.CUSTOMER_HELD: N_("held: its buyer fits several customers"),
    InvoiceNote.CUSTOMER_CHOSEN: N_("customer chosen"),
    InvoiceNote.REPLACED: N_("replaced the earlier invoice"),
    InvoiceNote.WITHDRAWN: N_("withdrawn, replaced by a later file"),
    InvoiceNote.KEPT: N_("kept beside the earlier invoice"),
    InvoiceNote.DISCARDED: N_("discarded"),
    InvoiceNote.CREDIT_NOTE_LINKED: N_("credit note linked"),
    InvoiceNote.PAYMENT_APPLIED: N_("payment applied"),
    InvoiceNote.PAYMENT_REVERSED: N_("payment reversed"),
    InvoiceNote.DISPUTE_OPENED: N_("in dispute"),
    InvoiceNote.DISPUTE_CLOSED: N_("dispute closed"),
    InvoiceNote.DUE_DATE_SET: N_("due date set"),
    InvoiceNote.POSTED: N_("posted on paper"),
    InvoiceNote.PDF_WRITTEN: N_("PDF written to print"),
    InvoiceNote.WITHDRAWN_BY_HAND: N_("withdrawn before it went"),
    InvoiceNote.PROOF_EXPORTED: N_("proof exported"),
}


EVENT_LABELS: dict[str, str] = {
    EventKind.QUEUED: N_("queued"),
    EventKind.RESEND_REQUESTED: N_("re-send asked"),
    EventKind.SENDING: N_("sending"),
    EventKind.RESEND_AFTER_INTERRUPTION: N_("sent again after an interruption"),
    EventKind.ARCHIVED: N_("archived"),
    EventKind.ACCEPTED: N_("accepted"),
    EventKind.DEFERRED: N_("deferred"),
    EventKind.EXPIRED: N_("expired"),
    EventKind.FAILED: N_("failed"),
    EventKind.REFUSED: N_("refused before sending"),
    EventKind.ERROR: N_("unexpected error"),
    EventKind.DELIVERED: N_("delivered"),
    EventKind.BOUNCED: N_("bounced"),
    EventKind.DELAYED: N_("delay reported"),
    EventKind.GAVE_UP: N_("given up"),
    EventKind.AUTOREPLY: N_("auto-reply"),
    EventKind.READ: N_("read receipt"),
    EventKind.REPLY: N_("reply"),
    EventKind.COMPLAINT: N_("complaint"),
    EventKind.PROOF_EXPORTED: N_("proof exported"),
    EventKind.CANCELLED: N_("cancelled"),
}

# what the bounce reader made of a message that came in (``bounce_parser.Kind``)
INBOUND_LABELS: dict[str, str] = {
    "bounce": N_("bounce"),
    "autoreply": N_("auto-reply"),
    "feedback": N_("complaint"),
    "delivery_report": N_("delivery report"),
    "read_receipt": N_("read receipt"),
    "human": N_("reply"),
    "unknown": N_("unrecognized message"),
}


def event_label(event: str) -> str:
    """What a delivery event records, as the operator reads it."""
    return _(EVENT_LABELS.get(event, event))


def inbound_label(kind: str) -> str:
    """What a message that came in is, as the operator reads it."""
    return _(INBOUND_LABELS.get(kind, kind))


_CHANNEL = re.compile(r"(email|paper)(?: \(consent (\d{4}-\d{2}-\d{2}): (.*)\))?", re.DOTALL)


def change_value(value: str | None, field: str = "") -> str:
    """An address change's old or new value: a flag as yes or no, a channel in the reader's
    words (with the customer's consent, where recorded), an address as it is."""
    if value in ("true", "false"):
        return _("yes") if value == "true" else _("no")
    channel = _CHANNEL.fullmatch(value or "") if field == "channel" else None
    if channel is not None:
        said = _(channel[1])
        if channel[2]:
            on = day(date.fromisoformat(channel[2]), language())
            said += _(" (consent {day}: {source})").format(day=on, source=channel[3])
        return said
    return value or "-"


def note_label(note: str) -> str:
    """A decision about an invoice as the operator reads it."""
    return _(NOTE_LABELS.get(note, note))


def decision_why(note: str, why: str) -> str:
    """Why a decision about an invoice was noted, in the reader's language where facturier
    wrote it (a payment's match, the line amounts that held it, an event form); a person's
    words as written."""
    if note == InvoiceNote.PAYMENT_APPLIED:
        return shown_payment(why)
    if note == InvoiceNote.AMOUNTS_HELD:
        return shown_held(why)
    return shown(why)


def state_label(state: str) -> str:
    """A state as the operator reads it, in their language."""
    return _(STATE_LABELS.get(state, state.replace("_", " ")))


def kind_label(kind: str) -> str:
    """A kind of item as the operator reads it, in their language."""
    try:
        return _(LABELS[AttentionKind(kind)])
    except ValueError:
        return kind


FIELD_LABELS: dict[str, str] = {
    "invoice_to": N_("invoice address"),
    "central_mailbox": N_("central mailbox"),
    "channel": N_("channel"),
}
"""An address's role, or a field of the address-change log, where its stored value is no
word (the others read as themselves: copy, language, identifier…)."""


CHECK_LABELS: dict[str, str] = {
    "settings": N_("settings"),
    "database": N_("database"),
    "folders": N_("folders"),
    "maildirs": N_("maildirs"),
    "keys": N_("keys"),
    "compliance": N_("compliance"),
    "archive": N_("archive"),
    "relay": N_("relay"),
    "bounce mailbox": N_("bounce mailbox"),
}
"""What `health` and `doctor` check, as the admin reads it (the JSON keeps these names)."""


def check_label(name: str) -> str:
    """A part `health` or `doctor` checks, in the admin's language."""
    return _(CHECK_LABELS.get(name, name))


def field_label(value: str) -> str:
    """An address's role or a logged field as the operator reads it, in their language."""
    return _(FIELD_LABELS.get(value, value))


def language_label(code: str) -> str:
    """A language a customer reads (``fr``, ``en``) named in the operator's: "English",
    "anglais"."""
    return Locale.parse(code).get_display_name(language()) or code


WORDS = (
    # roles, kinds of delivery, logged fields and outcomes: shown as _(value) where they
    # appear (a role or a logged field by ``field_label``), listed here for the catalog
    N_("copy"),
    N_("invoice"),
    N_("reminder"),
    N_("language"),
    N_("identifier"),
    N_("created"),
    N_("updated"),
    N_("unchanged"),
    N_("archived"),
    # channels
    N_("email"),
    N_("paper"),
    # payment states of an invoice, and of a payment
    N_("unpaid"),
    N_("partial"),
    N_("paid"),
    N_("applied"),
    N_("waiting"),
    N_("reversed"),
    # what a statement's import did with an entry (intake.payments.PaymentOutcome.status)
    N_("already imported"),
    N_("skipped"),
)


# the central-address campaign's figures (``daemon.app.report``), by key
CAMPAIGN_LABELS = {
    "customers_asked": N_("customers asked"),
    "requests_sent": N_("requests sent"),
    "requests_asked": N_("waiting for an answer"),
    "requests_proposed": N_("address proposed"),
    "requests_answered": N_("answered without an address"),
    "requests_confirmed": N_("confirmed"),
    "requests_rejected": N_("rejected by a person"),
    "requests_failed": N_("not sent"),
}


def campaign_label(key: str) -> str:
    return _(CAMPAIGN_LABELS.get(key, key.replace("_", " ")))


# one request's state (``campaign list``, a refusal), said of that one request: the figures
# above count many ("confirmées 3"), this says one ("adresse confirmée")
REQUEST_STATE_LABELS = {
    "asked": N_("waiting for an answer"),
    "proposed": N_("address proposed"),
    "answered": N_("answered without an address"),
    "confirmed": N_("address confirmed"),
    "rejected": N_("refused by a person"),
    "failed": N_("request not sent"),
}


def request_state_label(state: str) -> str:
    return _(REQUEST_STATE_LABELS.get(state, state))
