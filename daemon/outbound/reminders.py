"""Payment reminders: each level once per invoice, never to an address known to bounce."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from config import Settings
from daemon.domain.identity import DocumentKind
from daemon.domain.models import (
    OWED,
    AddressRole,
    CustomerAddress,
    Delivery,
    DeliveryKind,
    Invoice,
    ReminderRun,
)
from daemon.domain.states import SET_ASIDE, DeliveryState
from daemon.outbound.planning import queue_delivery
from daemon.store.db import SessionFactory, transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReminderReport:
    queued: int
    skipped_undeliverable: int


def reached_level(days_overdue: int, levels_days: list[int]) -> int:
    """The highest reminder level whose day count has been reached (0 when none)."""
    return sum(1 for d in levels_days if days_overdue >= d)


class ReminderService:
    def __init__(self, sessions: SessionFactory, settings: Settings):
        self.sessions = sessions
        self.settings = settings

    async def run(self, today: date | None = None) -> ReminderReport:
        today = today or date.today()
        levels = self.settings.reminders.levels_days
        queued = skipped = 0
        if not self.settings.reminders.enabled or not levels:
            return ReminderReport(0, 0)
        async with transaction(self.sessions) as session:
            overdue = (
                await session.exec(
                    select(Invoice).where(
                        col(Invoice.payment_state).in_(OWED),
                        Invoice.document_kind == DocumentKind.INVOICE.value,
                        col(Invoice.state).not_in([s.value for s in SET_ASIDE]),
                        col(Invoice.due_date).is_not(None),
                        col(Invoice.due_date) < today,
                        col(Invoice.customer_id).is_not(None),
                    )
                )
            ).all()
            for invoice in overdue:
                assert invoice.due_date is not None and invoice.id is not None
                level = reached_level((today - invoice.due_date).days, levels)
                if level == 0:
                    continue
                done = set(
                    (
                        await session.exec(
                            select(ReminderRun.level).where(ReminderRun.invoice_id == invoice.id)
                        )
                    ).all()
                )
                if level in done:
                    continue
                sent_ok = (
                    await session.exec(
                        select(Delivery.id).where(
                            Delivery.invoice_id == invoice.id,
                            Delivery.kind == DeliveryKind.INVOICE.value,
                            col(Delivery.state).in_(
                                [DeliveryState.ACCEPTED.value, DeliveryState.DELIVERED.value]
                            ),
                        )
                    )
                ).first()
                if sent_ok is None:
                    continue  # the invoice itself never reached the customer: no reminder
                address = (
                    await session.exec(
                        select(CustomerAddress)
                        .where(
                            CustomerAddress.customer_id == invoice.customer_id,
                            CustomerAddress.role == AddressRole.INVOICE_TO,
                            col(CustomerAddress.active).is_(True),
                            col(CustomerAddress.undeliverable).is_(False),
                        )
                        .order_by(col(CustomerAddress.central_mailbox).desc())
                    )
                ).first()
                if address is None:
                    skipped += 1
                    log.warning(
                        "invoice %s: reminder %s not sent, no deliverable address",
                        invoice.number,
                        level,
                    )
                    continue
                delivery = await queue_delivery(
                    session,
                    invoice_id=invoice.id,
                    address_id=address.id,
                    recipient=address.email,
                    kind=DeliveryKind.REMINDER,
                    sender_address=self.settings.sender.address,
                    text=f"payment reminder level {level}",
                    reminder_level=level,
                )
                for lower in range(1, level + 1):
                    if lower not in done:
                        session.add(
                            ReminderRun(
                                invoice_id=invoice.id,
                                level=lower,
                                delivery_id=delivery.id if lower == level else None,
                                superseded=lower != level,
                            )
                        )
                queued += 1
        return ReminderReport(queued, skipped)
