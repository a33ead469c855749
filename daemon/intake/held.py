"""A person's decision takes an invoice out of a hold (a possible duplicate, amounts to
check, a customer to choose) by a conditional update: of two people deciding about one
invoice at the same moment, one decision is applied and the other is refused, saying so.
Both were applied: both people were told it was done, and with one sending and the other
discarding, the invoice was recorded discarded while its message went out."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import ValidationError
from daemon.domain.i18n import _
from daemon.domain.models import Invoice
from daemon.domain.states import InvoiceState
from daemon.store.rows import moved


async def release(
    session: AsyncSession,
    invoice: Invoice,
    held: InvoiceState,
    to: InvoiceState,
    **values: object,
) -> None:
    """Move ``invoice`` from ``held`` to ``to`` (with the other columns ``values`` set), in
    ``session``'s transaction; refused when another decision moved it first."""
    if not await moved(
        session, Invoice, invoice.id, "state", [held.value], state=to.value, **values
    ):
        raise ValidationError(
            _("invoice {number} (#{id}) was decided meanwhile by someone else").format(
                number=invoice.number, id=invoice.id
            )
        )
    await session.refresh(invoice)
