"""A chain that outlives the database: address changes and inbound notices chained, the log
append-only in the database itself, and `archive verify` naming each tampering, the ones
that rewrite the chains too against the signed head exported outside the database."""

from __future__ import annotations

import hashlib
import json
import mailbox
import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import col, select

from daemon.app.services import Facturier
from daemon.domain.models import AddressChange, ArchiveEntry, Delivery, InboundMessage
from daemon.intake.customers import NewCustomer
from daemon.outbound.proof import chain_hash
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, parse


async def _sent_and_bounced(app: Facturier, tmp_path: Path) -> None:
    """Two invoices sent (one to a dead domain: a hard bounce marks its address), one
    forged notice quarantined: archive entries, inbound notices and address changes."""
    app.ctx.settings.archive.head_export = tmp_path / "heads"
    for name, email, ident in (
        ("Dupont", "f@dupont.example", "C-1"),
        ("Martin", "c@m.invalid", "C-2"),
    ):
        await app.customers.add(NewCustomer(name, email, (), None, ident), changed_by="t")
    await app.ingest.import_paths(
        [
            invoice_file(tmp_path / "in", "L-1", "Dupont", "C-1"),
            invoice_file(tmp_path / "in", "L-2", "Martin", "C-2"),
        ]
    )
    await app.send_due()
    mailbox.Maildir(tmp_path / "mail" / "bounces").add(
        b"From: a@b.example\r\nSubject: hello\r\n\r\nnothing of ours\r\n"
    )
    await app.poll_bounces()


async def _sql(app: Facturier, *statements: str) -> None:
    async with app.ctx.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


def _unguard(app: Facturier, table: str) -> list[str]:
    """What whoever controls the database runs first to get past the append-only rule."""
    if app.ctx.engine.dialect.name == "postgresql":
        return [f"ALTER TABLE {table} DISABLE TRIGGER USER"]
    return [f"DROP TRIGGER {table}_no_update", f"DROP TRIGGER {table}_no_delete"]


async def _problems(app: Facturier) -> list[str]:
    _count, _links, problems = await app.verify_chains()
    return [str(p) for p in problems]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE address_changes SET reason = 'nothing happened'",
        "DELETE FROM address_changes",
        "UPDATE ledger_entries SET digest = 'x'",
        "DELETE FROM ledger_entries",
    ],
)
async def test_the_log_and_the_ledger_refuse_updates_and_deletes(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path, statement: str
) -> None:
    await _sent_and_bounced(app, tmp_path)
    with pytest.raises((IntegrityError, OperationalError, DBAPIError), match="append-only"):
        await _sql(app, statement)
    _count, _links, problems = await app.verify_chains()
    assert problems == []


async def test_each_tampering_is_named(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _sent_and_bounced(app, tmp_path)
    count, links, problems = await app.verify_chains()
    # 2 archived messages; 3 inbound notices and 3 address changes (2 added, 1 bounce)
    assert (count, links, problems) == (2, 6, [])
    head = await app.export_head()
    assert head is not None and await app.export_head() is None  # nothing new: no new head
    document = json.loads(head.read_text())
    assert document["head"]["archive"]["seq"] == 2

    async with app.ctx.sessions() as session:
        changes = (await session.exec(select(AddressChange).order_by(col(AddressChange.id)))).all()
        quarantined = (
            await session.exec(
                select(InboundMessage).where(col(InboundMessage.delivery_id).is_(None))
            )
        ).one()
        tied = (
            await session.exec(
                select(InboundMessage).where(col(InboundMessage.delivery_id).is_not(None))
            )
        ).first()
        last, before = (
            await session.exec(select(ArchiveEntry).order_by(col(ArchiveEntry.seq).desc()))
        ).all()[:2]
    assert tied is not None

    # 1. an address change rewritten (the log's guard dropped first)
    bounce_change = next(c for c in changes if c.field == "undeliverable")
    await _sql(
        app,
        *_unguard(app, "address_changes"),
        f"UPDATE address_changes SET new_value = 'false' WHERE id = {bounce_change.id}",
    )
    # 2. an inbound notice removed, row and all; another one's original as received deleted
    await _sql(app, f"DELETE FROM inbound_messages WHERE id = {quarantined.id}")
    app.bounces.originals.path_for(tied.raw_sha256).unlink()
    # 3. the last archive entry and its file removed
    await _sql(
        app,
        f"UPDATE deliveries SET archive_entry_id = NULL WHERE archive_entry_id = {last.id}",
        f"DELETE FROM archive_entries WHERE id = {last.id}",
    )
    Path(last.path).unlink()
    # 4. the entry before it rewritten (another amount), its chain recomputed
    data = Path(before.path).read_bytes().replace(b"Subject: ", b"Subject: [changed] ", 1)
    sha = hashlib.sha256(data).hexdigest()
    app.ctx.archive.store(data)
    Path(before.path).unlink()
    link = chain_hash(
        before.prev_chain_hash or "", before.seq or 0, sha, len(data), before.message_id
    )
    await _sql(
        app,
        f"UPDATE archive_entries SET sha256 = '{sha}', size = {len(data)}, "
        f"path = '{app.ctx.archive.path_for(sha)}', chain_hash = '{link}' WHERE id = {before.id}",
    )

    problems = await _problems(app)
    said = "\n".join(problems)
    assert f"address change #{bounce_change.id} (undeliverable of customer" in said
    assert "was rewritten after it was logged" in said
    assert f"inbound notice #{quarantined.id} was removed" in said
    assert f"inbound notice #{tied.id} as received" in said and "missing" in said
    assert "archive #2: named by the head exported at" in said and "it is gone" in said
    # the rewritten entry checks out on its own chain: only the exported head tells
    assert not any("entry #1" in p for p in problems)
    os.remove(head)
    assert "archive #2" not in "\n".join(await _problems(app))


async def test_a_rewritten_entry_with_its_chain_recomputed_is_found_against_the_head(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _sent_and_bounced(app, tmp_path)
    head = await app.export_head()
    assert head is not None
    async with app.ctx.sessions() as session:
        entries = (await session.exec(select(ArchiveEntry).order_by(col(ArchiveEntry.seq)))).all()
    prev = entries[0].prev_chain_hash or ""
    for i, entry in enumerate(entries):
        data = Path(entry.path).read_bytes()
        if i == 0:
            data = data.replace(b"Subject: ", b"Subject: [changed] ", 1)
            app.ctx.archive.store(data)
            Path(entry.path).unlink()
        sha = hashlib.sha256(data).hexdigest()
        link = chain_hash(prev, entry.seq or 0, sha, len(data), entry.message_id)
        await _sql(
            app,
            f"UPDATE archive_entries SET sha256 = '{sha}', size = {len(data)}, prev_chain_hash = "
            f"'{prev}', chain_hash = '{link}', path = '{app.ctx.archive.path_for(sha)}' "
            f"WHERE id = {entry.id}",
        )
        prev = link
    problems = await _problems(app)
    assert len(problems) == 1, problems
    assert problems[0].startswith("archive #2: the chain no longer leads to the head exported")

    # a head file altered by hand is not taken for a signed one
    document = json.loads(head.read_text())
    document["head"]["archive"]["chain_hash"] = prev
    head.write_text(json.dumps(document))
    assert any("not signed with this installation's key" in p for p in await _problems(app))


async def test_a_changed_delivery_pointer_is_still_named(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The ledger's check comes beside the archive's own, which still runs."""
    await _sent_and_bounced(app, tmp_path)
    async with app.ctx.sessions() as session:
        first, second = (await session.exec(select(Delivery).order_by(col(Delivery.id)))).all()[:2]
    await _sql(
        app,
        f"UPDATE deliveries SET archive_entry_id = {second.archive_entry_id} WHERE id = {first.id}",
    )
    assert any(f"delivery #{first.id}" in p for p in await _problems(app))


async def test_the_head_is_mailed_to_the_auditor_as_written(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _sent_and_bounced(app, tmp_path)
    app.ctx.settings.archive.head_auditor = "audit@auditor.example"
    head = await app.export_head()
    assert head is not None
    [mail] = sandbox.received("audit@auditor.example")
    [attachment] = list(parse(mail).iter_attachments())
    assert attachment.get_filename() == "chain-head.json"
    assert attachment.get_content() == head.read_bytes()
    assert json.loads(head.read_text())["head"]["ledger"]["seq"] == 6
