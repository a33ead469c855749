"""A CII invoice's messages carry a PDF made from it, in the language its customer reads, on
SQLite and PostgreSQL: when a person chooses the customer of an invoice held for its buyer, or
an admin changes a customer's language, the PDF of every invoice not sent yet follows, and the
PDF of one already sent stays what the customer was sent."""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from pathlib import Path

from pypdf import PdfReader

from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import cii_xml

PARIS, LONDON = "factures@dupont-paris.example", "invoices@dupont-london.example"


def _cii(folder: Path, number: str, buyer_id: str = "C-1") -> Path:
    """A CII invoice to Boulangerie Dupont, a buyer in France; ``buyer_id`` "" names it only."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{number}.xml"
    path.write_bytes(cii_xml(number, buyer_id=buyer_id, vat=None))
    return path


def _pdf_text(sandbox: SandboxServer, address: str) -> list[str]:
    """The first page of the PDF in each message ``address`` was sent."""
    texts = []
    for raw in sandbox.received(address):
        message = message_from_bytes(raw, policy=policy.default)
        [part] = [p for p in message.walk() if p.get_filename()]
        assert part.get_content_type() == "application/pdf"
        texts.append(PdfReader(io.BytesIO(part.get_payload(decode=True))).pages[0].extract_text())
    return texts


async def _customer(app: Facturier, address: str, identifier: str, language: str) -> int:
    customer = await app.customers.add(
        NewCustomer("Boulangerie Dupont", address, (), None, identifier, language),
        changed_by="test",
    )
    assert customer.id is not None
    return customer.id


async def test_the_customer_chosen_for_an_invoice_reads_its_pdf_in_their_language(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Held for its buyer, the invoice's PDF was made in French, the language of the buyer's
    country; the customer chosen reads English, as its message does."""
    await _customer(app, PARIS, "C-1", "fr")
    london = await _customer(app, LONDON, "C-2", "en")
    [result] = await app.ingest.import_paths([_cii(tmp_path / "in", "FA-1", buyer_id="")])
    assert result.ok and result.customer_held and result.invoice_id is not None
    await app.buyers.choose(result.invoice_id, london, by="ana", reason="the London shop")
    await app.send_due()
    [text] = _pdf_text(sandbox, LONDON)
    assert "Invoice No. FA-1" in text and "Facture" not in text
    assert sandbox.received(PARIS) == []


async def test_a_language_changed_remakes_the_pdf_of_invoices_not_sent_yet_only(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app, PARIS, "C-1", "fr")
    [sent] = await app.ingest.import_paths([_cii(tmp_path / "in", "FA-1")])
    await app.send_due()
    [_, waiting] = await app.ingest.import_paths(
        [_cii(tmp_path / "in", "FA-1"), _cii(tmp_path / "in", "FA-2")]
    )
    assert waiting.ok and waiting.invoice_id is not None
    first = await app.queries.find_invoice("FA-1")

    changes = await app.customers.edit(
        customer, changed_by="ana", reason="their accounts team is in London", language="en"
    )
    assert changes == [
        "language fr → en",
        "the PDF of 1 invoice not sent yet made again in English",
    ]
    assert (await app.queries.find_invoice("FA-1")).readable_sha256 == first.readable_sha256
    await app.send_due()
    firsts = [t for t in _pdf_text(sandbox, PARIS) if "FA-1" in t.splitlines()[0]]
    [second] = [t for t in _pdf_text(sandbox, PARIS) if "FA-2" in t.splitlines()[0]]
    assert [t.splitlines()[0] for t in firsts] == ["Facture N° FA-1"]
    assert second.splitlines()[0] == "Invoice No. FA-2" and "Facture" not in second
    assert sent.invoice_id is not None

    # a re-send of the first carries the PDF it was sent with, not one made again
    await app.resend(sent.invoice_id, by="ana", reason="lost it", to=PARIS)
    await app.send_due()
    firsts = [t for t in _pdf_text(sandbox, PARIS) if "FA-1" in t.splitlines()[0]]
    assert [t.splitlines()[0] for t in firsts] == ["Facture N° FA-1"] * 2

    # nothing changes when the language does not
    assert await app.customers.edit(customer, changed_by="ana", reason="x", language="en") == []
