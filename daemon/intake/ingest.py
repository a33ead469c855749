"""Ingestion: e-invoice files in, invoices stored and queued for delivery.

The original file is stored once, content-addressed, read-only. A file that fails is
reported with its reason and left where it was (or, from the watched folder, moved to the
rejected folder next to a ``.reason.txt``); nothing of it is stored.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from config import IngestSettings
from daemon.domain.errors import EInvoiceError, ValidationError
from daemon.domain.fields import FILE_NAME_MAX, checked_text
from daemon.domain.finding_words import shown_held, why_held
from daemon.domain.formatting import day, money
from daemon.domain.i18n import N_, Said, _, joined, language, ngettext, say
from daemon.domain.identity import invoice_identity
from daemon.domain.labels import state_label
from daemon.domain.models import Customer, Invoice, utcnow
from daemon.domain.payments import ZERO, belgian_reference, payment_state, rf_reference
from daemon.domain.states import InvoiceState
from daemon.intake.buyers import Proceeded, buyer_candidates, hold_for_customer, proceed
from daemon.intake.customer_records import language_for_country
from daemon.intake.duplicates import same_identity, standing
from daemon.intake.einvoice import EInvoice, read_einvoice
from daemon.intake.rendering import readable_invoice
from daemon.intake.rules import ComplianceGate, default_gate
from daemon.store.db import SessionFactory, transaction
from daemon.store.rows import take_lock
from mailer.archive import Archive

log = logging.getLogger(__name__)

SUFFIXES = {".pdf", ".xml"}


@dataclass(frozen=True)
class ImportResult:
    file: str
    ok: bool
    message: str
    invoice_id: int | None = None
    number: str | None = None
    duplicate: bool = False
    """The same bytes were imported before."""
    held: bool = False
    """Another file of the same invoice (seller, number, type) came before: held for a
    person as a possible duplicate."""
    amounts_held: bool = False
    """Its line amounts do not add up: held for a person (facturier amounts)."""
    customer_held: bool = False
    """Its buyer fits several customers: held for a person to say which (facturier buyers)."""
    english: str | None = None
    """For a refused file: why, in English (the service's journal says it so; ``message``
    is the operator's)."""

    @classmethod
    def refused(cls, file: str, why: Said) -> ImportResult:
        return cls(file, False, why.shown(), english=str(why))

    def journal(self) -> str:
        """What the service's journal says of it, in English."""
        if not self.ok:
            return f"refused: {self.english or self.message}"
        held = [
            said
            for flag, said in (
                (self.duplicate, "already imported"),
                (self.held, "held: a possible duplicate"),
                (self.amounts_held, "held: its amounts do not add up"),
                (self.customer_held, "held: its buyer fits several customers"),
            )
            if flag
        ]
        return ", ".join([f"invoice {self.number}", *(held or ["imported"])])


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
            )
        else:
            files.append(path)
    return files


class IngestService:
    def __init__(
        self,
        sessions: SessionFactory,
        settings: IngestSettings,
        sender_address: str,
        default_language: str = "fr",
        payment_reference: str = "none",
        gate: ComplianceGate | None = None,
        max_file_bytes: int | None = None,
        zone: tzinfo = UTC,
    ):
        # the largest file that may be imported: a larger one could never be sent (its
        # message, the file encoded, would be over smtp.max_message_bytes), and it is not
        # read into memory to find that out
        self.max_file_bytes = max_file_bytes
        self.payment_reference = payment_reference
        self.sessions = sessions
        self.settings = settings
        self.sender_address = sender_address
        self.default_language = default_language
        self.store = Archive(settings.store)
        self.gate = gate or default_gate()
        self.zone = zone
        """The business's time zone: the day an invoice was imported, as the report says it."""

    def stored_path(self, sha256: str) -> Path:
        return self.store.path_for(sha256)

    async def import_file(self, path: Path) -> ImportResult:
        name = str(path)
        try:  # the name travels as the attachment's file name
            checked_text(path.name, "file name", FILE_NAME_MAX)
        except ValidationError as exc:
            return ImportResult.refused(name, say(N_("{why}: rename the file"), why=Said.of(exc)))
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
            if self.max_file_bytes is not None and size > self.max_file_bytes:
                return ImportResult.refused(
                    name,
                    say(
                        N_(
                            "a file of {size} bytes: no message within smtp.max_message_bytes "
                            "({limit} bytes) can carry it; ask the seller for a smaller file, "
                            "or raise the limit if the relay takes larger messages"
                        ),
                        size=size,
                        limit=self.max_file_bytes,
                    ),
                )
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            return ImportResult.refused(name, say(N_("cannot read: {why}"), why=exc.strerror))
        try:
            inv = await asyncio.to_thread(
                read_einvoice, data, name, check_xsd=self.settings.check_xsd, gate=self.gate
            )
        except EInvoiceError as exc:
            return ImportResult(name, False, exc.reason, english=exc.english)
        try:
            return await self._store(path, data, inv)
        except IntegrityError:
            # another instance stored the same identity at this moment: this file is held
            # against it (or, for the same bytes, was that very file)
            return await self._store(path, data, inv)

    async def _store(self, path: Path, data: bytes, inv: EInvoice) -> ImportResult:
        name = str(path)
        seller, number, kind = invoice_identity(
            inv.seller_vat_id, inv.seller_name, inv.number, inv.type_code
        )
        async with self.sessions() as probe:
            new_buyer = not await buyer_candidates(
                probe, inv.buyer_name, inv.buyer_identifier, inv.buyer_vat_id
            )
        async with transaction(self.sessions) as session:
            if new_buyer:
                # of two imports making one new buyer a customer at once, the second waits
                # here, then finds the first's customer (else the buyer became two customers)
                await take_lock(session, "customers")
            known = (
                await session.exec(select(Invoice).where(Invoice.file_sha256 == inv.sha256))
            ).first()
            if known is not None:
                return ImportResult(
                    name,
                    True,
                    _("already imported as invoice {number}").format(number=known.number),
                    known.id,
                    known.number,
                    duplicate=True,
                )
            earlier = await same_identity(session, seller, number, kind)
            held_against = standing(earlier) if earlier else None
            candidates = await buyer_candidates(
                session, inv.buyer_name, inv.buyer_identifier, inv.buyer_vat_id
            )
            customer: Customer | None = None
            if len(candidates) == 1:
                customer = candidates[0]
            elif held_against is not None and any(
                c.id == held_against.customer_id for c in candidates
            ):  # another file of an invoice whose customer is known: that customer's
                customer = next(c for c in candidates if c.id == held_against.customer_id)
            elif not candidates:
                customer = Customer(
                    language=language_for_country(inv.buyer_country, self.default_language),
                    name=inv.buyer_name,
                    vat_id=inv.buyer_vat_id,
                    identifier=inv.buyer_identifier,
                    electronic_address=inv.buyer_electronic_address,
                )
                session.add(customer)
                await session.flush()
                log.info(
                    "new customer %r from invoice %s (no invoice address yet)",
                    inv.buyer_name,
                    inv.number,
                )
            invoice = Invoice(
                number=inv.number,
                customer_id=customer.id if customer else None,
                type_code=inv.type_code,
                issue_date=inv.issue_date,
                due_date=inv.due_date,
                currency=inv.currency,
                total_without_tax=inv.total_without_tax,
                tax_total=inv.tax_total,
                total_with_tax=inv.total_with_tax,
                amount_due=inv.amount_due,
                seller_name=inv.seller_name,
                seller_vat_id=inv.seller_vat_id,
                buyer_name=inv.buyer_name,
                buyer_vat_id=inv.buyer_vat_id,
                buyer_identifier=inv.buyer_identifier,
                buyer_electronic_address=inv.buyer_electronic_address,
                format=inv.format,
                profile=inv.profile,
                file_name=path.name,
                file_sha256=inv.sha256,
                file_size=len(data),
                stored_path=str(self.store.path_for(inv.sha256)),
                state=InvoiceState.NEEDS_ADDRESS.value,
                # one paid in advance (BT-113) or with a balance in the customer's favour
                # owes nothing from the start
                payment_state=payment_state(inv.amount_due, ZERO, ZERO),
                seller_key=seller,
                document_kind=kind,
                identity_seq=earlier[-1].identity_seq + 1 if earlier else 0,
                duplicate_of_id=held_against.id if held_against else None,
                preceding_number=", ".join(inv.preceding_numbers) or None,
                payment_reference=self._reference(inv.number),
                remittance_reference=inv.remittance_reference,
                payment_means=inv.payment_means,
                compliance=inv.compliance.to_json() if inv.compliance else None,
                checked_at=utcnow() if inv.compliance else None,
            )
            session.add(invoice)
            await session.flush()
            assert invoice.id is not None
            if customer is None:
                hold_for_customer(session, invoice, candidates, by="import")
                went = Proceeded([])
            else:
                went = await proceed(
                    session, invoice, self.sender_address, inv.preceding_numbers, by="import"
                )
            reads_in = (
                customer.language
                if customer
                else language_for_country(inv.buyer_country, self.default_language)
            )
            if inv.format in ("cii", "ubl") and inv.business_terms is not None:
                # a customer reads a PDF, not XML, in their language: a CII invoice's messages
                # carry a Factur-X PDF/A-3 made from it (the XML inside), a UBL invoice's the
                # XML with a rendered PDF beside it
                readable = await asyncio.to_thread(
                    readable_invoice, inv.business_terms, inv.xml, inv.format, reads_in
                )
                stored = await asyncio.to_thread(self.store.store, readable)
                invoice.readable_sha256 = stored.sha256
                invoice.readable_name = f"{path.name.split('.', 1)[0] or 'invoice'}.pdf"
                session.add(invoice)
            # the file is stored once the rows are written (a locked or full database fails
            # before it, leaving no orphan in the store) and before they are committed
            await asyncio.to_thread(self.store.store, data)
            state = invoice.state
            invoice_id = invoice.id
        return _import_said(
            name, inv, customer, candidates, went, held_against, state, invoice_id, self.zone
        )

    def _reference(self, number: str) -> str | None:
        if self.payment_reference == "rf":
            return rf_reference(number)
        if self.payment_reference == "belgian":
            return belgian_reference(number)
        return None

    async def import_paths(
        self,
        paths: Iterable[Path],
        on_result: Callable[[ImportResult, int, int], None] | None = None,
    ) -> list[ImportResult]:
        """Import every file of ``paths`` (folders read recursively); ``on_result`` hears of
        each one as it is done, with how many are done and how many there are."""
        files = expand_paths(paths)
        results = []
        for file in files:
            result = await self.import_file(file)
            log.info("%s: %s", result.file, result.journal(), extra={"invoice": result.number})
            results.append(result)
            if on_result is not None:
                on_result(result, len(results), len(files))
        return results

    async def scan_watch_folder(self) -> list[ImportResult]:
        """Import what landed in the watched folder; imported files leave it, failures go
        to the rejected folder with their reason."""
        watch, rejected = self.settings.watch, self.settings.rejected
        if not watch.exists():
            return []
        results = []
        for file in expand_paths([watch]):
            if _still_growing(file):
                continue
            result = await self.import_file(file)
            results.append(result)
            if result.ok:
                log.info("%s: %s", file.name, result.journal(), extra={"invoice": result.number})
                await asyncio.to_thread(file.unlink)
            else:
                rejected.mkdir(parents=True, exist_ok=True, mode=0o700)
                target = _free_name(rejected / file.name)
                await asyncio.to_thread(shutil.move, str(file), str(target))
                target.with_name(target.name + ".reason.txt").write_text(
                    f"{file.name}: {result.message}\n", encoding="utf-8"
                )
                log.warning("rejected %s: %s (kept in %s)", file, result.english, target)
        return results


def _import_said(
    name: str,
    inv: EInvoice,
    customer: Customer | None,
    candidates: Sequence[Customer],
    went: Proceeded,
    held_against: Invoice | None,
    state: str,
    invoice_id: int,
    zone: tzinfo,
) -> ImportResult:
    """What the import report says of an invoice stored: where it went (held for a person and
    why, or queued), with the rule warnings its check found."""
    if customer is None:
        what = _(
            "held: its buyer fits several customers that nothing in it tells apart ({ids}); "
            "say which it is for (facturier buyers)"
        ).format(ids=", ".join(f"#{c.id}" for c in candidates))
    elif went.duplicate and held_against is not None:
        what = _(
            "held: a possible duplicate of invoice #{id} (imported {day}); replace, keep "
            "both or discard it (facturier duplicates)"
        ).format(
            id=held_against.id,
            day=day(held_against.imported_at.astimezone(zone).date(), language()),
        )
    elif went.amounts_held:
        holds = inv.compliance.holds if inv.compliance else []
        what = _(
            "held: its amounts do not add up ({why}); send it as it is or discard it "
            "(facturier amounts)"
        ).format(why=shown_held(why_held(holds)))
    elif state == InvoiceState.ATTENTION.value and not went.planned:
        what = _(
            "held: every invoice address of {customer} is known to bounce; it goes out once "
            "a working one is set (customers set-address) or one is marked deliverable again"
        ).format(customer=customer.name)
    elif state == InvoiceState.TO_POST.value:
        what = _(
            "to post: {customer} receives its invoices on paper; print it and post it "
            "(the attention queue lists it)"
        ).format(customer=customer.name)
    elif went.planned:
        what = ngettext(
            "queued for {count} recipient", "queued for {count} recipients", len(went.planned)
        ).format(count=len(went.planned))
    else:
        what = state_label(state)
    warned = inv.compliance.warnings if inv.compliance else []
    if warned:
        rules = ", ".join(sorted({f.rule for f in warned})[:5])
        what = joined(
            [
                what,
                ngettext(
                    "{count} rule warning ({rules})",
                    "{count} rule warnings ({rules})",
                    len(warned),
                ).format(count=len(warned), rules=rules),
            ]
        )
    return ImportResult(
        name,
        True,
        _("invoice {number}, {amount}, {buyer}: {what}").format(
            number=inv.number,
            amount=money(inv.total_with_tax, inv.currency, language()),
            buyer=inv.buyer_name,
            what=what,
        ),
        invoice_id,
        inv.number,
        held=went.duplicate,
        amounts_held=went.amounts_held,
        customer_held=customer is None,
    )


def _still_growing(path: Path) -> bool:
    try:
        return os.path.getmtime(path) > time.time() - 1.0
    except OSError:
        return True


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.{n}{path.suffix}")
        n += 1
    return candidate
