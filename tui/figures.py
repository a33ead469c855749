"""The figures: each delivery outcome a day as a sparkline, the bounce reasons, and the
business figures (adoption, central mailboxes, days to pay, late payment) as bar charts."""

from __future__ import annotations

import time
from dataclasses import dataclass

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
from daemon.domain.i18n import N_, _, language
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
        self.business: BusinessReport | None = None

    def live_refresh(self) -> None:
        if time.monotonic() - self.loaded_at >= REFRESH_SECONDS:
            self.reload()

    def refresh_now(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        self._show_business()

    def _show_business(self) -> None:
        """The business figures, drawn for the screen's width (again when it changes)."""
        if self.business is not None:
            chart = business_chart(self.business, self.size.width)
            self.query_one("#business", Static).update(chart)

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
        self.business = business
        self._show_business()
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


LABEL_WIDTH = 36
BAR_WIDTH = 40
ROOM_AFTER_BAR = 24
"""What follows a bar on its line: " 100,0 %  courriel 5", " 40 (médiane 40, 12)"."""


@dataclass(frozen=True)
class _Layout:
    """How wide a row's label and its bar are, so that each row holds on one line of the
    screen (the label as long as the longest, the bar shorter on a narrow screen)."""

    label: int
    bar: int

    @classmethod
    def fitting(cls, labels: list[str], width: int) -> _Layout:
        label = max(LABEL_WIDTH, *map(len, labels))
        return cls(label, max(10, min(BAR_WIDTH, width - label - 1 - ROOM_AFTER_BAR)))

    def bar_of(self, value: float, most: float, style: str) -> Text:
        filled = round(self.bar * value / most) if most > 0 else 0
        return Text("█" * filled, style=style) + Text("░" * (self.bar - filled), style="dim")

    def share_row(self, label: str, share: float | None, style: str) -> Text:
        row = Text(f"{label:<{self.label}} ")
        if share is None:
            return row + Text(_("no data"), style="dim")
        return row + self.bar_of(share, 1.0, style) + Text(f" {percent(share, language()):>7}")


_DAYS_TO_PAY = (
    (N_("Mean days from issue to payment"), "mean_from_issue", "median_from_issue"),
    (N_("Mean days from the due date to payment"), "mean_from_due", "median_from_due"),
)


def business_chart(r: BusinessReport, width: int) -> Text:
    """The business figures as bars: shares out of 100 %, days to pay against the longest;
    counts beside them; each row on one line of a screen ``width`` wide."""
    titles = {
        "adoption": _("E-invoice adoption (customers)"),
        "invoices": _("Invoices by channel"),
        "central": _("Central invoice mailboxes"),
        "late": _("Late payment"),
    }
    layout = _Layout.fitting([*titles.values(), *(_(d.group) for d in r.days_to_pay)], width)
    out = Text()
    out.append(_("Business figures") + "\n", style="bold")
    channels = ", ".join(f"{_(k)} {v}" for k, v in r.customers_by_channel.items()) or "0"
    out.append_text(layout.share_row(titles["adoption"], r.adoption, "green"))
    out.append(f"  {channels}\n")
    invoices = ", ".join(f"{_(k)} {v}" for k, v in r.invoices_by_channel.items()) or "0"
    out.append(f"{titles['invoices']:<{layout.label}} {invoices}\n")
    out.append_text(layout.share_row(titles["central"], r.central_share, "cyan"))
    out.append("\n")
    out.append_text(layout.share_row(titles["late"], r.late_payment_rate, "red"))
    out.append(f"  ({r.due_counted})\n")
    for title, mean_of, median_of in _DAYS_TO_PAY:
        out.append("\n" + _(title) + "\n", style="bold")
        values = [getattr(d, mean_of) or 0 for d in r.days_to_pay]
        longest = max((abs(v) for v in values), default=0)
        for d, value in zip(r.days_to_pay, values, strict=True):
            row = Text(f"{_(d.group):<{layout.label}} ")
            row += layout.bar_of(abs(value), longest, "yellow" if value >= 0 else "green")
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
