"""Customers from a CSV file: read strictly, matched to the customers already known, and
written all together or not at all.

Columns: ``name,invoice_email,copy_emails,vat_id,identifier,language``, separated by commas
or semicolons (the French spreadsheet default), in UTF-8. A row is matched to an existing
customer by identifier, then VAT id, then name with the same invoice address; a matched
customer whose invoice address or copies differ is updated (each change logged with the
file as its source), one that matches nothing is created. A row that fits several
customers is refused with them listed, never guessed.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import ValidationError
from daemon.domain.event_words import event_text
from daemon.domain.i18n import _, joined
from daemon.domain.models import AddressRole, Customer, CustomerAddress
from daemon.intake.addresses import (
    add_address,
    put_invoice_address,
    refuse_known_to_bounce,
    still_undeliverable,
)
from daemon.intake.customer_records import (
    NewCustomer,
    already_recorded,
    checked_customer,
    create_customer,
    described,
    namesakes,
)
from daemon.outbound.planning import queue_waiting_invoices
from daemon.store.db import SessionFactory
from daemon.store.rows import take_lock

CSV_COLUMNS = ("name", "invoice_email", "copy_emails", "vat_id", "identifier", "language")


@dataclass(frozen=True)
class ImportedRow:
    """What one line of the file did (or would do, in a dry run)."""

    line: int
    name: str
    outcome: str  # created, updated, unchanged
    customer_id: int | None
    detail: str = ""


class _DryRun(Exception):
    """Rolls the import back once every row has been tried."""


def read_customer_csv(path: Path) -> list[tuple[int, NewCustomer]]:
    """Each line's customer, checked; :class:`ValidationError` listing every bad line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            _("{file}: cannot read: {why}").format(file=path, why=exc.strerror)
        ) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ValidationError(
            _(
                "{file}:{line}: not UTF-8 (byte 0x{byte:02X} at column {column}): "
                "save the file as UTF-8 and import it again"
            ).format(file=path, line=line, byte=data[exc.start], column=column)
        ) from None
    lines = text.splitlines()
    header = lines[0] if lines else ""
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    reader.fieldnames = fields
    missing = [c for c in ("name", "invoice_email") if c not in fields]
    if missing:
        raise ValidationError(
            _(
                "{file}:1: missing column(s) {missing} (the header reads {header}); "
                "expected {expected}, separated by , or ;"
            ).format(
                file=path,
                missing=", ".join(missing),
                header=repr(header[:120]),
                expected=", ".join(CSV_COLUMNS),
            )
        )
    rows: list[tuple[int, NewCustomer]] = []
    errors: list[str] = []
    for line, raw in enumerate(reader, start=2):
        copies = tuple(
            c.strip() for c in (raw.get("copy_emails") or "").replace(";", " ").split() if c.strip()
        )
        customer = NewCustomer(
            name=raw.get("name") or "",
            invoice_email=(raw.get("invoice_email") or "").strip() or None,
            copy_emails=copies,
            vat_id=raw.get("vat_id"),
            identifier=raw.get("identifier"),
            language=(raw.get("language") or "fr").strip() or "fr",
        )
        checked, problems = checked_customer(customer, columns=True)
        if checked is None:  # each named with its line, all of them
            where = f"{path}:{line}"
            errors += [_("{where}: {problem}").format(where=where, problem=p) for p in problems]
            continue
        rows.append((line, checked))
    if errors:
        raise ValidationError(joined(errors) + _(" — nothing was imported"))
    return rows


async def _match(session: AsyncSession, data: NewCustomer) -> list[Customer]:
    """The customers ``data`` describes: by identifier, then VAT id, then by name (one that
    no identifier or VAT id tells apart) with the same invoice address, or with none yet (a
    buyer an invoice recorded, waiting for its address)."""
    for column, value in ((Customer.identifier, data.identifier), (Customer.vat_id, data.vat_id)):
        if value:
            found = (await session.exec(select(Customer).where(col(column) == value))).all()
            if found:
                return list(found)
    same_name = await namesakes(session, data.name, data.identifier, data.vat_id)
    if not same_name:
        return []
    invoice_to: dict[int, set[str]] = {c.id: set() for c in same_name if c.id is not None}
    for customer_id, email in (
        await session.exec(
            select(CustomerAddress.customer_id, CustomerAddress.email).where(
                col(CustomerAddress.customer_id).in_(invoice_to),
                CustomerAddress.role == AddressRole.INVOICE_TO,
                col(CustomerAddress.active).is_(True),
            )
        )
    ).all():
        invoice_to[customer_id].add(email)
    return [
        c
        for c in same_name
        if c.id is not None
        and (
            not data.invoice_email
            or not invoice_to[c.id]  # waiting for its address
            or data.invoice_email in invoice_to[c.id]
        )
    ]


async def _update(
    session: AsyncSession,
    customer: Customer,
    data: NewCustomer,
    who: str,
    source: str,
    shared: Collection[str],
    sender_address: str,
) -> tuple[list[str], str]:
    """Bring ``customer``'s addresses to what ``data`` says; what changed, and what stays as
    it was although the file says otherwise (its invoice address still undeliverable: the
    file does not say a person checked it)."""
    assert customer.id is not None
    why = event_text("customer_file", file=source.removeprefix("csv:"))
    changes = []
    kept = ""
    if data.invoice_email:
        done = await put_invoice_address(
            session,
            customer.id,
            data.invoice_email,
            who,
            why,
            source,
            shared,
            sender_address=sender_address,
            same_is_unchanged=True,
        )
        if done.changed:
            changes.append(_("invoice address {email}").format(email=data.invoice_email))
            if followed := done.followed.said():
                changes.append(followed)
        elif done.address.undeliverable:
            kept = still_undeliverable(done.address)
    copies = (
        await session.exec(
            select(CustomerAddress.email).where(
                CustomerAddress.customer_id == customer.id,
                CustomerAddress.role == AddressRole.COPY,
                col(CustomerAddress.active).is_(True),
            )
        )
    ).all()
    for copy in data.copy_emails:
        if copy not in copies:
            await refuse_known_to_bounce(session, customer.id, copy)
            await add_address(session, customer, copy, AddressRole.COPY, who, why, source)
            changes.append(_("copy {email}").format(email=copy))
    return changes, kept


async def import_customers(
    sessions: SessionFactory,
    sender_address: str,
    path: Path,
    *,
    changed_by: str,
    dry_run: bool = False,
    shared: Collection[str] = (),
) -> list[ImportedRow]:
    """Every row of ``path`` created, updated or found unchanged, in one transaction; with
    ``dry_run``, what would be done, with nothing written."""
    rows = read_customer_csv(path)
    source = f"csv:{path.name}"
    done: list[ImportedRow] = []
    errors: list[str] = []
    try:
        async with sessions() as session, session.begin():
            if not dry_run:  # customers made one after the other (see ingest)
                await take_lock(session, "customers")
            for line, data in rows:
                found = await _match(session, data)
                if len(found) > 1:
                    listed = ", ".join(f"#{c.id} {c.name}" for c in found)
                    errors.append(
                        _("{file}:{line}: fits {count} customers ({listed})").format(
                            file=path, line=line, count=len(found), listed=listed
                        )
                    )
                elif found:
                    try:
                        changes, kept = await _update(
                            session, found[0], data, changed_by, source, shared, sender_address
                        )
                    except ValidationError as refused:
                        errors.append(f"{path}:{line}: {refused}")
                        continue
                    outcome = "updated" if changes else "unchanged"
                    detail = ", ".join([*changes, kept] if kept else changes)
                    done.append(ImportedRow(line, data.name, outcome, found[0].id, detail))
                elif known := await already_recorded(session, data):
                    errors.append(
                        _(
                            "{file}:{line}: {name} is already a customer with another invoice "
                            "address: {known}; give the row its identifier or VAT id"
                        ).format(
                            file=path,
                            line=line,
                            name=data.name,
                            known=joined(map(described, known)),
                        )
                    )
                else:
                    why = event_text("customer_imported", file=path.name)
                    customer = await create_customer(session, data, changed_by, source, why, shared)
                    done.append(ImportedRow(line, data.name, "created", customer.id))
            if errors:
                raise ValidationError(joined(errors) + _(" — nothing was imported"))
            if dry_run:
                raise _DryRun
    except _DryRun:
        return done
    for row in done:
        if row.outcome != "unchanged":
            await queue_waiting_invoices(sessions, row.customer_id, sender_address)
    return done
