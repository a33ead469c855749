"""What a person does about an invoice's money from its screen: record a payment received
today, reverse one, open or close a dispute, set the day it is due; each asks for a reason,
goes through the services and is recorded with who and why."""

from __future__ import annotations

from datetime import date

from daemon.app.invoice_detail import InvoiceDetail
from daemon.app.operator import current_operator
from daemon.domain.errors import ValidationError
from daemon.domain.formatting import day, money
from daemon.domain.i18n import _
from daemon.domain.payments import still_owed
from daemon.domain.typed_amounts import read_amount, written_currency
from tui.dialogs import Answer
from tui.loading import LoadingScreen


class InvoiceMoneyActions(LoadingScreen):
    """The invoice screen's actions on what it owes; the screen holds the invoice."""

    invoice_id: int
    detail: InvoiceDetail | None

    def action_record_payment(self) -> None:
        async def then(answer: Answer) -> str:
            text = answer.value.strip()
            amount = read_amount(text) if text else None
            payment = await self.services.payments.record_by_hand(
                self.invoice_id,
                amount,
                received_on=self.services.today(),
                reference=None,
                by=current_operator(),
                reason=answer.reason,
                source="tui",
                currency=written_currency(text) if text else None,
            )
            lang = self.services.ctx.settings.ui.resolved_language()
            over = -still_owed(await self.services.queries.invoice(self.invoice_id))
            if over > 0:  # paid beyond what it owes: the queue's overpaid item says so too
                return _(
                    "payment of {amount} recorded: {over} more than the invoice owed, in the "
                    "attention queue until paid back, kept as credit, or the payment reversed"
                ).format(
                    amount=money(payment.amount, payment.currency, lang),
                    over=money(over, payment.currency, lang),
                )
            return _("payment of {amount} recorded").format(
                amount=money(payment.amount, payment.currency, lang)
            )

        self.ask(
            _("Record a payment received today for this invoice"),
            then,
            asks=_("Amount (empty: all that is owed):"),
        )

    def action_reverse_payment(self) -> None:
        applied = [p[5] for p in (self.detail.payments if self.detail else ()) if p[4] == "applied"]
        if not applied:
            self.notify(_("No payment to reverse on this invoice."), title=_("Reverse a payment"))
            return

        async def then(answer: Answer) -> str:
            wanted = answer.value.strip().lstrip("#")
            if not wanted.isdigit() or int(wanted) not in applied:
                raise ValidationError(
                    _("payment: one of {ids}").format(ids=", ".join(f"#{i}" for i in applied))
                )
            await self.services.payments.reverse(
                int(wanted), by=current_operator(), reason=answer.reason
            )
            return _("payment #{id} reversed").format(id=wanted)

        self.ask(
            _("Reverse a payment: the invoice owes it again"),
            then,
            asks=_("The payment's #N:"),
            value=f"#{applied[-1]}",
        )

    def action_dispute(self) -> None:
        disputed = self.detail is not None and self.detail.disputed is not None

        async def then(answer: Answer) -> str:
            await self.services.dispute(
                self.invoice_id, by=current_operator(), reason=answer.reason, close=disputed
            )
            return _("dispute closed") if disputed else _("in dispute")

        title = (
            _("Close the dispute: reminders go out again")
            if disputed
            else _("Mark this invoice in dispute: no reminders until it is closed")
        )
        self.ask(title, then)

    def action_set_due_date(self) -> None:
        async def then(answer: Answer) -> str:
            try:
                due = date.fromisoformat(answer.value.strip())
            except ValueError:
                raise ValidationError(
                    _("{on} is not a YYYY-MM-DD date").format(on=answer.value.strip())
                ) from None
            invoice = await self.services.set_due_date(
                self.invoice_id, due, by=current_operator(), reason=answer.reason
            )
            lang = self.services.ctx.settings.ui.resolved_language()
            return _("invoice {number}: due {day}").format(
                number=invoice.number, day=day(due, lang)
            )

        current = self.detail.row.due_date if self.detail is not None else None
        self.ask(
            _("Set the day this invoice is due: reminders count the days from it"),
            then,
            asks=_("The day payment is due, YYYY-MM-DD"),
            value=current.isoformat() if current else "",
        )
