"""The proof package of one invoice: one zip file a third party checks without the database.

Inside (every name made safe from any address or number):

- ``messages/``: the exact messages sent, as archived;
- ``notices/``: every message that came back about them, as received;
- ``proof.json``: the invoice, each delivery with its events and the relay's reply, the
  address-change history in effect at each send, the archive and ledger entries of all of
  these and the verification run at export time, the last exported chain head, and what was
  decided about the invoice (held, which customer it is for, sent as it is; as recorded);
- ``summary.html``: the same for a person, in the installation's language;
- ``manifest.json``: each file's SHA-256, signed with the installation's Ed25519 key.

``proof_verify.verify_package`` checks the signature, every file against the manifest, and
every message and notice against the chain entries the package carries, and names what changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import NotFoundError
from daemon.domain.event_words import event_text
from daemon.domain.fields import file_name_part
from daemon.domain.i18n import N_, Said, _, say
from daemon.domain.ledger import (
    ADDRESS_CHANGE,
    INBOUND,
    address_change_digest,
    inbound_digest,
    link_holds,
)
from daemon.domain.models import (
    AddressChange,
    ArchiveEntry,
    Delivery,
    InboundMessage,
    Invoice,
    InvoiceEvent,
    LedgerEntry,
    utcnow,
)
from daemon.domain.signing import public_hex, sign
from daemon.domain.states import EventKind, InvoiceNote
from daemon.outbound.planning import record
from daemon.outbound.proof_summary import summary_html
from daemon.store.db import SessionFactory, transaction
from daemon.store.history import delivery_history
from daemon.store.keys import signing_key
from mailer.archive import Archive
from mailer.errors import ArchiveError

PACKAGE_FORMAT = "facturier-proof/1"


@dataclass(frozen=True)
class PackageSources:
    archive: Archive
    originals: Archive
    signing_key_file: Path
    head_export: Path | None


def _instant(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _change(c: AddressChange) -> dict[str, Any]:
    return {
        "id": c.id,
        "customer_id": c.customer_id,
        "address_id": c.address_id,
        "field": c.field,
        "old_value": c.old_value,
        "new_value": c.new_value,
        "changed_by": c.changed_by,
        "changed_at": c.changed_at.isoformat(),
        "reason": c.reason,
        "source": c.source,
    }


def _link(e: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "kind": e.kind,
        "ref_id": e.ref_id,
        "digest": e.digest,
        "prev_hash": e.prev_hash,
        "chain_hash": e.chain_hash,
    }


async def _ledger(session: AsyncSession, kind: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await session.exec(
        select(LedgerEntry).where(LedgerEntry.kind == kind, col(LedgerEntry.ref_id).in_(ids))
    )
    return {e.ref_id: _link(e) for e in rows.all()}


async def build_package(
    session: AsyncSession, sources: PackageSources, invoice_id: int
) -> tuple[str, bytes]:
    """The package's file name and bytes. What it carries is checked as it is read: each
    archived message against its hash and chain link, each notice and address change
    against its ledger link; what fails is written in the package as found."""
    from daemon.outbound.proof import chain_hash

    verification: list[Said] = []
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFoundError(_("no invoice #{id}").format(id=invoice_id))
    deliveries, events = await delivery_history(session, invoice_id)
    ids = [d.id for d in deliveries if d.id is not None]
    notices = (
        await session.exec(
            select(InboundMessage)
            .where(col(InboundMessage.delivery_id).in_(ids))
            .order_by(col(InboundMessage.id))
        )
    ).all()
    changes = (
        await session.exec(
            select(AddressChange)
            .where(AddressChange.customer_id == invoice.customer_id)
            .order_by(col(AddressChange.id))
        )
    ).all()
    decisions = (
        await session.exec(
            select(InvoiceEvent)
            .where(InvoiceEvent.invoice_id == invoice.id)
            .order_by(col(InvoiceEvent.at), col(InvoiceEvent.id))
        )
    ).all()
    entry_ids = [d.archive_entry_id for d in deliveries if d.archive_entry_id is not None]
    entries = {
        e.id: e
        for e in (
            await session.exec(select(ArchiveEntry).where(col(ArchiveEntry.id).in_(entry_ids)))
        ).all()
    }
    change_links = await _ledger(session, ADDRESS_CHANGE, [c.id for c in changes if c.id])
    notice_links = await _ledger(session, INBOUND, [m.id for m in notices if m.id])

    files: dict[str, bytes] = {}
    delivery_records = []
    for d in deliveries:
        own = [e for e in events if e.delivery_id == d.id]
        sent_at = next((e.at for e in own if e.event == EventKind.ACCEPTED), None)
        record: dict[str, Any] = {
            "id": d.id,
            "recipient": d.recipient,
            "kind": d.kind,
            "state": d.state,
            "message_id": d.message_id,
            "sent_at": _instant(sent_at),
            "events": [
                {
                    "at": e.at.isoformat(),
                    "event": e.event,
                    "state": e.state_to,
                    "smtp_code": e.smtp_code,
                    "status": e.status,
                    "text": e.text,
                }
                for e in own
            ],
            # the log as it stood when the message went out (all of it, if it did not)
            "address_changes_in_effect": [
                c.id for c in changes if sent_at is None or c.changed_at <= sent_at
            ],
        }
        accepted = [e for e in own if e.event == EventKind.ACCEPTED]
        if accepted:
            record["relay_reply"] = {"code": accepted[-1].smtp_code, "text": accepted[-1].text}
        entry = entries.get(d.archive_entry_id) if d.archive_entry_id else None
        if entry is not None:
            name = f"messages/delivery-{d.id}-{file_name_part(d.recipient)}.eml"
            try:
                files[name] = await asyncio.to_thread(sources.archive.read, entry.sha256)
            except ArchiveError as exc:
                verification.append(
                    say(
                        N_("delivery #{id}: {problem}"),
                        id=d.id,
                        problem=Said.of(exc),
                    )
                )
            recomputed = chain_hash(
                entry.prev_chain_hash or "",
                entry.seq or 0,
                entry.sha256,
                entry.size,
                entry.message_id,
            )
            if entry.seq is None or recomputed != entry.chain_hash:
                verification.append(
                    say(N_("archive entry #{seq}: does not match its chain link"), seq=entry.seq)
                )
            record["archived"] = {
                "file": name,
                "sha256": entry.sha256,
                "size": entry.size,
                "message_id": entry.message_id,
                "seq": entry.seq,
                "prev_chain_hash": entry.prev_chain_hash,
                "chain_hash": entry.chain_hash,
            }
        delivery_records.append(record)
    notice_records = []
    for m in notices:
        name = f"notices/inbound-{m.id}.eml"
        try:
            files[name] = await asyncio.to_thread(sources.originals.read, m.raw_sha256)
        except ArchiveError as exc:
            verification.append(say(N_("notice #{id}: {problem}"), id=m.id, problem=Said.of(exc)))
        notice_link = notice_links.get(m.id or 0)
        if notice_link is None or not link_holds(notice_link, inbound_digest(m)):
            verification.append(say(N_("notice #{id}: not in the ledger as it is now"), id=m.id))
        notice_records.append(
            {
                "id": m.id,
                "file": name if name in files else None,
                "received_at": m.received_at.isoformat(),
                "kind": m.kind,
                "delivery_id": m.delivery_id,
                "evidence": m.evidence,
                "raw_sha256": m.raw_sha256,
                "size": m.size,
                "mailbox": m.mailbox,
                "uidvalidity": m.uidvalidity,
                "uid": m.uid,
                "ledger": notice_links.get(m.id or 0),
            }
        )
    for c in changes:
        change_link = change_links.get(c.id or 0)
        if change_link is None or not link_holds(change_link, address_change_digest(c)):
            verification.append(
                say(N_("address change #{id}: not in the ledger as it is now"), id=c.id)
            )
    head = None
    if sources.head_export is not None and sources.head_export.exists():
        found = sorted(sources.head_export.glob("head-*.json"))
        if found:
            head = json.loads(await asyncio.to_thread(found[-1].read_text, encoding="utf-8"))
    now = utcnow()
    proof: dict[str, Any] = {
        "invoice": {
            "number": invoice.number,
            "issue_date": str(invoice.issue_date),
            "due_date": str(invoice.due_date),
            "total": str(invoice.total_with_tax),
            "currency": invoice.currency,
            "file": invoice.file_name,
            "file_sha256": invoice.file_sha256,
            "state": invoice.state,
        },
        "exported_at": now.isoformat(),
        "deliveries": delivery_records,
        "notices": notice_records,
        "address_changes": [{**_change(c), "ledger": change_links.get(c.id or 0)} for c in changes],
        # what people and the import decided about the invoice as a whole: held, which
        # customer it is for, sent as it is, payments (as recorded; not chained)
        "decisions": [
            {"at": e.at.isoformat(), "what": e.event, "by": e.by, "why": e.reason}
            for e in decisions
        ],
        "verification": {
            "problems": [str(x) for x in verification],
            "checked_at": now.isoformat(),
        },
        "last_exported_head": head,
    }
    files["proof.json"] = json.dumps(proof, indent=2, ensure_ascii=False).encode()
    files["summary.html"] = summary_html(proof, [x.shown() for x in verification]).encode()
    key = await asyncio.to_thread(signing_key, sources.signing_key_file)
    manifest: dict[str, Any] = {
        "format": PACKAGE_FORMAT,
        "invoice": invoice.number,
        "created_at": now.isoformat(),
        "public_key": public_hex(key),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    signed = {"manifest": manifest, "signature": sign(manifest, key)}
    files["manifest.json"] = json.dumps(signed, indent=2, ensure_ascii=False).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            package.writestr(name, data)
    return f"proof-{file_name_part(invoice.number)}.zip", buffer.getvalue()


async def export_package(
    sessions: SessionFactory,
    sources: PackageSources,
    invoice_id: int,
    out: Path,
    by: str,
    reason: str,
) -> list[Path]:
    """The invoice's package written under ``out`` (a folder; or, named ``….zip``, the
    package itself), owner-only; who exported it, where and why noted on its newest
    delivery's timeline."""
    async with sessions() as session:
        name, data = await build_package(session, sources, invoice_id)
    named = out.suffix.lower() == ".zip" and not await asyncio.to_thread(out.is_dir)
    written = [out if named else out / name]
    await asyncio.to_thread(_write_private, written[0], data)
    async with transaction(sessions) as session:
        newest = (
            await session.exec(
                select(Delivery)
                .where(Delivery.invoice_id == invoice_id)
                .order_by(col(Delivery.id).desc())
            )
        ).first()
        why = reason.strip() or "no reason given"
        folder = written[0].parent
        if newest is not None:
            text = event_text("proof_exported", by=by, folder=folder, why=why)
            await record(session, newest, EventKind.PROOF_EXPORTED, text=text)
        else:  # never sent (on paper, waiting for an address): noted on the invoice itself
            text = f"{folder}: {why}"  # a path and a person's words: said as written
            note = InvoiceEvent(
                invoice_id=invoice_id, event=InvoiceNote.PROOF_EXPORTED.value, by=by, reason=text
            )
            session.add(note)
    return written


def _write_private(path: Path, data: bytes) -> None:
    """``data`` to ``path``, owner-only (a proof holds customers' mail), replacing it whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.partial")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(scratch, path)
