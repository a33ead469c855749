"""A file held as a possible duplicate beside the invoice it may duplicate, field by field,
and the person's decision: replace the earlier one, keep both, or discard the held file."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from daemon.app.operator import current_operator
from daemon.app.services import Facturier
from daemon.domain.i18n import N_, _
from daemon.domain.identity import shown_value
from daemon.domain.labels import state_label
from daemon.intake.duplicates import DONE, Decision, DuplicatePair
from tui.actions import DUPLICATE_BINDINGS
from tui.dialogs import Answer
from tui.loading import LoadingScreen
from tui.markup import escape
from tui.messages import Loaded

_ASK = {
    Decision.REPLACE: N_("Replace invoice #{earlier} with the held file #{held}"),
    Decision.KEEP: N_("Keep the held file #{held} as a distinct document and send it"),
    Decision.DISCARD: N_("Discard the held file #{held}: it will not be sent"),
}


class DuplicateScreen(LoadingScreen):
    BINDINGS = DUPLICATE_BINDINGS

    def __init__(self, services: Facturier, held_id: int) -> None:
        super().__init__(services)
        self.held_id = held_id
        self.pair: DuplicatePair | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Static(_("Loading…"), id="summary")
            yield DataTable(id="sides", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sides", DataTable).add_columns(
            "", _("Field"), _("Earlier invoice"), _("Held file")
        )
        self.reload()

    async def fetch(self) -> DuplicatePair:
        return await self.services.duplicates.pair(self.held_id)

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        pair: DuplicatePair = message.data
        self.pair = pair
        differs = ", ".join(_(f.label) for f in pair.differences) or _("nothing but the file")
        self.query_one("#summary", Static).update(
            _(
                "[b]Invoice {number}[/b] — {customer}: the held file #{held} beside invoice "
                "#{earlier} ({state})"
            ).format(
                number=escape(pair.number),
                customer=escape(pair.customer),
                held=pair.held_id,
                earlier=pair.earlier_id,
                state=escape(state_label(pair.earlier_state)),
            )
            + "\n"
            + _("differs in: {fields}").format(fields=escape(differs))
        )
        table = self.query_one("#sides", DataTable)
        table.clear()
        lang = self.services.ctx.settings.ui.resolved_language()
        currency = {f.field: (f.earlier, f.later) for f in pair.fields}.get("currency", ("", ""))
        for f in pair.fields:
            style = "bold yellow" if f.differs else ""
            table.add_row(
                Text("≠" if f.differs else "", style=style),
                Text(_(f.label), style=style),
                Text(shown_value(f.field, f.earlier, currency[0], lang), style=style),
                Text(shown_value(f.field, f.later, currency[1], lang), style=style),
            )

    def _decide(self, decision: Decision) -> None:
        pair = self.pair
        if pair is None:
            return

        async def then(answer: Answer) -> str:
            invoice = await self.services.duplicates.decide(
                pair.held_id, decision, by=current_operator(), reason=answer.reason
            )
            return _("invoice {number} (#{id}): {done}; now {state}").format(
                number=invoice.number,
                id=pair.held_id,
                done=_(DONE[decision]),
                state=state_label(invoice.state),
            )

        self.ask(_(_ASK[decision]).format(earlier=pair.earlier_id, held=pair.held_id), then)

    def action_replace(self) -> None:
        self._decide(Decision.REPLACE)

    def action_keep_both(self) -> None:
        self._decide(Decision.KEEP)

    def action_discard(self) -> None:
        self._decide(Decision.DISCARD)
