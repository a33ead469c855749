"""What is recorded of each message read from the bounce mailbox: its row, and whether it, or
the notice it carries, was handled before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bounce_parser import Classification, Kind
from daemon.domain.fields import as_plain_text
from daemon.domain.models import (
    Delivery,
    InboundMessage,
)
from daemon.store.db import SessionFactory


async def seen_before(
    sessions: SessionFactory, mailbox: str, uidvalidity: int, uid: int, raw: bytes
) -> str | None:
    """The folder of this message if it was handled before, else None.

    Known by its UID, or, after a UIDVALIDITY change renumbered the mailbox, by its bytes.
    """
    sha = hashlib.sha256(raw).hexdigest()
    async with sessions() as session:
        row = (
            await session.exec(
                select(InboundMessage.disposition)
                .where(
                    InboundMessage.mailbox == mailbox,
                    or_(
                        and_(
                            col(InboundMessage.uidvalidity) == uidvalidity,
                            col(InboundMessage.uid) == uid,
                        ),
                        col(InboundMessage.raw_sha256) == sha,
                    ),
                )
                .limit(1)
            )
        ).first()
    return row


async def applied_before(session: AsyncSession, key: str) -> int | None:
    """The inbound message that already applied the notice ``key``, if one did."""
    return (
        await session.exec(
            select(InboundMessage.id)
            .where(
                InboundMessage.notice_key == key,
                col(InboundMessage.delivery_id).is_not(None),
            )
            .order_by(col(InboundMessage.id))
            .limit(1)
        )
    ).first()


@dataclass(frozen=True)
class Arrival:
    """A message read from a mailbox: where it is, and the bytes kept as received."""

    mailbox: str
    uidvalidity: int
    uid: int
    sha256: str
    size: int


def inbound_record(
    arrival: Arrival,
    c: Classification | None,
    delivery: Delivery | None,
    evidence: str | None,
    folder: str,
    note: str | None = None,
    suggestion: str | None = None,
) -> InboundMessage:
    """The row recorded for a message read (its classification as JSON, the customer's own
    words as plain text where a person must read them)."""
    data = c.to_dict() if c is not None else {"kind": "unknown"}
    if note:
        data["quarantine_reason"] = note
    if suggestion:
        data["suggestion"] = suggestion
    return InboundMessage(
        mailbox=arrival.mailbox,
        uidvalidity=arrival.uidvalidity,
        uid=arrival.uid,
        message_id=None,
        subject=(as_plain_text(c.subject, 500) if c and c.subject else None),
        from_address=(c.from_address if c else None),
        raw_sha256=arrival.sha256,
        size=arrival.size,
        kind=str(c.kind) if c else "unknown",
        classification=json.dumps(data, default=str),
        delivery_id=delivery.id if delivery else None,
        evidence=evidence,
        disposition=folder,
        customer_message=(
            as_plain_text(c.excerpt, lines=True)
            if c is not None and (c.kind == Kind.HUMAN or says_address_abandoned(c)) and c.excerpt
            else None
        ),
    )


def says_address_abandoned(c: Classification) -> bool:
    """An auto-reply saying its address is no longer read (``Classification.no_longer_read``)."""
    return c.kind == Kind.AUTOREPLY and c.no_longer_read
