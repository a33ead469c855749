"""One invoice once, on SQLite and PostgreSQL: a second file of an invoice already imported is
held for a person, who replaces, keeps or discards it; credit notes reduce what is owed."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from config import Settings
from daemon.app.services import Facturier
from daemon.domain.errors import AmbiguousError, ValidationError
from daemon.domain.formatting import day
from daemon.domain.i18n import language
from daemon.domain.models import Invoice
from daemon.intake.customers import NewCustomer
from daemon.intake.duplicates import Decision
from daemon.intake.einvoice import read_einvoice
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file


async def _customer(app: Facturier, email: str = "factures@dupont.example") -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", email, (), None, "C-1", "fr"), changed_by="test"
    )


async def _one(app: Facturier, path: Path):  # type: ignore[no-untyped-def]
    [result] = await app.ingest.import_paths([path])
    assert result.ok, result.message
    return result


async def test_a_second_file_of_an_invoice_is_held_not_sent(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app)
    first_file = invoice_file(tmp_path / "a", "FA-7", net="100.00")
    first = await _one(app, first_file)
    # the same file again (a PDF written twice differs in its creation time, so not a rebuild)
    again = await _one(app, first_file)
    assert again.duplicate and again.invoice_id == first.invoice_id  # same bytes: nothing new
    reexported = await _one(
        app, invoice_file(tmp_path / "b", "FA-7", net="110.00", name="FA-7-bis.pdf")
    )
    assert reexported.held and reexported.invoice_id != first.invoice_id
    assert "possible duplicate" in reexported.message
    await app.send_due()
    assert len(sandbox.received("factures@dupont.example")) == 1  # the first file only

    [item] = await app.attention.items()
    assert item.kind == "possible-duplicate" and item.ref == reexported.invoice_id
    [pair] = await app.duplicates.held()
    assert pair.earlier_id == first.invoice_id
    differs = {f.field for f in pair.differences}
    assert {"total_with_tax", "amount_due", "file_name", "file_sha256"} <= differs
    assert "number" not in differs and "buyer_name" not in differs

    # an ambiguous number is refused with both candidates, never guessed
    with pytest.raises(AmbiguousError) as refused:
        await app.queries.find_invoice("FA-7")
    assert "110.00" in str(refused.value) or "132.00" in str(refused.value)


async def test_replace_withdraws_the_earlier_invoice_and_sends_the_new_one(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app)
    first = await _one(app, invoice_file(tmp_path / "a", "FA-8", net="100.00"))
    held = await _one(app, invoice_file(tmp_path / "b", "FA-8", net="90.00", name="corrected.pdf"))
    assert held.invoice_id is not None and first.invoice_id is not None
    with pytest.raises(ValidationError, match="reason"):
        await app.duplicates.decide(held.invoice_id, Decision.REPLACE, by="ana", reason=" ")
    # the earlier one is still queued: replacing it cancels it before it goes
    now = await app.duplicates.decide(
        held.invoice_id, Decision.REPLACE, by="ana", reason="corrected amount"
    )
    assert now.state == "queued"
    await app.send_due()
    [sent] = sandbox.received("factures@dupont.example")
    assert b"corrected.pdf" in sent
    earlier = await app.queries.invoice_detail(first.invoice_id)
    assert earlier.row.state == "withdrawn"
    assert [d[2] for d in earlier.deliveries] == ["cancelled"]
    assert await app.attention.items() == []
    # a decision is made once
    with pytest.raises(ValidationError, match="not held"):
        await app.duplicates.decide(held.invoice_id, Decision.DISCARD, by="ana", reason="x")


async def test_the_day_the_earlier_file_came_is_the_businesss_day(
    settings: Settings, tmp_path: Path
) -> None:
    """The import report says when the earlier file came on the business's calendar
    (``[schedule] timezone``): imported at 20:00 UTC on 1 March is 2 March in Tokyo."""
    zone = settings.schedule.model_copy(update={"timezone": "Asia/Tokyo"})
    app = await Facturier.open(settings.model_copy(update={"schedule": zone}))
    try:
        await _customer(app)
        first = await _one(app, invoice_file(tmp_path / "a", "FA-7", net="100.00"))
        async with app.ctx.sessions() as session:
            invoice = await session.get(Invoice, first.invoice_id)
            assert invoice is not None
            invoice.imported_at = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
            session.add(invoice)
            await session.commit()
        held = await _one(app, invoice_file(tmp_path / "b", "FA-7", net="110.00", name="b.pdf"))
        said = held.message
        assert f"#{first.invoice_id}" in said and day(date(2026, 3, 2), language()) in said, said
        assert day(date(2026, 3, 1), language()) not in said, said
    finally:
        await app.close()


async def test_keep_both_sends_both_and_discard_sends_nothing(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app)
    await _one(app, invoice_file(tmp_path / "a", "FA-9", net="100.00"))
    second = await _one(app, invoice_file(tmp_path / "b", "FA-9", net="50.00", name="x.pdf"))
    third = await _one(app, invoice_file(tmp_path / "c", "FA-9", net="70.00", name="y.pdf"))
    assert second.held and third.held and second.invoice_id and third.invoice_id
    await app.duplicates.decide(second.invoice_id, Decision.KEEP, by="ana", reason="two orders")
    await app.duplicates.decide(third.invoice_id, Decision.DISCARD, by="ana", reason="mistake")
    await app.send_due()
    assert len(sandbox.received("factures@dupont.example")) == 2
    states = Counter(r.state for r in await app.queries.invoices())
    assert states["discarded"] == 1


async def test_credit_note_reduces_what_the_invoice_owes(app: Facturier, tmp_path: Path) -> None:
    await _customer(app)
    invoice = await _one(app, invoice_file(tmp_path / "a", "FA-10", net="100.00"))
    # a credit note may share the invoice's number: it is another kind of document
    credit = await _one(
        app,
        invoice_file(
            tmp_path / "b",
            "FA-10",
            net="25.00",
            type_code="381",
            preceding="FA-10",
            name="AV.pdf",
        ),
    )
    assert not credit.held
    assert invoice.invoice_id is not None
    owed = await app.queries.invoice(invoice.invoice_id)
    assert owed.amount_credited == Decimal("30.00")  # 25.00 and 20 % VAT
    assert owed.payment_state == "partial"


async def test_a_withdrawn_invoice_is_never_reminded(app: Facturier, tmp_path: Path) -> None:
    await _customer(app)
    first = await _one(
        app, invoice_file(tmp_path / "a", "FA-11", issued_days_ago=40, due_in_days=-30)
    )
    await app.send_due()
    held = await _one(
        app,
        invoice_file(
            tmp_path / "b",
            "FA-11",
            net="99.00",
            issued_days_ago=40,
            due_in_days=-30,
            name="b.pdf",
        ),
    )
    assert held.invoice_id is not None and first.invoice_id is not None
    report = await app.reminders.run(date.today())
    assert report.queued == 1  # the first one; a held file is not reminded
    await app.duplicates.decide(held.invoice_id, Decision.REPLACE, by="ana", reason="fix")
    earlier = await app.queries.invoice_detail(first.invoice_id)
    assert "cancelled" in [d[2] for d in earlier.deliveries]  # its queued reminder
    await app.send_due()
    before = len(earlier.deliveries)
    report = await app.reminders.run(date.today() + timedelta(days=30))
    assert report.queued == 1  # the replacement, overdue too
    after = await app.queries.invoice_detail(first.invoice_id)
    assert len(after.deliveries) == before  # the withdrawn one: no level 2


@pytest.mark.corpus
async def test_corpus_files_that_share_a_number_are_held(
    app: Facturier, corpus_dir: Path, tmp_path: Path
) -> None:
    """The ZUGFeRD corpus' seller DE123456789 numbers many different sample invoices
    471102: one goes in, the others wait for a person; the same bytes twice change nothing."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    sharing = []
    for path in sorted((corpus_dir / "einvoices").rglob("*")):
        if path.suffix.lower() != ".xml" or "fail" in path.parts:
            continue
        try:
            inv = read_einvoice(path.read_bytes(), str(path), check_xsd=False)
        except Exception:
            continue
        if inv.number == "471102" and inv.seller_vat_id == "DE123456789" and inv.type_code == "380":
            sharing.append(path)
    if len(sharing) < 3:
        pytest.skip("the corpus has fewer than three files numbered 471102")
    for n, path in enumerate(sharing):
        shutil.copy(path, folder / f"{n:03d}-{path.name}")
    results = await app.ingest.import_paths([folder])
    imported = [r for r in results if r.ok]
    assert sum(not r.held for r in imported) == 1, [r.message for r in results]
    assert sum(r.held for r in imported) == len(imported) - 1
    again = await app.ingest.import_paths([folder])
    assert all(r.duplicate or not r.ok for r in again)
    assert len(await app.duplicates.held()) == len(imported) - 1


async def test_a_second_correction_is_compared_with_the_first_once_it_replaced_the_original(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Two corrected files of one invoice, both held against the original. The first
    replaces it; the second then stands beside the first correction, not the withdrawn
    original: a decision taken on the old comparison is refused, saying so, and replacing
    withdraws the first correction. Before, the second went out too, both corrections live."""
    await _customer(app)
    first = await _one(app, invoice_file(tmp_path / "a", "FA-9", net="100.00"))
    await app.send_due()
    v2 = await _one(app, invoice_file(tmp_path / "b", "FA-9", net="90.00", name="v2.pdf"))
    v3 = await _one(app, invoice_file(tmp_path / "c", "FA-9", net="80.00", name="v3.pdf"))
    assert v2.invoice_id and v3.invoice_id and first.invoice_id
    await app.duplicates.decide(v2.invoice_id, Decision.REPLACE, by="ana", reason="v2")
    [pair] = await app.duplicates.held()
    assert (pair.held_id, pair.earlier_id) == (v3.invoice_id, v2.invoice_id)
    with pytest.raises(ValidationError, match=f"replaced by #{v2.invoice_id} since"):
        await app.duplicates.decide(v3.invoice_id, Decision.REPLACE, by="bob", reason="v3")
    await app.duplicates.decide(v3.invoice_id, Decision.REPLACE, by="bob", reason="v3, seen")
    await app.send_due()
    states = {
        i: (await app.queries.invoice(i)).state
        for i in (first.invoice_id, v2.invoice_id, v3.invoice_id)
    }
    assert states[first.invoice_id] == "withdrawn" and states[v2.invoice_id] == "withdrawn"
    assert states[v3.invoice_id] != "withdrawn"
    names = [m for m in sandbox.received("factures@dupont.example") if b"v3.pdf" in m]
    assert len(names) == 1
