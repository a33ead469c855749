"""Messages not yet sent follow what becomes of the address they are for: a customer's new
invoice address takes them (:func:`follow_new_address`); an address a hard bounce marks
undeliverable, or a copy address removed, gets none (:func:`stop_unsent`).

When a person (or a customer file, or the customer's answer to a request) changes the
invoice address, an invoice or a reminder queued for the address just retired, or deferred
there after a refusal (a greylisting server, a full mailbox, a host that does not answer),
would keep trying it for days and expire, or reach a mailbox the customer no longer reads.
Each such message not yet handed to the relay is cancelled (by a conditional update: a
worker's claim made meanwhile wins) and queued again to the new address, due now, both
events saying who changed the address and why. A message being handed to the relay at that
moment, or an invoice already on its way to the new address (a copy sent there), is left as
it is and named, so nothing arrives twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.event_words import event_text
from daemon.domain.i18n import _, joined
from daemon.domain.labels import state_label
from daemon.domain.models import (
    CustomerAddress,
    Delivery,
    DeliveryKind,
    Invoice,
    ReminderRun,
)
from daemon.domain.states import DeliveryState
from daemon.outbound.planning import (
    cancel_one,
    never_planned,
    queue_delivery,
    refresh_invoice_state,
)

log = logging.getLogger(__name__)

_NOT_YET_SENT = (DeliveryState.QUEUED.value, DeliveryState.DEFERRED.value)
_ON_ITS_WAY = (
    DeliveryState.QUEUED.value,
    DeliveryState.SENDING.value,
    DeliveryState.DEFERRED.value,
)
_REACHED = (DeliveryState.ACCEPTED.value, DeliveryState.DELIVERED.value)
_FOLLOWS = (DeliveryKind.INVOICE.value, DeliveryKind.REMINDER.value)


@dataclass
class Followed:
    """What an address change did to messages on their way: those that now go to the new
    address, and those left going to the old one, with why (each said for a person)."""

    moved: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def said(self) -> str:
        """One sentence for a person ("" when nothing was on its way)."""
        parts = []
        if self.moved:
            parts.append(
                _("not yet sent, now going there instead: {what}").format(
                    what=", ".join(self.moved)
                )
            )
        if self.left:
            parts.append(_("still going to the old address: {what}").format(what=joined(self.left)))
        return joined(parts)


async def follow_new_address(
    session: AsyncSession,
    retired: Sequence[CustomerAddress],
    new: CustomerAddress,
    *,
    sender_address: str,
    by: str,
    why: str,
) -> Followed:
    """In ``session``: move the invoices and reminders not yet handed to the relay for the
    ``retired`` invoice addresses to ``new`` (see the module's note)."""
    done = Followed()
    retired_ids = [a.id for a in retired if a.id is not None and a.id != new.id]
    if not retired_ids:
        return done
    on_the_way = (
        await session.exec(
            select(Delivery, Invoice.number)
            .join(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
            .where(
                col(Delivery.address_id).in_(retired_ids),
                col(Delivery.kind).in_(_FOLLOWS),
                col(Delivery.state).in_(_ON_ITS_WAY),
            )
            .order_by(col(Delivery.id))
        )
    ).all()
    for delivery, number in on_the_way:
        what = _what(delivery, number)
        if delivery.state == DeliveryState.SENDING.value:
            done.left.append(_("{what}: being handed to the relay now").format(what=what))
            continue
        there = await _already_there(session, delivery, new.email)
        if there is not None:
            done.left.append(
                _("{what}: already on its way to {email} (delivery #{id}, {state})").format(
                    what=what, email=new.email, id=there.id, state=state_label(there.state)
                )
            )
            continue
        left = event_text("address_left", new=new.email, by=by, why=why)
        if not await cancel_one(session, delivery, left):
            done.left.append(_("{what}: being handed to the relay now").format(what=what))
            continue
        await _queue_again(session, delivery, new, sender_address, by, why)
        done.moved.append(what)
    if done.moved:
        log.info("%d message(s) on their way follow the new invoice address", len(done.moved))
    return done


def _what(delivery: Delivery, number: str) -> str:
    if delivery.kind == DeliveryKind.REMINDER.value:
        return _("reminder level {level} ({number})").format(
            level=delivery.reminder_level, number=number
        )
    return _("invoice {number}").format(number=number)


async def _already_there(session: AsyncSession, delivery: Delivery, email: str) -> Delivery | None:
    """A message of the same invoice (a copy, say) on its way to or accepted at ``email``
    (an invoice sent there again would arrive twice; a reminder is its own message)."""
    if delivery.kind != DeliveryKind.INVOICE.value:
        return None
    return (
        await session.exec(
            select(Delivery).where(
                Delivery.invoice_id == delivery.invoice_id,
                col(Delivery.kind).in_([DeliveryKind.INVOICE.value, DeliveryKind.COPY.value]),
                func.lower(Delivery.recipient) == email.lower(),
                col(Delivery.state).in_(_ON_ITS_WAY + _REACHED),
            )
        )
    ).first()


async def stop_unsent(
    session: AsyncSession,
    address: CustomerAddress,
    text: str,
    kinds: tuple[DeliveryKind, ...] = tuple(DeliveryKind),
) -> list[str]:
    """Cancel the messages (of ``kinds``) not yet handed to the relay for ``address``: a
    copy address removed (the customer asked that it get no more), or an address a hard
    bounce just marked undeliverable (nothing more goes to an address known to bounce). An
    invoice left with no message on its way waits for a person, and goes out once a working
    address is set or this one is marked deliverable again (``queue_waiting_invoices``); a
    reminder's level is to be sent again then. What was stopped, each said for a person."""
    pending = (
        await session.exec(
            select(Delivery, Invoice.number)
            .join(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
            .where(
                Delivery.address_id == address.id,
                col(Delivery.kind).in_([k.value for k in kinds]),
                col(Delivery.state).in_(_NOT_YET_SENT),
            )
            .order_by(col(Delivery.id))
        )
    ).all()
    stopped = []
    for delivery, number in pending:
        if not await cancel_one(session, delivery, text):
            continue  # claimed by a worker meanwhile: its outcome says what became of it
        stopped.append(_what(delivery, number))
        if delivery.kind == DeliveryKind.REMINDER.value:
            await session.exec(  # type: ignore[call-overload]
                delete(ReminderRun).where(col(ReminderRun.delivery_id) == delivery.id)
            )
        elif delivery.kind == DeliveryKind.INVOICE.value:
            waits = await never_planned(session, delivery.invoice_id)
            await refresh_invoice_state(session, delivery.invoice_id, attention=waits)
    return stopped


async def _queue_again(
    session: AsyncSession,
    old: Delivery,
    new: CustomerAddress,
    sender_address: str,
    by: str,
    why: str,
) -> None:
    """The same message, due now, to ``new``; a reminder keeps the invoices it reminds."""
    delivery = await queue_delivery(
        session,
        invoice_id=old.invoice_id,
        address_id=new.id,
        recipient=new.email,
        kind=DeliveryKind(old.kind),
        sender_address=sender_address,
        text=event_text("address_followed", old=old.recipient, by=by, why=why, delivery=old.id),
        reminder_level=old.reminder_level,
    )
    if old.kind == DeliveryKind.REMINDER.value:
        await session.exec(  # type: ignore[call-overload]
            update(ReminderRun)
            .where(col(ReminderRun.delivery_id) == old.id)
            .values(delivery_id=delivery.id)
            .execution_options(synchronize_session=False)
        )
    else:
        await refresh_invoice_state(session, old.invoice_id)
