"""The questions an action asks before it is done: what (an address), and always why.
Enter confirms, Escape cancels; nothing is done without a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select

from daemon.app.invoice_list import InvoiceFilter
from daemon.domain.i18n import N_, _
from daemon.domain.labels import STATE_LABELS
from tui.actions import INVOICE_STATES, speak_bindings, spoken
from tui.markup import escape

T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    value: str
    reason: str


class Dialog(ModalScreen[T]):
    """A question on top of a screen (styled in facturier.tcss): Escape answers None."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self) -> None:
        super().__init__()
        speak_bindings(self)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return spoken(super().active_bindings)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ActionDialog(Dialog[Answer | None]):
    """Asks for a reason (and, with ``asks``, one value first); answers None when cancelled."""

    def __init__(self, title: str, *, asks: str | None = None, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.asks = asks
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.title_text)}[/b]")
            if self.asks:
                yield Label(escape(self.asks))
                yield Input(value=self.value, id="value")
            yield Label(_("Why (recorded with your name):"))
            yield Input(id="reason", placeholder=_("the reason"))
            yield Label("", id="problem")
            yield Label(_("Enter: confirm   Escape: cancel"))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        value = self.query_one("#value", Input).value.strip() if self.asks else ""
        reason = self.query_one("#reason", Input).value.strip()
        if self.asks and not value:
            # what is asked is the last line (the lines before it say what to choose from)
            self._problem(_("{what} is required").format(what=self.asks.splitlines()[-1]))
            self.query_one("#value", Input).focus()
        elif not reason:
            self._problem(_("say why: the reason is recorded"))
            self.query_one("#reason", Input).focus()
        else:
            self.dismiss(Answer(value, reason))

    def _problem(self, text: str) -> None:
        self.query_one("#problem", Label).update(escape(text))


@dataclass(frozen=True)
class FilterAnswer:
    state: str | None
    customer: str
    issued_from: date | None
    issued_to: date | None
    overdue_on: date | None


def _day(text: str, what: str) -> date | None:
    """``text`` as a day: 2026-03-31 or 31/03/2026; empty is none. Refused naming ``what``."""
    text = text.strip()
    if not text:
        return None
    try:
        if "/" in text:
            d, m, y = text.split("/")
            return date(int(y), int(m), int(d))
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("{what}: {text!r} is not a day (2026-03-31 or 31/03/2026)").format(
                what=what, text=text
            )
        ) from None


class FilterDialog(Dialog[FilterAnswer | None]):
    """The invoice list's filters, all at once; they combine. Enter applies, Escape cancels."""

    def __init__(self, current: InvoiceFilter, today: date) -> None:
        super().__init__()
        self.current = current
        self.today = today
        """Today in the business's time zone: "overdue" means due before it."""

    def compose(self) -> ComposeResult:
        c = self.current
        with Vertical():
            yield Label(_("[b]Filter the invoices[/b] (empty: any)"))
            yield Label(_("State:"))
            yield Select(
                [(_(STATE_LABELS.get(s, s)), s) for s in INVOICE_STATES if s],
                value=c.state if c.state else Select.NULL,
                prompt=_("any state"),
                id="state",
            )
            yield Label(_("Customer (name, VAT id, identifier or #N):"))
            yield Input(value=f"#{c.customer_id}" if c.customer_id else "", id="customer")
            yield Label(_("Issued from / to (2026-03-31 or 31/03/2026):"))
            yield Input(value=str(c.issued_from or ""), id="issued_from")
            yield Input(value=str(c.issued_to or ""), id="issued_to")
            yield Checkbox(
                _("Overdue only (unpaid, due before today)"), bool(c.overdue_on), id="overdue"
            )
            yield Label("", id="problem")
            yield Label(_("Enter: apply   Escape: cancel"))

    @on(Input.Submitted)
    def submitted(self, _event: Input.Submitted) -> None:
        state = self.query_one("#state", Select).value
        try:
            issued_from = _day(self.query_one("#issued_from", Input).value, _("issued from"))
            issued_to = _day(self.query_one("#issued_to", Input).value, _("issued to"))
        except ValueError as exc:
            self.query_one("#problem", Label).update(escape(str(exc)))
            return
        if issued_from and issued_to and issued_from > issued_to:
            self.query_one("#problem", Label).update(_("issued from is after issued to"))
            return
        overdue = self.query_one("#overdue", Checkbox).value
        self.dismiss(
            FilterAnswer(
                state if isinstance(state, str) else None,
                self.query_one("#customer", Input).value.strip(),
                issued_from,
                issued_to,
                self.today if overdue else None,
            )
        )
