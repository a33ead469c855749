"""An invoice the customer disputes: marked with the reason, reminded no more until a person
closes the dispute; both recorded on the invoice (who, when, why)."""

from __future__ import annotations

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.i18n import _
from daemon.domain.models import Invoice, utcnow
from daemon.domain.states import InvoiceNote
from daemon.intake.owed import note
from daemon.store.db import SessionFactory, transaction


async def set_dispute(
    sessions: SessionFactory, invoice_id: int, *, open_: bool, by: str, reason: str
) -> Invoice:
    """Open (``open_``) or close the dispute of an invoice, with why."""
    if not reason.strip():
        raise ValidationError(_("reason: say what the customer disputes, or how it was settled"))
    async with transaction(sessions) as session:
        invoice = await session.get(Invoice, invoice_id)
        if invoice is None:
            raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=invoice_id))
        if open_ and invoice.disputed_at is not None:
            raise ValidationError(
                _("invoice {number} is in dispute already: {reason}").format(
                    number=invoice.number, reason=invoice.dispute_reason
                )
            )
        if not open_ and invoice.disputed_at is None:
            raise ValidationError(
                _("invoice {number} is not in dispute").format(number=invoice.number)
            )
        invoice.disputed_at = utcnow() if open_ else None
        invoice.dispute_reason = reason if open_ else None
        session.add(invoice)
        note(
            session,
            invoice_id,
            InvoiceNote.DISPUTE_OPENED if open_ else InvoiceNote.DISPUTE_CLOSED,
            by=by,
            reason=reason,
        )
        return invoice
