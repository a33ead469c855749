"""An invoice withdrawn by a person before it reached the customer: imported by mistake (the
wrong folder, a test file, one another system sends), or cancelled by its seller before it
went. Its messages not yet handed to the relay are cancelled, it is never sent, reminded or
counted as owed, and it stays recorded with who withdrew it, when and why.

An invoice that reached the customer (a message accepted by its server) is not withdrawn:
an invoice issued is cancelled by a credit note (EN 16931 BT-3 381, linked to it by BT-25
when imported), never by deleting it. One with payments recorded is not either: its
payments are reversed first.
"""

from __future__ import annotations

import logging

from sqlmodel import col, select

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.i18n import _
from daemon.domain.labels import state_label
from daemon.domain.models import Delivery, DeliveryKind, Invoice
from daemon.domain.states import SET_ASIDE_VALUES, DeliveryState, InvoiceNote, InvoiceState
from daemon.intake.owed import note
from daemon.outbound.planning import cancel_unsent
from daemon.store.db import SessionFactory, transaction
from daemon.store.rows import moved, take_row

log = logging.getLogger(__name__)

_REACHED = (DeliveryState.ACCEPTED.value, DeliveryState.DELIVERED.value)


async def withdraw(sessions: SessionFactory, invoice_id: int, *, by: str, reason: str) -> int:
    """Withdraw the invoice (see the module's note); how many unsent messages were
    cancelled."""
    if not reason.strip():
        raise ValidationError(_("reason: say why the invoice is withdrawn"))
    async with transaction(sessions) as session:
        # the invoice's row first: a re-send or a decision at the same time waits for this
        await take_row(session, Invoice, invoice_id)
        invoice = await session.get(Invoice, invoice_id)
        if invoice is None:
            raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=invoice_id))
        if invoice.state in SET_ASIDE_VALUES:
            raise ValidationError(
                _("invoice {number} is {state} already: nothing goes out for it").format(
                    number=invoice.number, state=state_label(invoice.state)
                )
            )
        reached = (
            await session.exec(
                select(Delivery)
                .where(
                    Delivery.invoice_id == invoice_id,
                    col(Delivery.kind).in_([DeliveryKind.INVOICE.value, DeliveryKind.COPY.value]),
                    col(Delivery.state).in_(_REACHED),
                )
                .order_by(col(Delivery.id))
            )
        ).first()
        if reached is not None or invoice.state == InvoiceState.POSTED.value:
            to = reached.recipient if reached is not None else _("the customer, on paper")
            raise ValidationError(
                _(
                    "invoice {number} reached {to} already: an invoice issued is cancelled by "
                    "a credit note; import it (it is linked to the invoice it corrects)"
                ).format(number=invoice.number, to=to)
            )
        if invoice.amount_paid > 0:
            raise ValidationError(
                _(
                    "invoice {number} has payments recorded: reverse them first "
                    "(payments reverse), then withdraw it"
                ).format(number=invoice.number)
            )
        cancelled, in_flight = await cancel_unsent(
            session, invoice_id, f"withdrawn by {by}: {reason}"
        )
        if in_flight:
            raise ValidationError(
                _(
                    "invoice {number}: a message of it is being handed to the relay now; "
                    "see what became of it (status {number}), then try again"
                ).format(number=invoice.number)
            )
        if not await moved(
            session,
            Invoice,
            invoice_id,
            "state",
            [invoice.state],
            state=InvoiceState.WITHDRAWN.value,
        ):
            raise ValidationError(
                _("invoice {number} changed meanwhile: look at it again").format(
                    number=invoice.number
                )
            )
        note(session, invoice_id, InvoiceNote.WITHDRAWN_BY_HAND, by=by, reason=reason)
    log.info("invoice %s withdrawn by %s: %s", invoice.number, by, reason)
    return cancelled
