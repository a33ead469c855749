"""The home screen: the attention queue, everything that needs a person, newest first."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Static

from daemon.app.attention import AttentionItem
from daemon.app.services import Facturier
from daemon.domain.attention import AttentionKind
from daemon.domain.formatting import moment
from daemon.domain.i18n import _
from daemon.domain.labels import kind_label
from tui.actions import ATTENTION_BINDINGS
from tui.attention_actions import AttentionActions
from tui.duplicate import DuplicateScreen
from tui.markup import escape
from tui.messages import ActionFailed, Loaded
from tui.paged import PagedTable
from tui.screens import InvoiceScreen

KINDS: tuple[AttentionKind | None, ...] = (None, *AttentionKind)


class QueueChanged(Message):
    """Something the queue is made of changed since it was read."""


WINDOW = 200


class AttentionScreen(AttentionActions):
    BINDINGS = ATTENTION_BINDINGS

    def __init__(self, services: Facturier) -> None:
        super().__init__(services)
        self.kind_index = 0
        self.items: list[AttentionItem] = []
        self.start = 0
        """Where the table's window starts in ``items``."""
        self.complete = True
        """``items`` holds the whole queue (else its newest part, up to the window)."""
        self.to_oldest = False
        self.cursor_to: int | None = None
        self.seen: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Static("", id="kind")
            yield PagedTable(id="queue", cursor_type="row", zebra_stripes=True)
            yield Static("", id="hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#queue", PagedTable)
        table.add_columns(
            _("When ({zone})").format(zone=self.services.zone),
            _("What"),
            _("Invoice"),
            _("Customer"),
            _("Why"),
        )
        self._show_kind()
        self.reload()

    @property
    def kind(self) -> AttentionKind | None:
        return KINDS[self.kind_index]

    def _show_kind(self) -> None:
        label = kind_label(self.kind.value) if self.kind else _("all")
        where = ""
        end = min(self.start + WINDOW, len(self.items))
        if not self.complete:
            where = " — " + _("{first}–{last} of more").format(first=self.start + 1, last=end)
        elif len(self.items) > WINDOW:
            where = " — " + _("{first}–{last} of {count}").format(
                first=self.start + 1, last=end, count=len(self.items)
            )
        self.query_one("#kind", Static).update(
            _("Needs a person — [b]{kind}[/b]{where}  (k: kind, enter: open the invoice)").format(
                kind=escape(label), where=where
            )
        )

    async def fetch(self) -> tuple[tuple[object, ...], list[AttentionItem], bool, int | None]:
        """The queue's newest items, up to the end of the window asked for and one more (to
        know whether more follow); all of them to show the oldest."""
        wanted = None if self.to_oldest else self.start + WINDOW + 1
        seen = await self.services.attention.fingerprint()
        found = await self.services.attention.items(self.kind, newest=wanted)
        return seen, found, wanted is None or len(found) < wanted, self.cursor_to

    def live_refresh(self) -> None:
        self.look_for_changes()

    @work(exclusive=True, group="live")
    async def look_for_changes(self) -> None:
        """The queue is asked again only when something it is made of changed (a look of a
        few index lookups; the queue itself takes a second at a million invoices)."""
        try:
            changed = await self.services.attention.fingerprint() != self.seen
        except Exception as exc:  # one line for the operator, never raised
            self.post_message(ActionFailed(str(exc)))
            return
        if changed:
            self.post_message(QueueChanged())

    @on(QueueChanged)
    def queue_changed(self, _message: QueueChanged) -> None:
        self.reload()

    @on(Loaded)
    def show_items(self, message: Loaded) -> None:
        self.seen, self.items, self.complete, row = message.data
        last = max(0, len(self.items) - 1) // WINDOW * WINDOW
        self.start = last if self.to_oldest else min(self.start, last)
        self.to_oldest, self.cursor_to = False, None
        if row is None:
            row = self.query_one("#queue", PagedTable).cursor_row
        with self.app.batch_update():  # one repaint for the whole window
            self._show_window(row)

    def _show_window(self, row: int) -> None:
        """The table holds one window of the queue, never all of it (20,000 rows in a table
        take seconds to add)."""
        table = self.query_one("#queue", PagedTable)
        shown = self.items[self.start : self.start + WINDOW]
        table.clear()
        table.more_newer = self.start > 0
        table.more_older = self.start + WINDOW < len(self.items)
        for i in shown:
            table.add_row(
                moment(i.at, self.services.zone),
                kind_label(i.kind),
                Text(i.invoice_number or "-"),
                Text(i.customer or "-"),
                Text(i.why),
                key=f"{i.kind}:{i.ref}",
            )
        if shown:
            table.move_cursor(row=max(0, min(row, len(shown) - 1)))
        self._show_kind()
        self._show_hint()

    @on(PagedTable.Edge, "#queue")
    def edge(self, message: PagedTable.Edge) -> None:
        if message.direction == "older":
            self.start += WINDOW
            if len(self.items) <= self.start + WINDOW and not self.complete:
                self.cursor_to = 0
                self.reload()  # the next window is asked for
                return
            row = 0
        elif message.direction == "newer":
            self.start, row = max(0, self.start - WINDOW), WINDOW - 1
        elif message.direction == "newest":
            self.start, row = 0, 0
        else:
            self.to_oldest, self.cursor_to = True, WINDOW
            self.reload()
            return
        self._show_window(row)

    @on(PagedTable.RowHighlighted, "#queue")
    def _highlighted(self, _event: PagedTable.RowHighlighted) -> None:
        self._show_hint()

    def _show_hint(self) -> None:
        hint = self.query_one("#hint", Static)
        item = self._selected()
        if item is None:
            hint.update(_("Nothing needs a person.") if not self.items else "")
            return
        # the whole why, which the table's last column cuts on a narrow screen, then what to do
        hint.update(
            _("[b]Why[/b]: {why}").format(why=escape(item.why))
            + "\n"
            + _("[b]What to do[/b]: {hint}").format(hint=escape(_(item.hint)))
        )

    def action_next_kind(self) -> None:
        self.kind_index = (self.kind_index + 1) % len(KINDS)
        self.start = 0
        self._show_kind()
        self.reload()

    def _selected(self) -> AttentionItem | None:
        row = self.start + self.query_one("#queue", PagedTable).cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    @on(PagedTable.RowSelected, "#queue")
    def open_selected(self, _event: PagedTable.RowSelected) -> None:
        item = self._selected()
        if item is not None and item.kind == AttentionKind.POSSIBLE_DUPLICATE.value:
            self.app.push_screen(DuplicateScreen(self.services, item.ref))
        elif item is not None and item.invoice_id is not None:
            self.app.push_screen(InvoiceScreen(self.services, item.invoice_id))
