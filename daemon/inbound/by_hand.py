"""An inbound message a person ties to an invoice: one the reader could not tie (unrecognized)
or set aside (quarantined). The tie is recorded with who and why, what the message says is
applied to the invoice's delivery as if it had been tied on arrival, and the item leaves the
attention queue with that record."""

from __future__ import annotations

import json

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bounce_parser.model import Classification, Kind
from config import Settings
from daemon.domain.attention import AttentionKind
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.i18n import _
from daemon.domain.models import (
    AttentionResolution,
    Delivery,
    DeliveryKind,
    InboundMessage,
    Invoice,
)
from daemon.inbound.effects import Effects
from daemon.store.db import SessionFactory, transaction
from mailer.addresses import comparable

TIED_BY_HAND = (AttentionKind.UNRECOGNIZED, AttentionKind.QUARANTINED)


async def tie_by_hand(
    sessions: SessionFactory,
    settings: Settings,
    effects: Effects,
    inbound_id: int,
    invoice: Invoice,
    *,
    by: str,
    reason: str,
) -> Delivery:
    """Tie inbound message ``inbound_id`` to ``invoice`` and apply it with ``effects`` (the
    bounce reader's own); the delivery it now belongs to."""
    if not reason.strip():
        raise ValidationError(_("reason: say why the message is about this invoice"))
    imap = settings.imap
    kinds = {
        imap.unrecognized_folder: AttentionKind.UNRECOGNIZED,
        imap.quarantine_folder: AttentionKind.QUARANTINED,
    }
    async with transaction(sessions) as session:
        inbound = await session.get(InboundMessage, inbound_id)
        if inbound is None:
            raise NotFoundError(_("no inbound message #{inbound_id}").format(inbound_id=inbound_id))
        kind = kinds.get(inbound.disposition)
        if inbound.delivery_id is not None:
            how = inbound.evidence or "on arrival"
            raise ValidationError(
                _("inbound message #{inbound_id} is tied already ({how})").format(
                    inbound_id=inbound_id, how=how
                )
            )
        if kind is None:
            raise ValidationError(
                _(
                    "inbound message #{id} was filed as {disposition}: only an unrecognized "
                    "or quarantined message is tied by hand"
                ).format(id=inbound_id, disposition=repr(inbound.disposition))
            )
        done = await session.exec(
            select(AttentionResolution).where(
                AttentionResolution.kind == kind.value, AttentionResolution.ref == inbound_id
            )
        )
        if done.first() is not None:
            raise ValidationError(
                _("{kind} item #{ref} was dealt with already").format(
                    kind=kind.value, ref=inbound_id
                )
            )
        c = Classification.from_dict(json.loads(inbound.classification))
        delivery = await _delivery_for(session, invoice, c)
        evidence = f"by hand ({by}): {reason.strip()}"
        inbound.delivery_id, inbound.evidence = delivery.id, evidence
        session.add(inbound)
        if c.kind != Kind.UNKNOWN:
            await effects.apply(session, delivery, c, inbound, evidence, by_hand=True)
        session.add(
            AttentionResolution(
                kind=kind.value,
                ref=inbound_id,
                resolved_by=by,
                how=f"tied to invoice {invoice.number} (#{invoice.id}): {reason.strip()}",
            )
        )
    return delivery


async def _delivery_for(session: AsyncSession, invoice: Invoice, c: Classification) -> Delivery:
    """The invoice's delivery the message is about: the newest one to a recipient it names,
    else the newest to the invoice address."""
    deliveries = (
        await session.exec(
            select(Delivery)
            .where(Delivery.invoice_id == invoice.id)
            .order_by(col(Delivery.id).desc())
        )
    ).all()
    if not deliveries:
        raise ValidationError(
            _("invoice {number} has not been sent yet: there is nothing to tie to").format(
                number=invoice.number
            )
        )
    named = {comparable(r.address) for r in c.recipients}
    for d in deliveries:
        if comparable(d.recipient) in named:
            return d
    for d in deliveries:
        if d.kind == DeliveryKind.INVOICE.value:
            return d
    return deliveries[0]
