"""The readable PDF of a CII or UBL invoice, made again in the language its customer reads.

At import the PDF is made in the language of the customer the buyer fits, or, while the
customer is yet to be chosen, of the buyer's country. When the customer turns out to be
another (a person chose it) or reads another language (an admin changed it), the messages
would speak one language and the PDF another: the PDF is made again, as long as no message
of the invoice has left. Once one has, the PDF it carried is the invoice the customer holds
(archived as sent), and every later message (a copy, a reminder) carries that same PDF.
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import EInvoiceError
from daemon.domain.models import Delivery, Invoice
from daemon.intake.einvoice import business_terms
from daemon.intake.rendering import readable_invoice
from mailer.archive import Archive
from mailer.errors import ArchiveError

log = logging.getLogger(__name__)


async def has_left(session: AsyncSession, invoice_id: int) -> bool:
    """Whether a message of the invoice was made and archived to be sent (its bytes, the PDF
    among them, are then fixed)."""
    archived = await session.exec(
        select(Delivery.id)
        .where(Delivery.invoice_id == invoice_id, col(Delivery.archive_entry_id).is_not(None))
        .limit(1)
    )
    return archived.first() is not None


async def remake_readable(
    session: AsyncSession, store: Archive, invoice: Invoice, language: str
) -> bool:
    """Make ``invoice``'s readable PDF again in ``language`` (in ``session``, not committed),
    unless it has none (a Factur-X PDF is the seller's own) or a message of it has left.
    Whether the PDF changed. A stored file that can no longer be read keeps the PDF as it is:
    sending it fails on that file and says so."""
    if invoice.readable_sha256 is None or invoice.format not in ("cii", "ubl"):
        return False
    assert invoice.id is not None
    if await has_left(session, invoice.id):
        return False
    try:
        data = await asyncio.to_thread(store.read, invoice.file_sha256)
        terms, xml = await asyncio.to_thread(business_terms, data, invoice.file_name)
        pdf = await asyncio.to_thread(readable_invoice, terms, xml, invoice.format, language)
        stored = await asyncio.to_thread(store.store, pdf)
    except (ArchiveError, EInvoiceError, OSError) as exc:
        log.warning(
            "invoice %s (#%s): its PDF stays in the language it was made in: %s",
            invoice.number,
            invoice.id,
            exc,
        )
        return False
    if stored.sha256 == invoice.readable_sha256:
        return False
    invoice.readable_sha256 = stored.sha256
    session.add(invoice)
    log.info("invoice %s (#%s): its PDF made again in %s", invoice.number, invoice.id, language)
    return True
