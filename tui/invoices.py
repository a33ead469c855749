"""The invoice list: one page at a time, newest first, filters that combine, a search that
answers as the operator types, and a live refresh that touches only the rows that changed."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Footer, Header, Input, Static
from textual.widgets.data_table import ColumnKey

from daemon.app.invoice_list import InvoiceFilter, InvoicePage, InvoiceRow
from daemon.app.services import Facturier
from daemon.domain.errors import FacturierError
from daemon.domain.formatting import day, money
from daemon.domain.i18n import N_, _
from daemon.domain.labels import state_label
from tui.actions import INVOICE_LIST_BINDINGS, INVOICE_STATES
from tui.dialogs import FilterAnswer, FilterDialog
from tui.loading import LoadingScreen
from tui.markup import escape
from tui.messages import ActionFailed, Loaded
from tui.paged import Direction, PagedTable
from tui.screens import InvoiceScreen, styled_state

COLUMNS = (
    (N_("Number"), 13),
    (N_("Customer"), 17),
    (N_("Amount"), 14),
    (N_("Due"), 10),
    (N_("Delivery"), 13),
)
"""Each column and its width on an 80-column terminal; longer values are cut, not pushed off."""

# what a wider terminal gives, in this order, up to each column's width: a state whole
# ("montants à vérifier"), then the customer's name, then a long invoice number
WIDER = ((4, 20), (1, 40), (0, 20))
_ROOM = 80  # the columns at their COLUMNS widths, with each cell's padding and the scrollbar


def column_widths(width: int) -> list[int]:
    """The columns' widths on a terminal ``width`` columns wide."""
    widths = [w for _label, w in COLUMNS]
    spare = max(0, width - _ROOM)
    for column, most in WIDER:
        grown = min(spare, most - widths[column])
        widths[column] += grown
        spare -= grown
    return widths


def describe(where: InvoiceFilter) -> list[str]:
    """The active filters, in words, for the list's heading."""
    parts = []
    if where.state:
        parts.append(_("state {state}").format(state=state_label(where.state)))
    if where.customer_id is not None:
        parts.append(_("customer #{id}").format(id=where.customer_id))
    if where.issued_from or where.issued_to:
        parts.append(
            _("issued {first} to {last}").format(
                first=where.issued_from or "…", last=where.issued_to or "…"
            )
        )
    if where.overdue_on:
        parts.append(_("overdue on {day}").format(day=where.overdue_on))
    if where.search.strip():
        parts.append(_("matching {text!r}").format(text=where.search.strip()))
    return parts


@dataclass(frozen=True)
class _Request:
    direction: Direction | None
    """None: the newest page, keeping the cursor on ``keep`` when it is still there."""
    anchor: int | None = None
    keep: int | None = None


class Refreshed(Message):
    """The rows on screen as they are now, and whether newer ones arrived."""

    def __init__(self, rows: list[InvoiceRow], newer: bool) -> None:
        super().__init__()
        self.rows = rows
        self.newer = newer


class FiltersChosen(Message):
    def __init__(self, where: InvoiceFilter) -> None:
        super().__init__()
        self.where = where


class InvoicesScreen(LoadingScreen):
    BINDINGS = INVOICE_LIST_BINDINGS
    AUTO_FOCUS = "#invoices"  # keys go to the list; / goes to the search box

    def __init__(self, services: Facturier) -> None:
        super().__init__(services)
        self.listing = services.invoice_list
        self.language = services.ctx.settings.ui.resolved_language()
        self.where = InvoiceFilter()
        self.request = _Request(None)
        self.rows: list[InvoiceRow] = []
        self.shown: dict[int, tuple[str, ...]] = {}
        self.columns: list[ColumnKey] = []
        self.widths: list[int] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="filter")
        yield Input(placeholder=_("/ search: number, customer, address or amount"), id="search")
        yield PagedTable(id="invoices", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self._lay_out(column_widths(self.app.size.width))
        self._show_filter()
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        widths = column_widths(event.size.width)
        if widths != self.widths:
            self._lay_out(widths)

    def _lay_out(self, widths: list[int]) -> None:
        """The columns at ``widths``, and the rows shown again in them, the cursor kept."""
        table = self.query_one("#invoices", PagedTable)
        selected = table.cursor_row
        table.clear(columns=True)
        self.widths = widths
        self.columns = [
            table.add_column(_(label), width=width)
            for (label, _base), width in zip(COLUMNS, widths, strict=True)
        ]
        for r in self.rows:
            table.add_row(*self._cells(r), key=str(r.id))
        if self.rows:
            table.move_cursor(row=min(max(selected, 0), len(self.rows) - 1))

    # -- what is asked ----------------------------------------------------------------------

    def _ask(self, request: _Request) -> None:
        self.request = request
        self.reload()

    def _show_filter(self) -> None:
        said = ", ".join(describe(self.where)) or _("all")
        heading = _(
            "Invoices, newest first — [b]{filters}[/b]  "
            "(f: state, F: filters, x: clear; End: oldest)"
        ).format(filters=escape(said))
        if any(r.due_by_terms for r in self.rows):
            heading += "\n" + _("[i]Due in italics[/i]: the day the seller's terms give")
        self.query_one("#filter", Static).update(heading)

    def _filter(self, where: InvoiceFilter) -> None:
        self.where = where
        self._show_filter()
        self._ask(_Request(None))

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        """Answers as the operator types: each change asks again (the last one wins)."""
        self._filter(self.where.but(search=event.value))

    @on(Input.Submitted, "#search")
    def search_done(self, _event: Input.Submitted) -> None:
        self.query_one("#invoices", PagedTable).focus()

    def action_next_filter(self) -> None:
        at = INVOICE_STATES.index(self.where.state)
        self._filter(self.where.but(state=INVOICE_STATES[(at + 1) % len(INVOICE_STATES)]))

    def action_clear_filters(self) -> None:
        self.query_one("#search", Input).value = ""
        self._filter(InvoiceFilter())

    def action_choose_filters(self) -> None:
        def chosen(answer: FilterAnswer | None) -> None:
            if answer is not None:
                self.apply_filters(answer)

        self.app.push_screen(FilterDialog(self.where, self.services.today()), chosen)

    @work(exclusive=True, group="filters")
    async def apply_filters(self, answer: FilterAnswer) -> None:
        customer_id = None
        if answer.customer:
            try:  # an ambiguous name is refused with the candidates, never guessed
                customer_id = (await self.services.customers.find(answer.customer)).id
            except FacturierError as exc:
                self.post_message(ActionFailed(str(exc)))
                return
        self.post_message(
            FiltersChosen(
                self.where.but(
                    state=answer.state,
                    customer_id=customer_id,
                    issued_from=answer.issued_from,
                    issued_to=answer.issued_to,
                    overdue_on=answer.overdue_on,
                )
            )
        )

    @on(FiltersChosen)
    def filters_chosen(self, message: FiltersChosen) -> None:
        self._filter(message.where)

    @on(PagedTable.Edge, "#invoices")
    def edge(self, message: PagedTable.Edge) -> None:
        if message.direction == "older" and self.rows:
            self._ask(_Request("older", self.rows[-1].id))
        elif message.direction == "newer" and self.rows:
            self._ask(_Request("newer", self.rows[0].id))
        elif message.direction in ("newest", "oldest"):
            self._ask(_Request(message.direction))

    async def fetch(self) -> tuple[_Request, InvoicePage]:
        r = self.request
        page = await self.listing.page(
            self.where,
            before=r.anchor if r.direction == "older" else None,
            after=r.anchor if r.direction == "newer" else None,
            oldest=r.direction == "oldest",
        )
        return r, page

    # -- what is shown ----------------------------------------------------------------------

    def _cells(self, r: InvoiceRow) -> tuple[Text, Text, Text, Text, str]:
        due = Text(day(r.due_date, self.language))
        if r.due_by_terms is not None:  # stated nowhere: said apart
            due = Text(day(r.due_by_terms, self.language), style="italic")
        return (
            Text(r.number),
            Text(r.customer),
            Text(money(r.total, r.currency, self.language), justify="right"),
            due,
            styled_state(r.state),
        )

    @staticmethod
    def _plain(cells: tuple[Text, Text, Text, Text, str]) -> tuple[str, ...]:
        """What a cell shows, its style with it (an italic day is another day)."""
        return tuple(c.markup if isinstance(c, Text) else c for c in cells)

    @on(Loaded)
    def show_page(self, message: Loaded) -> None:
        request, page = message.data
        if request != self.request:
            return  # an answer to a question asked before the last one
        with self.app.batch_update():  # one repaint for the whole page
            self._show(request, page)

    def _show(self, request: _Request, page: InvoicePage) -> None:
        table = self.query_one("#invoices", PagedTable)
        selected = table.cursor_row
        self.rows = list(page.rows)
        self._show_filter()  # its legend follows the rows
        self.shown = {}
        table.clear()
        table.more_older, table.more_newer = page.older, page.newer
        for r in page.rows:
            cells = self._cells(r)
            self.shown[r.id] = self._plain(cells)
            table.add_row(*cells, key=str(r.id))
        if not self.rows:
            return
        ids = [r.id for r in self.rows]
        if request.direction in ("newer", "oldest"):
            row = len(ids) - 1
        elif request.direction in ("older", "newest"):
            row = 0
        elif request.keep in ids:
            row = ids.index(request.keep)
        else:
            row = min(selected, len(ids) - 1)
        table.move_cursor(row=row)

    def live_refresh(self) -> None:
        self.refresh_rows()

    @work(exclusive=True, group="live")
    async def refresh_rows(self) -> None:
        """What changed since the last look: the rows on screen read again by key, and a
        look above the newest one shown when the newest page is on screen."""
        ids = [r.id for r in self.rows]
        table = self.query_one("#invoices", PagedTable)
        try:
            fresh = await self.listing.rows(ids)
            newer = not table.more_newer and await self.listing.newer_than(
                self.where, ids[0] if ids else 0
            )
        except Exception as exc:  # one line for the operator, never raised
            self.post_message(ActionFailed(str(exc)))
            return
        self.post_message(Refreshed(fresh, newer))

    @on(Refreshed)
    def rows_refreshed(self, message: Refreshed) -> None:
        table = self.query_one("#invoices", PagedTable)
        for r in message.rows:
            if r.id not in self.shown:
                continue
            cells = self._cells(r)
            plain = self._plain(cells)
            before = self.shown[r.id]
            for column, cell, now, was in zip(self.columns, cells, plain, before, strict=True):
                if now != was:
                    table.update_cell(str(r.id), column, cell)
            self.shown[r.id] = plain
        by_id = {r.id: r for r in message.rows}
        self.rows = [by_id.get(r.id, r) for r in self.rows]
        self._show_filter()
        if message.newer:
            keep = self.rows[table.cursor_row].id if self.rows else None
            self._ask(_Request(None, keep=keep))

    @on(PagedTable.RowSelected, "#invoices")
    def open_selected(self, event: PagedTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(InvoiceScreen(self.services, int(event.row_key.value)))
