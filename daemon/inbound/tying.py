"""Tying a classified inbound message to the delivery it is about.

Evidence, strongest first: the signed VERP return path; facturier's delivery token (the
X-Facturier-Delivery header in the returned message, or the DSN's Original-Envelope-Id);
the original Message-ID; the In-Reply-To/References of a reply; then the recipient of a
recent delivery ("inferred"). A VERP token whose signature is wrong, with nothing else to
tie the message, is quarantined as possibly forged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bounce_parser import Classification, Kind, RecipientResult
from daemon.domain.models import Delivery, utcnow
from daemon.domain.verp import find_verp

INFERENCE_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class Verp:
    return_path: str
    key: bytes


@dataclass(frozen=True)
class Tie:
    delivery: Delivery | None
    evidence: str | None
    quarantine: str | None = None
    """Why the message must not be applied (a forged VERP signature, …)."""


REPORT_KINDS = (Kind.BOUNCE, Kind.DELIVERY_REPORT, Kind.FEEDBACK)


async def _by_token(session: AsyncSession, token: str) -> Delivery | None:
    return (await session.exec(select(Delivery).where(Delivery.token == token))).first()


async def tie(session: AsyncSession, c: Classification, verp: Verp | None = None) -> Tie:
    """The delivery a classified message is about, with the evidence that tied it."""
    forged = False
    if verp is not None:
        match = find_verp(c.addressed_to, verp.return_path, verp.key)
        if match is not None and match.valid:
            found = await _by_token(session, match.token)
            if found is not None:
                return Tie(found, "verp")
        forged = match is not None and not match.valid
    for token, evidence in ((c.facturier_token, "token-header"), (c.original_envelope_id, "envid")):
        if token:
            found = await _by_token(session, token)
            if found is not None:
                return Tie(found, evidence)
    for mid, evidence in (
        (c.original_message_id, "message-id"),
        (c.in_reply_to, "in-reply-to"),
        *((ref, "references") for ref in reversed(c.references)),
    ):
        if mid:
            found = (await session.exec(select(Delivery).where(Delivery.message_id == mid))).first()
            if found is not None:
                return Tie(found, evidence)
    if forged and c.kind in REPORT_KINDS:
        return Tie(
            None,
            None,
            "return path carries a VERP token whose signature is wrong, and "
            "nothing else ties it to a delivery: possibly forged",
        )
    if (
        not forged
        and c.kind in (Kind.BOUNCE, Kind.DELIVERY_REPORT, Kind.AUTOREPLY)
        and c.recipients
    ):
        address = c.recipients[0].address.lower()
        found = (
            await session.exec(
                select(Delivery)
                .where(
                    Delivery.recipient == address,
                    col(Delivery.updated_at) >= utcnow() - INFERENCE_WINDOW,
                )
                .order_by(col(Delivery.id).desc())
            )
        ).first()
        if found is not None:
            return Tie(found, "inferred:recipient+time")
    return Tie(None, None)


def recipient_for(delivery: Delivery, c: Classification) -> RecipientResult | None:
    for r in c.recipients:
        if r.address.lower() == delivery.recipient.lower():
            return r
    return c.recipients[0] if c.recipients else None
