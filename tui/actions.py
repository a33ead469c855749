"""The one registry of TUI actions and their keys."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from daemon.domain.states import InvoiceState

INVOICE_STATES: tuple[str | None, ...] = (None, *(s.value for s in InvoiceState))

APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit"),
    Binding("r", "refresh", "Refresh"),
    Binding("a", "attention", "Attention"),
    Binding("i", "invoices", "Invoices"),
    Binding("c", "customers", "Customers"),
    Binding("g", "figures", "Figures"),
    Binding("escape", "close_panels", "Close the keys panel", show=False),
]
ATTENTION_BINDINGS: list[BindingType] = [
    Binding("k", "next_kind", "Filter kind"),
    Binding("s", "set_address", "Set address"),
    Binding("R", "resend", "Resend"),
    Binding("u", "deliverable", "Deliverable again"),
    Binding("d", "dismiss_item", "Dealt with"),
    Binding("t", "tie", "Tie to invoice"),
    Binding("enter", "open_invoice", "Open", show=False),
]
INVOICE_LIST_BINDINGS: list[BindingType] = [
    Binding("slash", "search", "Search"),
    Binding("f", "next_filter", "Filter state"),
    Binding("F", "choose_filters", "Filters"),
    Binding("x", "clear_filters", "Clear filters"),
    Binding("enter", "open_invoice", "Open", show=False),
]
DETAIL_BINDINGS: list[BindingType] = [Binding("escape", "app.pop_screen", "Back")]
CUSTOMER_BINDINGS: list[BindingType] = [
    *DETAIL_BINDINGS,
    Binding("s", "set_address", "Set address"),
    Binding("plus", "add_copy", "Add copy address"),
    Binding("minus", "remove_copy", "Remove copy address"),
    Binding("u", "deliverable", "Deliverable again"),
]
INVOICE_BINDINGS: list[BindingType] = [
    *DETAIL_BINDINGS,
    Binding("o", "open_message", "Sent message"),
    Binding("p", "export_proof", "Export proof"),
]
