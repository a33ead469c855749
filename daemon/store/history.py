"""What was sent of an invoice and what became of it, as its screen, `status NUMBER` and its
proof package read it: its deliveries in the order they were made, and their events in the
order they happened."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.models import Delivery, DeliveryEvent


async def delivery_history(
    session: AsyncSession, invoice_id: int
) -> tuple[list[Delivery], list[DeliveryEvent]]:
    """The invoice's deliveries (by id) and all their events (by time, then id)."""
    deliveries = list(
        (
            await session.exec(
                select(Delivery).where(Delivery.invoice_id == invoice_id).order_by(col(Delivery.id))
            )
        ).all()
    )
    ids = [d.id for d in deliveries if d.id is not None]
    if not ids:
        return deliveries, []
    events = (
        await session.exec(
            select(DeliveryEvent)
            .where(col(DeliveryEvent.delivery_id).in_(ids))
            .order_by(col(DeliveryEvent.at), col(DeliveryEvent.id))
        )
    ).all()
    return deliveries, list(events)
