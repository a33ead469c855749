"""The compliance gate through the daemon, on SQLite and PostgreSQL: an invoice that breaks a
business rule is refused at import with the rule named and nothing stored; an admin's
downgrade lets it through as a warning and says so on the invoice; the gate runs again
before sending, so an invoice let through under rules that have since changed is not sent."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from daemon.app.services import Facturier
from daemon.domain import i18n
from daemon.domain.compliance import Downgrade
from daemon.domain.event_words import shown
from daemon.domain.models import Delivery, Invoice
from daemon.intake.customers import NewCustomer
from daemon.intake.ingest import ImportResult
from mailer.demo_relay import SandboxServer
from tests.helpers import cii_xml


def _cii(number: str) -> bytes:
    """A CII invoice of 100.00 net (120.00 with VAT) to Boulangerie Dupont (C-1)."""
    return cii_xml(number)


def _wrong_total(folder: Path, number: str) -> Path:
    """A CII invoice whose total with VAT (BT-112) is not its net plus its VAT: EN 16931's
    BR-CO-15 fails, while the XML schema is satisfied."""
    xml = _cii(number).decode()
    xml = re.sub(r"(<ram:GrandTotalAmount>)120\.00", r"\g<1>130.00", xml)
    xml = re.sub(r"(<ram:DuePayableAmount>)120\.00", r"\g<1>130.00", xml)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{number}.xml"
    path.write_text(xml, encoding="utf-8")
    return path


async def _customer(app: Facturier) -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1", "fr"),
        changed_by="test",
    )


def _downgrading(app: Facturier, *rules: str) -> None:
    """The admin's ``[[compliance.downgrade]]``, as the services would build it."""
    downgrades = (Downgrade(frozenset(rules), reason="totals checked by hand (ticket 42)"),)
    app.ingest.gate = dataclasses.replace(app.ingest.gate, downgrades=downgrades)
    app.ctx._gate = dataclasses.replace(app.ctx.gate, downgrades=downgrades)


async def _let_through(app: Facturier, tmp_path: Path, number: str) -> ImportResult:
    """An invoice breaking BR-CO-15/16 imported under a downgrade of those rules."""
    await _customer(app)
    _downgrading(app, "BR-CO-15", "BR-CO-16")
    [result] = await app.ingest.import_paths([_wrong_total(tmp_path / "in", number)])
    return result


async def test_a_rule_broken_refuses_the_invoice_with_the_rule_named(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app)
    path = _wrong_total(tmp_path / "in", "CG-1")
    [result] = await app.ingest.import_paths([path])
    assert not result.ok and "fails rule BR-CO-15" in result.message, result.message
    assert path.exists()  # left where it was, with its reason
    async with app.ctx.sessions() as session:
        assert (await session.exec(select(Invoice))).all() == []
    assert not list(Path(app.ctx.settings.ingest.store).rglob("*"))


async def test_a_downgrade_lets_it_through_as_a_warning_and_says_so(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    result = await _let_through(app, tmp_path, "CG-2")
    assert result.ok and "rule warning" in result.message and "BR-CO-15" in result.message
    [row] = await app.queries.invoices()
    shown = json.loads(json.dumps(row.to_json()))["compliance"]
    [finding] = [f for f in shown["findings"] if f["rule"] == "BR-CO-15"]
    assert finding["severity"] == "warning" and finding["downgraded"] is True
    assert any("ticket 42" in note for note in shown["notes"])

    await app.send_due()  # the same rules as at import: it goes
    assert len(sandbox.received("factures@dupont.example")) == 1


async def test_the_gate_runs_again_before_sending(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    result = await _let_through(app, tmp_path, "CG-3")
    assert result.ok
    _downgrading(app)  # the admin takes the downgrade back before it is sent

    i18n.use("fr")  # the daemon speaks French; what it records is read in each one's
    await app.send_due()
    assert sandbox.received("factures@dupont.example") == []
    async with app.ctx.sessions() as session:
        [delivery] = (await session.exec(select(Delivery))).all()
    assert delivery.state == "failed"
    stored = delivery.last_text or ""
    assert stored.startswith("the compliance gate refuses it now: fails rule BR-CO-15 ("), stored
    assert shown(stored).startswith(
        "le contrôle de conformité la refuse désormais : enfreint la règle BR-CO-15 ("
    ), shown(stored)
    i18n.use("en")
    assert shown(stored) == stored


async def test_a_cii_invoice_goes_as_a_readable_factur_x_pdf(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A customer is sent a PDF they can read, with the same XML inside, which the gate's
    own checks of the PDF layer pass; the file imported stays the invoice of record."""
    from email import message_from_bytes, policy

    from daemon.intake.einvoice import read_einvoice
    from daemon.intake.pdf_layer import embedded_invoice

    await _customer(app)
    xml = _cii("CG-4")
    path = tmp_path / "in" / "CG-4.xml"
    path.parent.mkdir(parents=True)
    path.write_bytes(xml)
    [result] = await app.ingest.import_paths([path])
    assert result.ok, result.message
    await app.send_due()
    [raw] = sandbox.received("factures@dupont.example")
    message = message_from_bytes(raw, policy=policy.default)
    [part] = [p for p in message.walk() if p.get_filename()]
    assert part.get_filename() == "CG-4.pdf" and part.get_content_type() == "application/pdf"
    pdf = part.get_payload(decode=True)
    assert embedded_invoice(pdf, "sent.pdf").xml == xml
    sent = read_einvoice(pdf, "sent.pdf")
    assert sent.number == "CG-4" and sent.total_with_tax == Decimal("120.00")
    assert sent.compliance is not None and sent.compliance.passed
    assert not [f for f in sent.compliance.findings if f.rule.startswith("PDF-")]
    import io

    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Facture N° CG-4" in text and "Total TTC" in text and "120,00 EUR" in text
    async with app.ctx.sessions() as session:
        [invoice] = (await session.exec(select(Invoice))).all()
    assert invoice.file_name == "CG-4.xml" and invoice.readable_name == "CG-4.pdf"


@pytest.mark.corpus
async def test_a_ubl_invoice_goes_with_a_readable_pdf_beside_it(
    app: Facturier, sandbox: SandboxServer, corpus_dir: Path, tmp_path: Path
) -> None:
    from email import message_from_bytes, policy

    await app.customers.add(
        NewCustomer("Kunden AG Mitte", "rechnung@kunden.example", (), None, None, "en"),
        changed_by="test",
    )
    ubl = corpus_dir / "einvoices" / "XML-Rechnung" / "UBL" / "EN16931_Einfach.ubl.xml"
    [result] = await app.ingest.import_paths([ubl])
    assert result.ok, result.message
    await app.send_due()
    [raw] = sandbox.received("rechnung@kunden.example")
    message = message_from_bytes(raw, policy=policy.default)
    parts = {p.get_filename(): p for p in message.walk() if p.get_filename()}
    assert set(parts) == {"EN16931_Einfach.ubl.xml", "EN16931_Einfach.pdf"}
    assert parts["EN16931_Einfach.ubl.xml"].get_payload(decode=True) == ubl.read_bytes()
    import io

    from pypdf import PdfReader

    pdf = parts["EN16931_Einfach.pdf"].get_payload(decode=True)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Invoice No. 471102" in text and "Amount due" in text and "529.87 EUR" in text


async def test_a_file_no_message_could_carry_is_refused_unread_and_kept_with_its_reason(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A file over smtp.max_message_bytes could never be sent (its message is larger
    still): refused at import, before it is read into memory, and kept in the rejected folder
    with the reason and the limit, as any refused file is. The check that sizes the message
    itself, before it goes, stays."""
    await _customer(app)
    assert app.ingest.max_file_bytes == app.ctx.settings.smtp.max_message_bytes
    watch = app.ctx.settings.ingest.watch
    watch.mkdir(parents=True, exist_ok=True)
    big = watch / "FA-BIG.xml"
    big.write_bytes(_cii("FA-BIG"))
    old = time.time() - 60  # landed a minute ago: not still being written
    os.utime(big, (old, old))
    size = big.stat().st_size
    app.ingest.max_file_bytes = size - 1
    [result] = await app.ingest.scan_watch_folder()
    assert not result.ok
    assert result.message.startswith(f"a file of {size} bytes: no message within "), result
    assert f"({app.ingest.max_file_bytes} bytes)" in result.message
    [kept] = app.ctx.settings.ingest.rejected.glob("FA-BIG*.xml")
    assert kept.read_bytes() == _cii("FA-BIG")
    assert result.message in kept.with_name(kept.name + ".reason.txt").read_text()
    async with app.ctx.sessions() as session:
        assert (await session.exec(select(Invoice))).all() == []


async def test_the_journal_says_what_the_watched_folder_did_in_english(
    app: Facturier, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A French installation: the reason kept beside a refused file is for a person, in
    French; the service's journal says what became of each file in English."""
    await _customer(app)
    watch = app.ctx.settings.ingest.watch
    watch.mkdir(parents=True, exist_ok=True)
    (watch / "FA-J1.xml").write_bytes(_cii("FA-J1"))
    (watch / "garbage.xml").write_bytes(b"<?xml version='1.0'?><note>hello</note>")
    old = time.time() - 60  # landed a minute ago: not still being written
    for file in watch.iterdir():
        os.utime(file, (old, old))
    i18n.use("fr")
    try:
        with caplog.at_level("INFO", logger="daemon.intake.ingest"):
            results = await app.ingest.scan_watch_folder()
    finally:
        i18n.use("en")
    assert sorted(r.ok for r in results) == [False, True]
    [kept] = app.ctx.settings.ingest.rejected.glob("garbage*.xml.reason.txt")
    assert "la racine XML {}note n'est pas une facture CII ou UBL" in kept.read_text()
    journal = [r.getMessage() for r in caplog.records if r.name == "daemon.intake.ingest"]
    assert "FA-J1.xml: invoice FA-J1, imported" in journal, journal
    [rejected] = [line for line in journal if line.startswith("rejected")]
    assert "XML root {}note is not a CII or UBL invoice (kept in " in rejected, rejected


async def test_a_file_unreadable_when_sent_is_recorded_in_english(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The gate runs again before sending: a stored file that no longer reads as an
    e-invoice is recorded in English, whatever the daemon speaks (it was recorded in the
    daemon's language, and read so by everyone), and read in each reader's language."""
    await _customer(app)
    folder = tmp_path / "in2"
    folder.mkdir()
    (folder / "FA-U1.xml").write_bytes(_cii("FA-U1"))
    [result] = await app.ingest.import_paths([folder / "FA-U1.xml"])
    assert result.ok
    async with app.ctx.sessions() as session:
        [invoice] = (await session.exec(select(Invoice))).all()
    stored_file = Path(invoice.stored_path)
    stored_file.chmod(0o600)
    stored_file.write_bytes(b"<?xml version='1.0'?><note>hello</note>")  # altered under us
    _downgrading(app, "BR-XX-1")  # the gate changed since the import: checked again
    i18n.use("fr")
    try:
        await app.send_due()
    finally:
        i18n.use("en")
    async with app.ctx.sessions() as session:
        [delivery] = (await session.exec(select(Delivery))).all()
    stored = delivery.last_text or ""
    assert (
        stored == "the compliance gate refuses it now: XML root {}note is not a CII or UBL invoice"
    )
    i18n.use("fr")
    try:
        assert shown(stored) == (
            "le contrôle de conformité la refuse désormais : "
            "la racine XML {}note n'est pas une facture CII ou UBL"
        ), shown(stored)
    finally:
        i18n.use("en")
