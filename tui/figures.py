"""The figures: each delivery outcome a day as a sparkline, the bounce reasons, and the
business figures (adoption, central mailboxes, days to pay, late payment) as bar charts."""

from __future__ import annotations

import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Label, Sparkline, Static

from daemon.app.figures import OUTCOMES, DeliveryFigures
from daemon.app.report import BusinessReport
from daemon.app.services import Facturier
from daemon.domain.event_words import reason_label
from daemon.domain.formatting import day, days, percent
from daemon.domain.i18n import _, language
from daemon.domain.labels import campaign_label
from tui.actions import DETAIL_BINDINGS
from tui.loading import LoadingScreen
from tui.messages import Loaded

DAYS = 30
REFRESH_SECONDS = 60.0
"""The figures are asked again at most this often by the live refresh (``r`` asks now): the
business report reads every invoice of the period (2 s at 100,000, see
``benchmarks/report_scale.py``)."""


class FiguresScreen(LoadingScreen):
    BINDINGS = DETAIL_BINDINGS

    def __init__(self, services: Facturier) -> None:
        super().__init__(services)
        self.loaded_at = 0.0

    def live_refresh(self) -> None:
        if time.monotonic() - self.loaded_at >= REFRESH_SECONDS:
            self.reload()

    def refresh_now(self) -> None:
        self.reload()

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
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
            yield Static("", id="business")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reasons", DataTable).add_columns(_("Reason"), _("Bounces"))
        self.reload()

    async def fetch(self) -> tuple[DeliveryFigures, BusinessReport]:
        return await self.services.figures.deliveries(DAYS), await self.services.report.build()

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        f: DeliveryFigures
        f, business = message.data
        self.loaded_at = time.monotonic()
        self.query_one("#business", Static).update(business_chart(business))
        self.query_one("#period", Static).update(
            _("Messages a day, {first} to {last}").format(
                first=day(f.days[0], language()), last=day(f.days[-1], language())
            )
        )
        for outcome, counts in f.outcomes.items():
            self.query_one(f"#spark-{outcome}", Sparkline).data = counts
            self.query_one(f"#total-{outcome}", Label).update(str(sum(counts)))
        table = self.query_one("#reasons", DataTable)
        table.clear()
        for reason, count in f.reasons.items():
            table.add_row(Text(reason_label(reason)), count)


WIDTH = 40


def _bar(value: float, most: float, style: str) -> Text:
    filled = round(WIDTH * value / most) if most > 0 else 0
    return Text("█" * filled, style=style) + Text("░" * (WIDTH - filled), style="dim")


def _share_row(label: str, share: float | None, style: str) -> Text:
    row = Text(f"{label:<36} ")
    if share is None:
        return row + Text(_("no data"), style="dim")
    return row + _bar(share, 1.0, style) + Text(f" {percent(share, language()):>7}")


def business_chart(r: BusinessReport) -> Text:
    """The business figures as bars: shares out of 100 %, days to pay against the longest;
    counts beside them."""
    out = Text()
    out.append(_("Business figures") + "\n", style="bold")
    channels = ", ".join(f"{_(k)} {v}" for k, v in r.customers_by_channel.items()) or "0"
    out.append_text(_share_row(_("E-invoice adoption (customers)"), r.adoption, "green"))
    out.append(f"  {channels}\n")
    invoices = ", ".join(f"{_(k)} {v}" for k, v in r.invoices_by_channel.items()) or "0"
    title = _("Invoices by channel")
    out.append(f"{title:<36} {invoices}\n")
    out.append_text(_share_row(_("Central invoice mailboxes"), r.central_share, "cyan"))
    out.append("\n")
    out.append_text(_share_row(_("Late payment"), r.late_payment_rate, "red"))
    out.append(f"  ({r.due_counted})\n")
    for title, mean_of, median_of in (
        (_("Mean days from issue to payment"), "mean_from_issue", "median_from_issue"),
        (_("Mean days from the due date to payment"), "mean_from_due", "median_from_due"),
    ):
        out.append("\n" + title + "\n", style="bold")
        values = [getattr(d, mean_of) or 0 for d in r.days_to_pay]
        longest = max((abs(v) for v in values), default=0)
        for d, value in zip(r.days_to_pay, values, strict=True):
            row = Text(f"{_(d.group):<36} ")
            row += _bar(abs(value), longest, "yellow" if value >= 0 else "green")
            row += Text(
                " "
                + _("{mean} (median {median}, {invoices})").format(
                    mean=days(value, language()),
                    median=days(getattr(d, median_of), language()),
                    invoices=d.invoices,
                )
            )
            out.append_text(row)
            out.append("\n")
        if not r.days_to_pay:
            out.append(_("no invoice paid yet") + "\n", style="dim")
    campaign = ", ".join(f"{campaign_label(k)} {v}" for k, v in r.campaign.items())
    out.append("\n" + _("Central-address campaign: {figures}").format(figures=campaign) + "\n")
    return out
