"""The customers screen: each customer's addresses by role, whether they work, and the log
of every change to them; from here an operator sets the invoice address, adds or removes a
copy address and marks an address deliverable again, each with a reason."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from daemon.app.operator import current_operator
from daemon.app.queries import AddressRow, CustomerRow
from daemon.app.services import Facturier
from daemon.domain.event_words import shown
from daemon.domain.formatting import moment
from daemon.domain.i18n import _, joined
from daemon.domain.labels import change_value, field_label
from daemon.intake.customer_records import described
from tui.actions import CUSTOMER_BINDINGS
from tui.dialogs import Answer
from tui.loading import LoadingScreen
from tui.messages import Loaded


class CustomersScreen(LoadingScreen):
    BINDINGS = CUSTOMER_BINDINGS

    def __init__(self, services: Facturier) -> None:
        super().__init__(services)
        self.shown: list[tuple[CustomerRow, AddressRow | None]] = []
        """What each row of the addresses table is about."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield DataTable(id="addresses", cursor_type="row", zebra_stripes=True)
            yield Static("[b]" + _("Address-change history") + "[/b]")
            yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#addresses", DataTable).add_columns(
            # the status beside the address it is of: seen on 80 columns, where the role
            # (the longest) is cut
            _("Customer"),
            _("Address"),
            _("Status"),
            _("Role"),
        )
        self.query_one("#history", DataTable).add_columns(
            _("When ({zone})").format(zone=self.services.zone),
            _("Customer"),
            _("Change"),
            _("Old"),
            _("New"),
            _("By"),
            _("Source"),
            _("Why"),
        )
        self.reload()

    async def fetch(self) -> list[CustomerRow]:
        return await self.services.queries.customers()

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        addresses = self.query_one("#addresses", DataTable)
        history = self.query_one("#history", DataTable)
        selected = addresses.cursor_row
        addresses.clear()
        history.clear()
        self.shown = []
        names = Counter(c.name.lower() for c in message.data)
        for c in message.data:
            # namesakes (two shops of one chain) are told apart by their #N and identifiers
            name = described(c) if names[c.name.lower()] > 1 else c.name
            if not any(a.active and a.role == "invoice_to" for a in c.addresses):
                addresses.add_row(
                    Text(name),
                    "-",
                    "[bold red]" + _("no invoice address") + "[/]",
                    field_label("invoice_to"),
                )
                self.shown.append((c, None))
            for a in c.addresses:
                status = (
                    "[bold red]" + _("undeliverable") + "[/]"
                    if a.undeliverable
                    else (_("retired") if not a.active else "[green]" + _("ok") + "[/]")
                )
                role = field_label(a.role) + (" " + _("(central)") if a.central_mailbox else "")
                addresses.add_row(Text(name), Text(a.email), status, role)
                self.shown.append((c, a))
            for h in c.history:
                history.add_row(
                    moment(h.at, self.services.zone),
                    Text(name),
                    field_label(h.field),
                    Text(change_value(h.old, h.field)),
                    Text(change_value(h.new, h.field)),
                    Text(h.who),
                    Text(h.source),
                    Text(shown(h.why)),
                )
        if self.shown:
            addresses.move_cursor(row=min(selected, len(self.shown) - 1))

    def _selected(self) -> tuple[CustomerRow, AddressRow | None] | None:
        row = self.query_one("#addresses", DataTable).cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def action_set_address(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        customer = chosen[0]

        async def then(answer: Answer) -> str:
            done = await self.services.customers.set_invoice_address(
                customer.id,
                answer.value,
                changed_by=current_operator(),
                reason=answer.reason,
                source="tui",
            )
            return _("{customer}: {said}").format(customer=customer.name, said=done.said())

        self.ask(
            _("Invoice address of {customer}").format(customer=customer.name),
            then,
            asks=_("The invoice address:"),
        )

    def action_add_copy(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        customer = chosen[0]

        async def then(answer: Answer) -> str:
            changed = await self.services.customers.edit(
                customer.id,
                changed_by=current_operator(),
                reason=answer.reason,
                add_copies=(answer.value,),
                source="tui",
            )
            return _("{name}: {why}").format(
                name=customer.name, why=joined(changed) or _("nothing changed")
            )

        self.ask(
            _("A copy address for {customer}").format(customer=customer.name),
            then,
            asks=_("The address copies go to:"),
        )

    def action_remove_copy(self) -> None:
        chosen = self._selected()
        if chosen is None or chosen[1] is None or chosen[1].role != "copy" or not chosen[1].active:
            self.notify(_("Select a copy address first."), title=_("Remove a copy address"))
            return
        customer, address = chosen[0], chosen[1]

        async def then(answer: Answer) -> str:
            changed = await self.services.customers.edit(
                customer.id,
                changed_by=current_operator(),
                reason=answer.reason,
                remove_copies=(address.email,),
                source="tui",
            )
            return _("{name}: {why}").format(
                name=customer.name, why=joined(changed) or _("nothing changed")
            )

        self.ask(_("Stop sending copies to {email}").format(email=address.email), then)

    def action_deliverable(self) -> None:
        chosen = self._selected()
        if chosen is None or chosen[1] is None or not chosen[1].undeliverable:
            self.notify(_("Select an undeliverable address first."), title=_("Deliverable again"))
            return
        customer, address = chosen[0], chosen[1]

        async def then(answer: Answer) -> str:
            await self.services.customers.mark_deliverable(
                customer.id,
                address.email,
                changed_by=current_operator(),
                reason=answer.reason,
                source="tui",
            )
            return _("{email} is deliverable again").format(email=address.email)

        self.ask(_("Mark {email} deliverable again").format(email=address.email), then)
