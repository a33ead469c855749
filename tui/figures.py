"""Delivery figures: each outcome a day as a sparkline, and the bounce reasons."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Label, Sparkline, Static

from daemon.app.figures import OUTCOMES, DeliveryFigures
from daemon.app.services import Facturier
from daemon.domain.i18n import _
from tui.actions import DETAIL_BINDINGS
from tui.loading import LoadingScreen
from tui.messages import Loaded

DAYS = 30


class FiguresScreen(LoadingScreen):
    BINDINGS = DETAIL_BINDINGS

    def __init__(self, services: Facturier) -> None:
        super().__init__(services)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Static(
                _("Messages a day over the last {days} days").format(days=DAYS), id="period"
            )
            for outcome in OUTCOMES:
                with Horizontal(classes="figure"):
                    yield Label(f"{_(outcome.value):<10}", classes="outcome")
                    yield Sparkline([0], id=f"spark-{outcome.value}")
                    yield Label("0", id=f"total-{outcome.value}", classes="total")
            yield Static("[b]" + _("Bounce reasons") + "[/b]")
            yield DataTable(id="reasons", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reasons", DataTable).add_columns(_("Reason"), _("Bounces"))
        self.reload()

    async def fetch(self) -> DeliveryFigures:
        return await self.services.figures.deliveries(DAYS)

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        f: DeliveryFigures = message.data
        self.query_one("#period", Static).update(
            _("Messages a day, {first} to {last}").format(
                first=f"{f.days[0]:%d/%m/%Y}", last=f"{f.days[-1]:%d/%m/%Y}"
            )
        )
        for outcome, counts in f.outcomes.items():
            self.query_one(f"#spark-{outcome}", Sparkline).data = counts
            self.query_one(f"#total-{outcome}", Label).update(str(sum(counts)))
        table = self.query_one("#reasons", DataTable)
        table.clear()
        for reason, count in f.reasons.items():
            table.add_row(Text(reason), count)
