"""What a tied inbound message does to its delivery, its invoice and the address.

Success report → ``delivered``; hard bounce → ``bounced`` and the address marked
undeliverable (logged in the address-change log); spam, policy and other refusals that a
person must look at → ``bounced`` and the invoice needs attention, with a hint; soft
bounce → a new delivery after the retry policy's back-off, up to its limit; delay report,
auto-reply, read receipt, reply → noted; complaint → noted, and the invoice needs
attention.
"""

from __future__ import annotations

import logging

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bounce_parser import Classification, Kind, RecipientResult
from daemon.domain.event_words import (
    AUTH_FAILURE,
    DELAYED,
    DELIVERED,
    HARD,
    HINTS,
    NOT_SPAM,
    SOFT,
    event_text,
    hinted,
    reason_text,
)
from daemon.domain.event_words import tied as tied_by
from daemon.domain.fields import as_plain_text
from daemon.domain.models import (
    AddressChange,
    CustomerAddress,
    Delivery,
    DeliveryKind,
    InboundMessage,
    utcnow,
)
from daemon.domain.retry import RetryPolicy
from daemon.domain.states import DeliveryState, EventKind
from daemon.inbound.tying import recipient_for
from daemon.outbound.address_moves import stop_unsent
from daemon.outbound.planning import queue_delivery, record, refresh_invoice_state
from daemon.store.ledger import chain_address_change

log = logging.getLogger(__name__)

ATTENTION_REASONS = HINTS  # a refusal no retry fixes: a person acts on it


# a read receipt's disposition (RFC 8098 3.2.6) to the words it is noted in: only
# "displayed" says the invoice was read
_READ_RECEIPT_FORMS = {
    "deleted": "read_receipt_deleted",
    "dispatched": "read_receipt_unread",
    "processed": "read_receipt_unread",
    "denied": "read_receipt_withheld",
    "failed": "read_receipt_withheld",
}


def _note_of(c: Classification, r: RecipientResult | None) -> tuple[EventKind, str]:
    """The event and text that note an auto-reply, read receipt, reply or complaint."""
    if c.kind == Kind.AUTOREPLY:
        subject = as_plain_text(c.subject or "", 300)
        if c.no_longer_read and c.moved_to:
            addresses = as_plain_text(", ".join(c.moved_to), 500)
            return EventKind.AUTOREPLY, event_text(
                "auto_reply_moved", subject=subject, addresses=addresses
            )
        if c.no_longer_read:
            return EventKind.AUTOREPLY, event_text("auto_reply_abandoned", subject=subject)
        if c.autoreply_until:
            until = as_plain_text(c.autoreply_until)
            return EventKind.AUTOREPLY, event_text("auto_reply_until", subject=subject, day=until)
        return EventKind.AUTOREPLY, event_text("auto_reply", subject=subject)
    if c.kind == Kind.READ_RECEIPT:
        said = as_plain_text(r.diagnostic or "") if r else ""
        form = _READ_RECEIPT_FORMS.get((r.reason or "") if r else "", "read_receipt")
        return EventKind.READ, event_text(form, said=said)
    if c.kind == Kind.HUMAN:
        said = as_plain_text(c.excerpt or "", 300)
        return EventKind.REPLY, event_text("customer_replied", sender=c.from_address, said=said)
    if c.feedback_type == "opt-out" and c.kind == Kind.FEEDBACK and c.from_address:
        return EventKind.COMPLAINT, event_text("unsubscribe", sender=c.from_address)
    if c.feedback_type == "not-spam":  # RFC 6430: the recipient took it out of the spam folder
        return EventKind.COMPLAINT, NOT_SPAM
    if c.feedback_type == "auth-failure":  # RFC 6591: SPF, DKIM or DMARC failed there
        return EventKind.COMPLAINT, AUTH_FAILURE
    return EventKind.COMPLAINT, event_text("complaint", kind=c.feedback_type or "abuse")


class Effects:
    def __init__(self, policy: RetryPolicy, sender_address: str):
        self.policy = policy
        self.sender_address = sender_address

    async def apply(
        self,
        session: AsyncSession,
        delivery: Delivery,
        c: Classification,
        inbound: InboundMessage,
        evidence: str,
        *,
        by_hand: bool = False,
    ) -> None:
        """What ``c`` says, applied to ``delivery``. A report that names another recipient
        says nothing of this one, unless a person tied it (``by_hand``): then its first."""
        r = recipient_for(delivery, c)
        if r is None and by_hand and c.recipients:
            r = c.recipients[0]
        mid = inbound.id
        tied = tied_by(evidence)
        attention = False
        if c.kind == Kind.DELIVERY_REPORT:
            await record(
                session,
                delivery,
                EventKind.DELIVERED,
                state=DeliveryState.DELIVERED,
                status=r.status if r else None,
                text=as_plain_text((r.diagnostic if r else None) or DELIVERED) + tied,
                inbound_message_id=mid,
            )
        elif c.kind in (Kind.AUTOREPLY, Kind.READ_RECEIPT, Kind.HUMAN, Kind.FEEDBACK):
            # noted on the delivery without changing its state; a complaint needs attention,
            # a report that the recipient marked it as not spam does not
            attention = c.kind == Kind.FEEDBACK and c.feedback_type != "not-spam"
            event, text = _note_of(c, r)
            await record(session, delivery, event, text=text + tied, inbound_message_id=mid)
        elif c.kind == Kind.BOUNCE and r is not None:
            attention = await self._apply_bounce(session, delivery, r, inbound, tied)
        await refresh_invoice_state(session, delivery.invoice_id, attention=attention)

    async def _apply_bounce(
        self,
        session: AsyncSession,
        delivery: Delivery,
        r: RecipientResult,
        inbound: InboundMessage,
        tied: str,
    ) -> bool:
        diag = reason_text(r.reason, as_plain_text(r.diagnostic or ""))
        if r.action == "delayed":
            await record(
                session,
                delivery,
                EventKind.DELAYED,
                text=f"{DELAYED}: {diag}{tied}",
                inbound_message_id=inbound.id,
                smtp_code=r.reply_code,
                status=r.status,
            )
            return False
        if r.hard:
            await record(
                session,
                delivery,
                EventKind.BOUNCED,
                state=DeliveryState.BOUNCED,
                text=f"{HARD} — {diag}{tied}",
                inbound_message_id=inbound.id,
                smtp_code=r.reply_code,
                status=r.status,
            )
            await self._mark_undeliverable(session, delivery, r, inbound)
            return False
        if r.reason in ATTENTION_REASONS:
            await record(
                session,
                delivery,
                EventKind.BOUNCED,
                state=DeliveryState.BOUNCED,
                text=hinted(diag, r.reason) + tied,
                inbound_message_id=inbound.id,
                smtp_code=r.reply_code,
                status=r.status,
            )
            return True
        await record(
            session,
            delivery,
            EventKind.BOUNCED,
            state=DeliveryState.BOUNCED,
            text=f"{SOFT} — {diag}{tied}",
            inbound_message_id=inbound.id,
            smtp_code=r.reply_code,
            status=r.status,
        )
        await self._retry_after_soft_bounce(session, delivery)
        return False

    async def _mark_undeliverable(
        self, session: AsyncSession, delivery: Delivery, r: RecipientResult, inbound: InboundMessage
    ) -> None:
        if delivery.address_id is None:
            return
        address = await session.get(CustomerAddress, delivery.address_id)
        if address is None or address.undeliverable:
            return
        address.undeliverable = True
        address.undeliverable_reason = (
            f"{r.status or ''} {r.reason or ''}: {as_plain_text(r.diagnostic or '', 200)}".strip()
        )
        session.add(address)
        await chain_address_change(
            session,
            AddressChange(
                customer_id=address.customer_id,
                address_id=address.id,
                field="undeliverable",
                old_value="false",
                new_value="true",
                changed_by="facturier",
                reason=event_text("address_bounced", status=r.status or "", reason=r.reason),
                source=f"bounce:inbound#{inbound.id}",
            ),
        )
        stopped = await stop_unsent(
            session,
            address,
            event_text("address_bounced_unsent", status=r.status or "", reason=r.reason),
        )
        if stopped:
            log.info(
                "%s marked undeliverable: not sent to it: %s", address.email, ", ".join(stopped)
            )

    async def _retry_after_soft_bounce(self, session: AsyncSession, delivery: Delivery) -> None:
        attempts = (
            await session.exec(
                select(Delivery).where(
                    Delivery.invoice_id == delivery.invoice_id,
                    Delivery.recipient == delivery.recipient,
                    Delivery.kind == delivery.kind,
                    Delivery.reminder_level == delivery.reminder_level,
                )
            )
        ).all()
        retry_at = self.policy.after_soft_bounce(len(attempts), utcnow())
        if retry_at is None:
            await record(
                session,
                delivery,
                EventKind.GAVE_UP,
                text=f"{len(attempts)} attempts bounced; no further retry",
            )
            return
        assert delivery.id is not None
        await queue_delivery(
            session,
            invoice_id=delivery.invoice_id,
            address_id=delivery.address_id,
            recipient=delivery.recipient,
            kind=DeliveryKind(delivery.kind),
            sender_address=self.sender_address,
            event=EventKind.DEFERRED,
            text=event_text(
                "soft_bounce_retry",
                n=len(attempts) + 1,
                delivery=delivery.id,
                at=f"{retry_at:%Y-%m-%d %H:%M}",
            ),
            reminder_level=delivery.reminder_level,
            not_before=retry_at,
        )
