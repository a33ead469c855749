"""The one registry of TUI actions and their keys."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import ActiveBinding, Binding, BindingType
from textual.dom import DOMNode

from daemon.domain.i18n import N_, _
from daemon.domain.states import InvoiceState

INVOICE_STATES: tuple[str | None, ...] = (None, *(s.value for s in InvoiceState))

APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", N_("Quit")),
    Binding("r", "refresh", N_("Refresh")),
    Binding("a", "attention", N_("Attention")),
    Binding("i", "invoices", N_("Invoices")),
    Binding("c", "customers", N_("Customers")),
    Binding("g", "figures", N_("Figures")),
    Binding("escape", "close_panels", N_("Close the keys panel"), show=False),
]
ATTENTION_BINDINGS: list[BindingType] = [
    Binding("k", "next_kind", N_("Filter kind")),
    Binding("s", "set_address", N_("Set address")),
    Binding("R", "resend", N_("Resend")),
    Binding("u", "deliverable", N_("Deliverable again")),
    Binding("d", "dismiss_item", N_("Dealt with")),
    Binding("t", "tie", N_("Tie to invoice")),
    Binding("v", "open_original", N_("Original message")),
    Binding("A", "assign_payment", N_("Assign payment")),
    Binding("enter", "open_invoice", N_("Open"), show=False),
]
INVOICE_LIST_BINDINGS: list[BindingType] = [
    Binding("slash", "search", N_("Search")),
    Binding("f", "next_filter", N_("Filter state")),
    Binding("F", "choose_filters", N_("Filters")),
    Binding("x", "clear_filters", N_("Clear filters")),
    Binding("enter", "open_invoice", N_("Open"), show=False),
]
DETAIL_BINDINGS: list[BindingType] = [Binding("escape", "app.pop_screen", N_("Back"))]
CUSTOMER_BINDINGS: list[BindingType] = [
    *DETAIL_BINDINGS,
    Binding("s", "set_address", N_("Set address")),
    Binding("plus", "add_copy", N_("Add copy address")),
    Binding("minus", "remove_copy", N_("Remove copy address")),
    Binding("u", "deliverable", N_("Deliverable again")),
]
DUPLICATE_BINDINGS: list[BindingType] = [
    *DETAIL_BINDINGS,
    Binding("R", "replace", N_("Replace the earlier one")),
    Binding("K", "keep_both", N_("Keep both")),
    Binding("D", "discard", N_("Discard the held file")),
]
INVOICE_BINDINGS: list[BindingType] = [
    *DETAIL_BINDINGS,
    Binding("o", "open_message", N_("Sent message")),
    Binding("p", "export_proof", N_("Export proof")),
    Binding("w", "write_pdf", N_("Write its PDF")),
    Binding("b", "open_original", N_("Messages that came back")),
    Binding("P", "record_payment", N_("Record a payment")),
    Binding("X", "reverse_payment", N_("Reverse a payment")),
    Binding("D", "dispute", N_("Dispute")),
    Binding("E", "set_due_date", N_("Due date")),
    Binding("S", "send_as_is", N_("Amounts right: send")),
    Binding("W", "discard_held", N_("Discard for a corrected one")),
    Binding("C", "choose_customer", N_("Choose its customer")),
]


def speak_bindings(node: DOMNode) -> None:
    """``node``'s keys described in the operator's language (the registry holds the English
    to translate; each node holds its own copy of the bindings)."""
    bindings = node._bindings.key_to_bindings
    for key, found in bindings.items():
        bindings[key] = [
            replace(b, description=_(b.description)) if b.description else b for b in found
        ]


def spoken(bindings: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """A screen's active keys, Textual's own (its widgets', ``tui.textual_words``) described
    in the operator's language too: what the footer and the keys panel show."""
    return {
        key: active._replace(binding=replace(active.binding, description=_(described)))
        if (described := active.binding.description)
        else active
        for key, active in bindings.items()
    }
