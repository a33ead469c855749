"""The home screen: the attention queue, everything that needs a person, newest first."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Static

from daemon.app.attention import AttentionItem
from daemon.app.operator import current_operator
from daemon.app.services import Facturier
from daemon.domain.attention import ABOUT_A_MESSAGE, CLOSED_BY_HAND, AttentionKind
from daemon.domain.i18n import _
from daemon.domain.labels import kind_label
from tui.actions import ATTENTION_BINDINGS
from tui.dialogs import Answer
from tui.duplicate import DuplicateScreen
from tui.loading import LoadingScreen
from tui.markup import escape
from tui.message import OriginalScreen
from tui.messages import ActionFailed, Loaded
from tui.paged import PagedTable
from tui.screens import InvoiceScreen

KINDS: tuple[AttentionKind | None, ...] = (None, *AttentionKind)


class QueueChanged(Message):
    """Something the queue is made of changed since it was read."""


WINDOW = 200


class AttentionScreen(LoadingScreen):
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
        table.add_columns(_("When (UTC)"), _("What"), _("Invoice"), _("Customer"), _("Why"))
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
                f"{i.at:%Y-%m-%d %H:%M}",
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

    def action_dismiss_item(self) -> None:
        item = self._selected()
        if item is None:
            return
        kind = AttentionKind(item.kind)
        if kind not in CLOSED_BY_HAND:
            self.notify(
                escape(
                    _("{label}: {value}").format(label=kind_label(kind.value), value=_(item.hint))
                ),
                title=_("Closes by itself"),
            )
            return

        async def then(answer: Answer) -> str:
            await self.services.attention.resolve(
                kind, item.ref, by=current_operator(), how=answer.reason
            )
            return _("{kind} #{ref} dealt with: {reason}").format(
                kind=kind_label(kind.value), ref=item.ref, reason=answer.reason
            )

        title = _("Mark {kind} #{ref} as dealt with").format(
            kind=kind_label(kind.value), ref=item.ref
        )
        self.ask(title, then)

    def action_set_address(self) -> None:
        item = self._selected()
        if item is None or item.customer_id is None:
            self.notify(_("Select an item about a customer first."), title=_("Set address"))
            return
        customer_id = item.customer_id

        async def then(answer: Answer) -> str:
            done = await self.services.customers.set_invoice_address(
                customer_id,
                answer.value,
                changed_by=current_operator(),
                reason=answer.reason,
                source="tui",
            )
            said = (
                _("invoices now go to {email}")
                if done.changed
                else _("invoices already go to {email}")
            )
            return said.format(email=done.address.email)

        title = _("Invoice address of {customer}").format(customer=item.customer)
        self.ask(title, then, asks=_("The new invoice address:"))

    def action_deliverable(self) -> None:
        item = self._selected()
        if item is None or item.address is None or item.customer_id is None:
            self.notify(_("Select an undeliverable address first."), title=_("Deliverable again"))
            return
        customer_id, email = item.customer_id, item.address

        async def then(answer: Answer) -> str:
            await self.services.customers.mark_deliverable(
                customer_id,
                email,
                changed_by=current_operator(),
                reason=answer.reason,
                source="tui",
            )
            return _("{email} is deliverable again").format(email=email)

        self.ask(_("Mark {email} deliverable again").format(email=email), then)

    def action_resend(self) -> None:
        item = self._selected()
        if item is None or item.invoice_id is None:
            self.notify(_("Select an item about an invoice first."), title=_("Resend"))
            return
        invoice_id = item.invoice_id

        async def then(answer: Answer) -> str:
            delivery = await self.services.resend(
                invoice_id, by=current_operator(), reason=answer.reason
            )
            return _("re-send to {email} queued").format(email=delivery.recipient)

        title = _("Send invoice {number} again to the customer's invoice address").format(
            number=item.invoice_number
        )
        self.ask(title, then)

    def action_open_original(self) -> None:
        item = self._selected()
        if item is None or AttentionKind(item.kind) not in ABOUT_A_MESSAGE:
            self.notify(_("Select a message that came back first."), title=_("Original"))
            return
        self.app.push_screen(OriginalScreen(self.services, inbound_id=item.ref))

    def action_tie(self) -> None:
        item = self._selected()
        if item is None or item.kind not in (
            AttentionKind.UNRECOGNIZED.value,
            AttentionKind.QUARANTINED.value,
        ):
            self.notify(_("Select an unrecognized or quarantined message first."), title=_("Tie"))
            return
        ref = item.ref

        async def then(answer: Answer) -> str:
            invoice = await self.services.queries.find_invoice_named(answer.value)
            delivery = await self.services.tie_message(
                ref,
                invoice.number,
                invoice_id=invoice.id,
                by=current_operator(),
                reason=answer.reason,
            )
            return _("message #{ref} tied to {number} ({email})").format(
                ref=ref, number=invoice.number, email=delivery.recipient
            )

        asks = _("The invoice number it is about (NUMBER #N when several share it):")
        self.ask(_("Tie message #{ref} to an invoice").format(ref=ref), then, asks=asks)

    def action_assign_payment(self) -> None:
        item = self._selected()
        if item is None or item.kind != AttentionKind.PAYMENT_WAITING.value:
            self.notify(_("Select a waiting payment first."), title=_("Assign payment"))
            return
        ref = item.ref

        async def then(answer: Answer) -> str:
            ids = []
            for number in answer.value.split(","):
                found = await self.services.queries.find_invoice_named(number)
                assert found.id is not None
                ids.append(found.id)
            await self.services.payments.assign(
                ref, ids, by=current_operator(), reason=answer.reason
            )
            return _("payment #{id} applied to {numbers}").format(id=ref, numbers=answer.value)

        asks = _(
            "The invoice number(s) it pays, separated by commas (NUMBER #N when several share it):"
        )
        self.ask(_("Assign payment #{ref}").format(ref=ref), then, asks=asks)

    @on(PagedTable.RowSelected, "#queue")
    def open_selected(self, _event: PagedTable.RowSelected) -> None:
        item = self._selected()
        if item is not None and item.kind == AttentionKind.POSSIBLE_DUPLICATE.value:
            self.app.push_screen(DuplicateScreen(self.services, item.ref))
        elif item is not None and item.invoice_id is not None:
            self.app.push_screen(InvoiceScreen(self.services, item.invoice_id))
