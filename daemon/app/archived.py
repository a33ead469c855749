"""The message an invoice was sent as, read back from the archive for a person to look at:
its headers, its text, and the names of its attachments."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlmodel import col, select

from daemon.domain.errors import NotFoundError
from daemon.domain.models import ArchiveEntry, Delivery
from daemon.store.db import SessionFactory
from mailer.archive import Archive

HEADERS = ("Date", "From", "To", "Subject", "Message-ID")


@dataclass(frozen=True)
class ArchivedMessage:
    delivery_id: int
    recipient: str
    headers: tuple[tuple[str, str], ...]
    text: str
    attachments: tuple[str, ...]
    sha256: str


async def archived_message(
    sessions: SessionFactory, archive: Archive, invoice_id: int
) -> list[ArchivedMessage]:
    """Every archived message of the invoice, the first sent first (read and checked
    against its hash: an altered copy is an error, never shown)."""
    async with sessions() as session:
        rows = (
            await session.exec(
                select(Delivery, ArchiveEntry)
                .join(ArchiveEntry, col(ArchiveEntry.id) == col(Delivery.archive_entry_id))
                .where(Delivery.invoice_id == invoice_id)
                .order_by(col(Delivery.id))
            )
        ).all()
    if not rows:
        raise NotFoundError(f"invoice #{invoice_id} has no archived message yet")
    found = []
    for delivery, entry in rows:
        raw = await asyncio.to_thread(archive.read, entry.sha256)
        assert delivery.id is not None
        found.append(_read(delivery.id, delivery.recipient, raw, entry.sha256))
    return found


def _read(delivery_id: int, recipient: str, raw: bytes, sha256: str) -> ArchivedMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return ArchivedMessage(
        delivery_id,
        recipient,
        tuple((name, str(msg[name])) for name in HEADERS if msg[name] is not None),
        text[:4000],
        tuple(part.get_filename() or "(no name)" for part in msg.iter_attachments()),
        sha256,
    )
