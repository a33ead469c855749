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

:func:`verify_package` checks the signature, every file against the manifest, and every
message and notice against the chain entries the package carries, and names what changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import Environment
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain import formatting
from daemon.domain.errors import NotFoundError
from daemon.domain.event_words import shown
from daemon.domain.fields import file_name_part
from daemon.domain.i18n import N_, Said, _, language, say
from daemon.domain.labels import (
    change_value,
    decision_why,
    event_label,
    field_label,
    note_label,
    state_label,
)
from daemon.domain.ledger import (
    ADDRESS_CHANGE,
    INBOUND,
    address_change_digest,
    inbound_digest,
    link_hash,
)
from daemon.domain.models import (
    AddressChange,
    ArchiveEntry,
    Delivery,
    DeliveryEvent,
    InboundMessage,
    Invoice,
    InvoiceEvent,
    LedgerEntry,
    utcnow,
)
from daemon.domain.signing import fingerprint, public_hex, sign, signed_by
from daemon.domain.states import EventKind
from daemon.store.keys import signing_key
from mailer.archive import Archive
from mailer.errors import ArchiveError

PACKAGE_FORMAT = "facturier-proof/1"
MAX_MEMBER = 64 * 1024 * 1024
"""A member larger than this is not read by ``proof verify`` (a zip bomb is refused)."""


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
    deliveries = (
        await session.exec(
            select(Delivery).where(Delivery.invoice_id == invoice.id).order_by(col(Delivery.id))
        )
    ).all()
    ids = [d.id for d in deliveries if d.id is not None]
    events = (
        await session.exec(
            select(DeliveryEvent)
            .where(col(DeliveryEvent.delivery_id).in_(ids))
            .order_by(col(DeliveryEvent.at), col(DeliveryEvent.id))
        )
    ).all()
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
        if notice_link is None or not _link_holds(notice_link, inbound_digest(m)):
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
        if change_link is None or not _link_holds(change_link, address_change_digest(c)):
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
    files["summary.html"] = _summary_html(proof, [x.shown() for x in verification]).encode()
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


_ENV = Environment(autoescape=True)


def _moment(stored: str | None) -> str:
    """A stored ISO time as a reader of the summary reads it, to the second, in UTC
    (``proof.json`` keeps it whole)."""
    if not stored:
        return ""
    try:
        at = datetime.fromisoformat(stored)
    except ValueError:
        return stored
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def _day(stored: str | None) -> str:
    """A stored ISO date in the reader's language (27/11/2026)."""
    try:
        return formatting.day(date.fromisoformat(stored or ""), language())
    except ValueError:
        return stored or "-"


def _money(stored: str, currency: str) -> str:
    try:
        return formatting.money(Decimal(stored), currency, language())
    except (InvalidOperation, ValueError):
        return f"{stored} {currency}"


# what the delivery records store (states, kinds of delivery and event, event texts), read
# in the exporter's language as the TUI shows them
_ENV.filters.update(
    moment=_moment,
    day=_day,
    money=_money,
    kind=_,
    state=state_label,
    event=event_label,
    said=shown,
    value=change_value,
    field=field_label,
    note=note_label,
    decided=decision_why,
)
_ENV.globals["pair"] = lambda label, value: _("{label}: {value}").format(label=label, value=value)
_SUMMARY = _ENV.from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ t.title }} {{ p.invoice.number }}</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:.2em .6em;
text-align:left;vertical-align:top}table{border-collapse:collapse}tr{border-bottom:1px solid #ccc}
</style></head><body>
<h1>{{ t.title }} {{ p.invoice.number }}</h1>
<p>{{ pair(t.total, p.invoice.total|money(p.invoice.currency)) }} · {{ t.issued }}
{{ p.invoice.issue_date|day }} · {{ t.due }} {{ p.invoice.due_date|day }} · {{ t.exported }}
{{ p.exported_at|moment }}</p>
<p>{{ pair(t.check, t.problems if problems else t.intact) }}
{% for x in problems %}<br>{{ x }}{% endfor %}</p>
{% for d in p.deliveries %}
<h2>{{ pair(t.delivery.format(id=d.id), d.recipient) }}
({{ d.kind|kind }}, {{ d.state|state }})</h2>
<p>Message-ID {{ d.message_id }}{% if d.archived %} · {{ t.file }} {{ d.archived.file }} ·
SHA-256 {{ d.archived.sha256 }} · {{ t.chain }} #{{ d.archived.seq }}{% endif %}</p>
<table><tr><th>{{ t.when }}</th><th>{{ t.event }}</th><th>{{ t.status }}</th>
<th>{{ t.detail }}</th></tr>
{% for e in d.events %}<tr><td>{{ e.at|moment }}</td><td>{{ e.event|event }}</td>
<td>{{ e.smtp_code or "" }} {{ e.status or "" }}</td><td>{{ e.text|said }}</td></tr>{% endfor %}
</table>{% endfor %}
{% if p.decisions %}<h2>{{ t.decisions }}</h2>
<table><tr><th>{{ t.when }}</th><th>{{ t.what }}</th><th>{{ t.who }}</th><th>{{ t.why }}</th></tr>
{% for e in p.decisions %}<tr><td>{{ e.at|moment }}</td><td>{{ e.what|note }}</td>
<td>{{ e.by }}</td><td>{{ e.what|decided(e.why) }}</td></tr>{% endfor %}</table>{% endif %}
<h2>{{ t.addresses }}</h2>
<table><tr><th>{{ t.when }}</th><th>{{ t.what }}</th><th>{{ t.who }}</th><th>{{ t.why }}</th></tr>
{% for c in p.address_changes %}<tr><td>{{ c.changed_at|moment }}</td>
<td>{{ pair(c.field|field, (c.old_value|value) ~ " → " ~ (c.new_value|value)) }}</td>
<td>{{ c.changed_by }}</td><td>{{ c.reason|said }} ({{ c.source }})</td></tr>{% endfor %}</table>
</body></html>
"""
)


def _summary_html(proof: dict[str, Any], problems: list[str]) -> str:
    labels = {
        "title": _("Proof of sending, invoice"),
        "total": _("Total"),
        "issued": _("issued"),
        "due": _("due"),
        "exported": _("exported"),
        "check": _("Archive and chains at export"),
        "problems": _("problems found"),
        "intact": _("intact"),
        "delivery": _("Delivery #{id}"),
        "file": _("file"),
        "chain": _("chain position"),
        "when": _("When"),
        "event": _("Event"),
        "status": _("Status"),
        "detail": _("Detail"),
        "addresses": _("Changes to the customer's invoice addresses"),
        "decisions": _("Decisions about the invoice"),
        "what": _("What"),
        "who": _("Who"),
        "why": _("Why"),
    }
    return _SUMMARY.render(p=proof, t=labels, problems=problems, lang=language())


@dataclass(frozen=True)
class PackageCheck:
    invoice: str | None
    files: int
    key: str | None
    """The fingerprint of the key that signed the manifest."""
    problems: list[Said]


def verify_package(path: Path, expected_key: str | None = None) -> PackageCheck:
    """Check a proof package without the database: its manifest's signature (by
    ``expected_key``, a public key in hex, when given), each file against the manifest, and
    each message and notice against the chain links the package carries."""
    problems: list[Said] = []
    try:
        package = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        why = say(N_("{file}: not a readable proof package ({why})"), file=path, why=exc)
        return PackageCheck(None, 0, None, [why])
    with package:
        members: dict[str, bytes] = {}
        for info in package.infolist():
            if info.file_size > MAX_MEMBER:
                problems.append(
                    say(
                        N_("{file}: larger than {size} bytes, not read"),
                        file=info.filename,
                        size=MAX_MEMBER,
                    )
                )
                continue
            members[info.filename] = package.read(info)
    try:
        signed = json.loads(members.pop("manifest.json"))
        manifest, signature = signed["manifest"], signed["signature"]
        public = str(manifest["public_key"])
    except (KeyError, ValueError, TypeError) as exc:
        why = say(N_("manifest.json: missing or unreadable ({why})"), why=exc)
        return PackageCheck(None, 0, None, [why])
    if not signed_by(manifest, str(signature), public):
        problems.append(
            say(N_("manifest.json: its signature does not match: the manifest was changed"))
        )
    if expected_key is not None and public != expected_key:
        problems.append(
            say(
                N_("manifest.json: signed by key {key}, not by {expected}"),
                key=fingerprint(public),
                expected=fingerprint(expected_key),
            )
        )
    listed = manifest.get("files", {})
    if not isinstance(listed, dict):
        problems.append(say(N_("manifest.json: its list of files is not as a package writes it")))
        listed = {}
    for name, digest in sorted(listed.items()):
        if name not in members:
            problems.append(
                say(N_("{file}: listed in the manifest, missing from the package"), file=name)
            )
        elif hashlib.sha256(members[name]).hexdigest() != digest:
            problems.append(say(N_("{file}: changed since the package was signed"), file=name))
    for name in sorted(set(members) - set(listed)):
        problems.append(say(N_("{file}: not in the manifest (added after signing)"), file=name))
    try:
        proof = json.loads(members.get("proof.json", b"{}"))
    except ValueError:
        proof = {}
        problems.append(say(N_("proof.json: unreadable")))
    if not isinstance(proof, dict):
        proof = {}
        problems.append(say(N_("proof.json: not as a package writes it")))
    for section, check in (
        ("deliveries", _check_delivery),
        ("notices", _check_notice),
        ("address_changes", _check_address_change),
    ):
        entries = proof.get(section, [])
        if not isinstance(entries, list):
            problems.append(
                say(
                    N_("proof.json: its {section} are not as a package writes them"),
                    section=section,
                )
            )
            continue
        for n, entry in enumerate(entries, start=1):
            # a package changed by hand may hold anything: what cannot be read is said, and
            # the check goes on
            try:
                problems.extend(check(entry, members))
            except (KeyError, TypeError, ValueError, AttributeError):
                problems.append(
                    say(
                        N_("proof.json: {section} entry {n} is not as a package writes it"),
                        section=section,
                        n=n,
                    )
                )
    return PackageCheck(manifest.get("invoice"), len(listed), fingerprint(public), problems)


def _check_delivery(d: dict[str, Any], members: dict[str, bytes]) -> list[Said]:
    """A delivery's archived message against its chain entry."""
    from daemon.outbound.proof import chain_hash

    a = d.get("archived")
    if not a:
        return []
    found = []
    data = members.get(a["file"])
    if data is not None and hashlib.sha256(data).hexdigest() != a["sha256"]:
        found.append(
            say(
                N_("{file}: not the message its chain entry #{seq} names"),
                file=a["file"],
                seq=a["seq"],
            )
        )
    if a["chain_hash"] != chain_hash(
        a["prev_chain_hash"] or "", a["seq"], a["sha256"], a["size"], a["message_id"]
    ):
        found.append(
            say(N_("archive entry #{seq}: its chain hash does not match it"), seq=a["seq"])
        )
    return found


def _check_notice(n: dict[str, Any], members: dict[str, bytes]) -> list[Said]:
    """A notice received against its file and its ledger link."""
    found = []
    data = members.get(n["file"]) if n.get("file") else None
    if data is not None and hashlib.sha256(data).hexdigest() != n["raw_sha256"]:
        found.append(say(N_("{file}: not the notice received"), file=n["file"]))
    link = n.get("ledger")
    if link and not _link_holds(link, inbound_digest(InboundMessage(**_inbound_fields(n)))):
        found.append(
            say(
                N_("notice #{id}: does not match its ledger link #{seq}"),
                id=n["id"],
                seq=link["seq"],
            )
        )
    return found


def _check_address_change(c: dict[str, Any], _members: dict[str, bytes]) -> list[Said]:
    """An address change against its ledger link."""
    link = c.get("ledger")
    fields = {k: v for k, v in c.items() if k != "ledger"}
    fields["changed_at"] = datetime.fromisoformat(fields["changed_at"])
    if link and not _link_holds(link, address_change_digest(AddressChange(**fields))):
        return [
            say(
                N_("address change #{id}: does not match its ledger link #{seq}"),
                id=c["id"],
                seq=link["seq"],
            )
        ]
    return []


def _inbound_fields(n: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "raw_sha256", "size", "mailbox", "uidvalidity", "uid")
    return {k: n[k] for k in keys} | {"kind": n["kind"], "classification": "", "disposition": ""}


def _link_holds(link: dict[str, Any], digest: str) -> bool:
    return link["digest"] == digest and link["chain_hash"] == link_hash(
        link["prev_hash"], link["seq"], link["kind"], link["ref_id"], link["digest"]
    )
