"""The message an invoice was sent as, read back from the archive for a person to look at
(its headers, its text, and the names of its attachments), the messages that came back, as
received, and the invoice's PDF written out for a person to print."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from sqlmodel import col, select

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.fields import file_name_part
from daemon.domain.i18n import _
from daemon.domain.models import ArchiveEntry, Delivery, InboundMessage, Invoice, InvoiceEvent
from daemon.domain.states import InvoiceNote
from daemon.store.db import SessionFactory, transaction
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
        invoice = None if rows else await session.get(Invoice, invoice_id)
    if not rows:
        if invoice is None:
            raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=invoice_id))
        raise NotFoundError(
            _("invoice {number} has not been sent yet: it has no archived message").format(
                number=invoice.number
            )
        )
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


ORIGINAL_SHOWN = 64 * 1024
"""How much of an original is shown: its headers and the start of its body, as received."""


@dataclass(frozen=True)
class OriginalMessage:
    """A message read from the bounce mailbox, as it was received."""

    inbound_id: int
    received_at: datetime
    kind: str
    sender: str
    subject: str
    text: str | None
    """The first ``ORIGINAL_SHOWN`` bytes as text (never parsed: a hostile message is shown,
    not interpreted); None when it was received before originals were kept."""
    size: int
    sha256: str


async def original_messages(
    sessions: SessionFactory,
    originals: Archive,
    *,
    inbound_id: int | None = None,
    invoice_id: int | None = None,
) -> list[OriginalMessage]:
    """The inbound message ``inbound_id``, or those tied to invoice ``invoice_id``, as
    received (checked against their hash: an altered copy is an error, never shown)."""
    stmt = select(InboundMessage).order_by(col(InboundMessage.received_at))
    if inbound_id is not None:
        stmt = stmt.where(InboundMessage.id == inbound_id)
    if invoice_id is not None:
        tied = select(Delivery.id).where(Delivery.invoice_id == invoice_id)
        stmt = stmt.where(col(InboundMessage.delivery_id).in_(tied))
    async with sessions() as session:
        found = (await session.exec(stmt)).all()
    if not found:
        raise NotFoundError(
            f"no inbound message #{inbound_id}"
            if inbound_id is not None
            else f"no message came back about invoice #{invoice_id}"
        )
    shown = []
    for m in found:
        assert m.id is not None
        text = None
        if originals.path_for(m.raw_sha256).exists():
            raw = await asyncio.to_thread(originals.read, m.raw_sha256)
            text = raw[:ORIGINAL_SHOWN].decode("utf-8", errors="replace")
        shown.append(
            OriginalMessage(
                m.id,
                m.received_at,
                m.kind,
                m.from_address or "",
                m.subject or "",
                text,
                m.size,
                m.raw_sha256,
            )
        )
    return shown


async def write_invoice_pdf(
    sessions: SessionFactory, store: Archive, invoice_id: int, out: Path, by: str, reason: str
) -> Path:
    """Write the invoice's PDF as a person prints it (to post it to a customer on paper):
    the readable PDF made from a CII or UBL invoice, else the Factur-X PDF as imported, its
    bytes checked against their hash; into the folder ``out`` (made if need be) under its
    own name, or as the file ``out``; never over a file. Who wrote it and why is noted on
    the invoice."""
    async with sessions() as session:
        invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=invoice_id))
    if invoice.readable_sha256 and invoice.readable_name:
        name, sha256 = invoice.readable_name, invoice.readable_sha256
    elif invoice.file_name.lower().endswith(".pdf"):
        name, sha256 = invoice.file_name, invoice.file_sha256
    else:
        raise NotFoundError(
            _("invoice {number} has no PDF: its file {name} is XML only").format(
                number=invoice.number, name=invoice.file_name
            )
        )
    data = await asyncio.to_thread(store.read, sha256)
    path = await asyncio.to_thread(_write_new, out, file_name_part(name, 120), data)
    async with transaction(sessions) as session:
        session.add(
            InvoiceEvent(
                invoice_id=invoice_id,
                event=InvoiceNote.PDF_WRITTEN.value,
                by=by,
                reason=f"{path}: {reason.strip() or '-'}",  # as written
            )
        )
    return path


def _write_new(out: Path, name: str, data: bytes) -> Path:
    """``data`` as a new file: ``out/name`` where ``out`` is a folder (made if need be, as
    where it does not exist and has no ``.pdf`` suffix), else ``out``; refused where a file
    is there already."""
    try:
        if out.is_dir() or out.suffix.lower() != ".pdf":
            out.mkdir(parents=True, exist_ok=True)
            out = out / name
        with out.open("xb") as file:
            file.write(data)
    except FileExistsError:
        raise ValidationError(
            _("{path} exists already: write it elsewhere").format(path=out)
        ) from None
    except OSError as exc:
        raise ValidationError(
            _("{path}: cannot write it ({why})").format(path=out, why=exc.strerror)
        ) from None
    return out
