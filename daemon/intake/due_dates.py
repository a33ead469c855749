"""The day an invoice's payment is due, set by a person: for an invoice that states none
(EN 16931's BT-9 is optional: payment terms in words, BT-20, may stand in its place), so that
reminders can count the days; or for terms agreed since. Recorded on the invoice (who, when,
why, the day before and after)."""

from __future__ import annotations

from datetime import date

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.i18n import _
from daemon.domain.models import Invoice
from daemon.domain.states import InvoiceNote
from daemon.intake.owed import note
from daemon.store.db import SessionFactory, transaction


async def set_due_date(
    sessions: SessionFactory, invoice_id: int, due: date, *, by: str, reason: str
) -> Invoice:
    """Make ``due`` the day ``invoice_id`` is due, with why; refused before its issue day."""
    if not reason.strip():
        raise ValidationError(
            _("reason: say where the due date comes from (the invoice's terms, an agreement)")
        )
    async with transaction(sessions) as session:
        invoice = await session.get(Invoice, invoice_id)
        if invoice is None:
            raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=invoice_id))
        if due < invoice.issue_date:
            raise ValidationError(
                _("{due} is before invoice {number}'s issue date, {issued}").format(
                    due=due.isoformat(), number=invoice.number, issued=invoice.issue_date
                )
            )
        if invoice.due_date == due:
            raise ValidationError(
                _("invoice {number} is due on {due} already").format(
                    number=invoice.number, due=due.isoformat()
                )
            )
        was = invoice.due_date.isoformat() if invoice.due_date else "-"
        invoice.due_date = due
        session.add(invoice)
        note(
            session,
            invoice_id,
            InvoiceNote.DUE_DATE_SET,
            by=by,
            reason=f"{was} → {due.isoformat()} — {reason.strip()}",
        )
        return invoice
