"""One invoice's timeline."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from daemon.app.invoice_detail import InvoiceDetail
from daemon.app.invoice_view import due_shown, overpaid
from daemon.app.operator import current_operator
from daemon.app.services import Facturier
from daemon.domain import finding_words
from daemon.domain.compliance import ComplianceReport
from daemon.domain.errors import FacturierError
from daemon.domain.event_words import shown, tie_phrase
from daemon.domain.formatting import clipped, day, moment, money
from daemon.domain.i18n import N_, _
from daemon.domain.labels import (
    decision_why,
    event_label,
    inbound_label,
    kind_label,
    note_label,
    state_label,
)
from daemon.domain.payment_words import shown_how
from daemon.domain.states import DeliveryState, InvoiceState
from daemon.intake.amounts import DONE as AMOUNTS_DONE
from daemon.intake.amounts import AmountsDecision
from daemon.intake.customer_records import described
from tui.actions import INVOICE_BINDINGS
from tui.dialogs import Answer
from tui.invoice_money import InvoiceMoneyActions
from tui.markup import escape
from tui.message import MessageScreen, OriginalScreen
from tui.messages import Loaded

STATE_STYLE: dict[str, str] = {
    InvoiceState.DELIVERED: "green",
    InvoiceState.ACCEPTED: "green",
    InvoiceState.BOUNCED: "bold red",
    InvoiceState.FAILED: "bold red",
    InvoiceState.ATTENTION: "bold magenta",
    InvoiceState.DEFERRED: "yellow",
    InvoiceState.NEEDS_ADDRESS: "cyan",
    InvoiceState.TO_POST: "cyan",
    InvoiceState.POSTED: "green",
    InvoiceState.QUEUED: "white",
    InvoiceState.SENDING: "white",
    DeliveryState.EXPIRED: "bold red",
    DeliveryState.HELD: "bold magenta",
    InvoiceState.DUPLICATE: "bold magenta",
    InvoiceState.AMOUNTS_TO_CHECK: "bold magenta",
    InvoiceState.CUSTOMER_TO_CHOOSE: "bold magenta",
    InvoiceState.WITHDRAWN: "dim",
    InvoiceState.DISCARDED: "dim",
}


def _paid(d: InvoiceDetail, lang: str) -> str:
    """Paid, partly paid (with what is owed) or unpaid, as the operator reads it; and in
    dispute, with what is disputed."""
    if d.disputed is not None:
        return _paid_only(d, lang) + " — [b red]" + _("in dispute") + f"[/]: {escape(d.disputed)}"
    return _paid_only(d, lang)


def _paid_only(d: InvoiceDetail, lang: str) -> str:
    if d.kind == "credit_note":
        return "[cyan]" + _("credit note") + "[/]"
    state = d.row.payment_state
    if state == "paid" and overpaid(d):
        over = escape(money(-d.owed, d.row.currency, lang))
        return "[yellow]" + _("paid, {over} more than it owed").format(over=over) + "[/]"
    if state == "paid":
        return "[green]" + _("paid") + "[/]"
    if state == "partial":
        return (
            "[yellow]"
            + _("partly paid, {owed} owed").format(owed=escape(money(d.owed, d.row.currency, lang)))
            + "[/]"
        )
    return "[yellow]" + _("unpaid") + "[/]"


def styled_state(state: str) -> str:
    return f"[{STATE_STYLE.get(state, 'white')}]{escape(state_label(state))}[/]"


class InvoiceScreen(InvoiceMoneyActions):
    BINDINGS = INVOICE_BINDINGS

    def __init__(self, services: Facturier, invoice_id: int) -> None:
        super().__init__(services)
        self.invoice_id = invoice_id
        self.detail: InvoiceDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Static(_("Loading…"), id="summary")
            yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
            yield Static("", id="messages")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#timeline", DataTable).add_columns(
            _("When ({zone})").format(zone=self.services.zone),
            _("Recipient"),
            _("Event"),
            _("State"),
            _("Code"),
            _("Detail"),
        )
        self.reload()

    def action_open_message(self) -> None:
        self.app.push_screen(MessageScreen(self.services, self.invoice_id))

    def action_open_original(self) -> None:
        self.app.push_screen(OriginalScreen(self.services, invoice_id=self.invoice_id))

    def action_export_proof(self) -> None:
        async def then(answer: Answer) -> str:
            out = Path(answer.value)
            [package] = await self.services.export_proof(
                self.invoice_id, out, by=current_operator(), reason=answer.reason
            )
            return _("proof package written: {file}").format(file=package)

        self.ask(
            _(
                "Export the proof package of this invoice (messages sent, notices received, "
                "address history, chain entries, signed)"
            ),
            then,
            asks=_("Folder to write it to:"),
            value=f"proof/{self.invoice_id}",
            failures=(FacturierError, OSError),  # a folder that cannot be written
        )

    def action_write_pdf(self) -> None:
        async def then(answer: Answer) -> str:
            path = await self.services.write_pdf(
                self.invoice_id, Path(answer.value), by=current_operator(), reason=answer.reason
            )
            return _("PDF written: {file}").format(file=path)

        self.ask(
            _("Write this invoice's PDF, to print it"),
            then,
            asks=_("Folder to write it to:"),
            value="print",
            failures=(FacturierError, OSError),
        )

    def action_send_as_is(self) -> None:
        self._decide_amounts(AmountsDecision.SEND)

    def action_discard_held(self) -> None:
        self._decide_amounts(AmountsDecision.DISCARD)

    def _decide_amounts(self, decision: AmountsDecision) -> None:
        held = self.detail is not None and self.detail.row.state == InvoiceState.AMOUNTS_TO_CHECK
        if not held:
            self.notify(_("This invoice is not held for its amounts."), title=_("Amounts"))
            return

        async def then(answer: Answer) -> str:
            invoice = await self.services.amounts.decide(
                self.invoice_id, decision, by=current_operator(), reason=answer.reason
            )
            return _("invoice {number}: {done}; now {state}").format(
                number=invoice.number,
                done=_(AMOUNTS_DONE[decision]),
                state=state_label(invoice.state),
            )

        self.ask(_(_ASK_AMOUNTS[decision]), then)

    def action_choose_customer(self) -> None:
        d = self.detail
        if d is None or d.row.state != InvoiceState.CUSTOMER_TO_CHOOSE:
            self.notify(
                _("This invoice is not waiting for its customer to be chosen."),
                title=_("Customer"),
            )
            return

        async def then(answer: Answer) -> str:
            customer = await self.services.customers.find(answer.value)
            assert customer.id is not None
            invoice = await self.services.buyers.choose(
                self.invoice_id, customer.id, by=current_operator(), reason=answer.reason
            )
            return _("invoice {number} is for {customer}; now {state}").format(
                number=invoice.number,
                customer=described(customer),
                state=state_label(invoice.state),
            )

        fits = "".join(f"\n  {c}" for c in d.fits) or "\n  " + _("no customer now")
        self.ask(
            _("Which customer is invoice {number} for?").format(number=d.row.number),
            then,
            asks=_("Its buyer fits:") + fits + "\n" + _("The customer (#N, identifier or VAT id):"),
        )

    async def fetch(self) -> InvoiceDetail:
        return await self.services.queries.invoice_detail(self.invoice_id)

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        d: InvoiceDetail = message.data
        self.detail = d
        r = d.row
        lang = self.services.ctx.settings.ui.resolved_language()
        dup_mark = "  [b]" + _("possible duplicate") + "[/b]"
        recipients = "\n".join(
            "  "
            + _("{address} ({role}): {state}").format(
                address=escape(rcpt), role=_(kind), state=styled_state(state)
            )
            + (dup_mark if dup else "")
            for rcpt, kind, state, _mid, dup in d.deliveries
        ) or "  " + _("(no recipient yet)")
        heading = (
            _("[b]Credit note {number}[/b] — {customer} — {amount} — due {due} — {state} — {paid}")
            if d.kind == "credit_note"
            else _("[b]Invoice {number}[/b] — {customer} — {amount} — due {due} — {state} — {paid}")
        )
        self.query_one("#summary", Static).update(
            heading.format(
                number=escape(r.number),
                customer=escape(r.customer),
                amount=escape(money(r.total, r.currency, lang)),
                due=escape(due_shown(d, lang)),
                state=styled_state(r.state),
                paid=_paid(d, lang),
            )
            + "\n"
            + _("File {name} ({format}), sha256 {sha}…").format(
                name=escape(d.file_name), format=d.format, sha=d.file_sha256[:16]
            )
            + "\n"
            + _compliance(r.compliance)
            + "\n"
            + _fits(d)
            + _("Recipients:")
            + f"\n{recipients}"
        )
        table = self.query_one("#timeline", DataTable)
        table.clear()
        for e in d.events:
            code = " ".join(str(x) for x in (e.smtp_code, e.status) if x)
            table.add_row(
                moment(e.at, self.services.zone, seconds=True),
                Text(e.recipient),
                event_label(e.event),
                state_label(e.state) if e.state else "",
                Text(code),
                Text(clipped(shown(e.text), 160)),
            )
        notes = [
            _("[b]Customer message[/b] {at} from {sender}:").format(
                at=moment(at, self.services.zone), sender=escape(who)
            )
            + f"\n{escape(text)}"
            for at, who, text in d.customer_messages
        ]
        notes += [
            _("[b]Received[/b] {at} {kind} from {sender}: {subject} [dim]({tie})[/dim]").format(
                at=moment(at, self.services.zone),
                kind=escape(inbound_label(kind)),
                sender=escape(who),
                subject=escape(subject),
                tie=escape(tie_phrase(how)),
            )
            for at, kind, who, subject, how in d.inbound
        ]
        notes += [
            _("[b]Payment #{id}[/b] {on} {amount} ({how}){status}").format(
                id=payment_id,
                on=day(on, lang),
                amount=escape(money(amount, currency, lang)),
                how=escape(shown_how(how)),
                status="" if status == "applied" else f" [b]{escape(_(status))}[/b]",
            )
            for on, amount, currency, how, status, payment_id in d.payments
        ]
        notes += [
            _("[b]Decision[/b] {at} {what} by {who}: {why}").format(
                at=moment(at, self.services.zone),
                what=escape(note_label(what)),
                who=escape(who),
                why=escape(decision_why(what, why)),
            )
            for at, what, who, why in d.decisions
        ]
        notes += [
            _("[b]Dealt with[/b] {at} {kind} by {who}: {how}").format(
                at=moment(at, self.services.zone),
                kind=escape(kind_label(kind)),
                who=escape(who),
                how=escape(how),
            )
            for at, kind, who, how in d.dealt_with
        ]
        self.query_one("#messages", Static).update("\n".join(notes))


_ASK_AMOUNTS = {
    AmountsDecision.SEND: N_("The amounts are right as they stand: send the invoice"),
    AmountsDecision.DISCARD: N_("Discard the invoice: it is not sent (a corrected one follows)"),
}


def _fits(d: InvoiceDetail) -> str:
    """While a person must say which customer the invoice is for: those its buyer fits."""
    if d.row.state != InvoiceState.CUSTOMER_TO_CHOOSE:
        return ""
    fits = "".join(f"\n  {escape(c)}" for c in d.fits) or "\n  " + _("no customer now")
    return "[b]" + _("Its buyer fits several customers (C: choose):") + "[/b]" + fits + "\n"


def _compliance(report: ComplianceReport | None) -> str:
    """What the compliance gate found, a line per finding that holds the invoice and per
    warning (rule, message), escaped."""
    if report is None:
        return _("Rules: not checked (schema only)")
    head = _("Rules: passed ({rule_sets})").format(rule_sets=escape(", ".join(report.rule_sets)))
    lines = [head]
    for f in report.holds[:5]:
        said = escape(clipped(finding_words.said(f), 160))
        rule = f"[bold magenta]{escape(f.rule)}[/]"
        lines.append("  " + _("{rule} (held): {said}").format(rule=rule, said=said))
    if len(report.holds) > 5:
        lines.append("  " + _("and {count} more").format(count=len(report.holds) - 5))
    for f in report.warnings[:5]:
        said = escape(clipped(finding_words.said(f), 120))
        rule = f"[yellow]{escape(f.rule)}[/]"
        line = _("{rule} (downgraded): {said}") if f.downgraded else _("{rule}: {said}")
        lines.append("  " + line.format(rule=rule, said=said))
    if len(report.warnings) > 5:
        lines.append("  " + _("and {count} more warnings").format(count=len(report.warnings) - 5))
    return "\n".join(lines)
