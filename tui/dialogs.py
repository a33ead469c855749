"""The questions an action asks before it is done: what (an address), and always why.
Enter confirms, Escape cancels; nothing is done without a reason."""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


@dataclass(frozen=True)
class Answer:
    value: str
    reason: str


class ActionDialog(ModalScreen[Answer | None]):
    """Asks for a reason (and, with ``asks``, one value first); answers None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ActionDialog { align: center middle; }
    ActionDialog > Vertical {
        width: 80; height: auto; padding: 1 2; border: thick $accent; background: $surface;
    }
    ActionDialog #problem { color: $error; }
    """

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
            yield Label("Why (recorded with your name):")
            yield Input(id="reason", placeholder="the reason")
            yield Label("", id="problem")
            yield Label("Enter: confirm   Escape: cancel")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        value = self.query_one("#value", Input).value.strip() if self.asks else ""
        reason = self.query_one("#reason", Input).value.strip()
        if self.asks and not value:
            self._problem(f"{self.asks} is required")
            self.query_one("#value", Input).focus()
        elif not reason:
            self._problem("say why: the reason is recorded")
            self.query_one("#reason", Input).focus()
        else:
            self.dismiss(Answer(value, reason))

    def _problem(self, text: str) -> None:
        self.query_one("#problem", Label).update(escape(text))

    def action_cancel(self) -> None:
        self.dismiss(None)
