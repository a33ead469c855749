"""What an invoice's message asks the customer to pay is what the invoice says is due (BT-115),
on SQLite and PostgreSQL: an invoice paid in advance (BT-113, a card payment at order) asks
for nothing; one partly paid asks for the rest; one whose balance is in the customer's
favour says so; none of them asks for a payment reference it does not need."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import cii_xml, parse

TO = "factures@dupont.example"


def _prepaid(folder: Path, number: str, prepaid: str, due_on: date | None = None) -> Path:
    """A CII invoice of 120.00 with VAT of which ``prepaid`` was paid in advance (BT-113):
    its amount due (BT-115) is the rest, as EN 16931's BR-CO-16 computes it; due in 30 days,
    or ``due_on``."""
    xml = cii_xml(number, remittance="REF-FA-1").decode()
    if due_on is not None:
        xml = xml.replace(f"{date.today() + timedelta(days=30):%Y%m%d}", f"{due_on:%Y%m%d}")
    due = Decimal("120.00") - Decimal(prepaid)
    xml = re.sub(
        r"(<ram:GrandTotalAmount>120\.00</ram:GrandTotalAmount>)",
        rf"\g<1><ram:TotalPrepaidAmount>{prepaid}</ram:TotalPrepaidAmount>",
        xml,
    )
    xml = re.sub(r"(<ram:DuePayableAmount>)120\.00", rf"\g<1>{due:.2f}", xml)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{number}.xml"
    path.write_text(xml, encoding="utf-8")
    return path


async def _sent(app: Facturier, tmp_path: Path, language: str, prepaid: str) -> tuple[str, str]:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", TO, (), None, "C-1", language), changed_by="test"
    )
    [result] = await app.ingest.import_paths([_prepaid(tmp_path / "in", "FA-1", prepaid)])
    assert result.ok, result.message
    await app.send_due()
    return await _texts(app)


async def _texts(app: Facturier) -> tuple[str, str]:
    sandbox: SandboxServer = app.sandbox  # type: ignore[attr-defined]
    [raw] = sandbox.received(TO)
    m = parse(raw)
    plain, html = m.get_body(("plain",)), m.get_body(("html",))
    assert plain is not None and html is not None
    return " ".join(plain.get_content().split()), " ".join(html.get_content().split())


@pytest.mark.parametrize(
    ("language", "prepaid", "says", "never"),
    [
        (
            "fr",
            "120.00",
            "d'un montant de 120,00 EUR, déjà réglée : vous n'avez rien à payer.",
            ("à régler", "Merci d'indiquer la référence"),
        ),
        (
            "en",
            "120.00",
            "for 120.00 EUR, already paid: there is nothing to pay.",
            ("payable", "Please quote the reference"),
        ),
        ("fr", "100.00", "d'un montant de 120,00 EUR ; reste à régler : 20,00 EUR avant le ", ()),
        ("en", "100.00", "for 120.00 EUR; still to pay: 20.00 EUR by ", ()),
        ("fr", "0.00", "d'un montant de 120,00 EUR, à régler avant le ", ()),
        (
            "fr",
            "240.00",
            "d'un montant de 120,00 EUR ; le solde de 120,00 EUR est en votre faveur.",
            ("à régler", "Merci d'indiquer la référence"),
        ),
        (
            "en",
            "240.00",
            "for 120.00 EUR; the balance of 120.00 EUR is in your favour.",
            ("payable", "Please quote the reference"),
        ),
    ],
)
async def test_the_message_asks_for_what_is_due(
    app: Facturier,
    sandbox: SandboxServer,
    tmp_path: Path,
    language: str,
    prepaid: str,
    says: str,
    never: tuple[str, ...],
) -> None:
    app.sandbox = sandbox  # type: ignore[attr-defined]
    plain, html = await _sent(app, tmp_path, language, prepaid)
    assert says in plain, plain
    for words in never:
        assert words not in plain and words not in html, (words, plain)
    # the reference to quote with a payment, where a payment is asked for
    assert ("REF-FA-1" in plain) == (not never), plain


@pytest.mark.parametrize(("prepaid", "state"), [("120.00", "paid"), ("240.00", "paid")])
async def test_an_invoice_that_owes_nothing_is_paid_never_reminded_nor_counted_late(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path, prepaid: str, state: str
) -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", TO, (), None, "C-1", "fr"), changed_by="test"
    )
    # long past due: an invoice owing something would be late, and reminded
    path = _prepaid(tmp_path / "in", "FA-1", prepaid, due_on=date.today() - timedelta(days=40))
    [result] = await app.ingest.import_paths([path])
    assert result.ok, result.message
    await app.send_due()
    invoice = await app.queries.find_invoice("FA-1")
    assert invoice.payment_state == state
    report = await app.reminders.run()
    assert report.sent == [] and report.held_back == []
    figures = await app.report.build()
    assert figures.late_payment_rate == 0


@pytest.mark.parametrize(
    ("language", "prepaid", "says"),
    [
        ("fr", "0.00", "d'un montant de 120,00 EUR, échue le {due} : à régler dès réception."),
        ("en", "0.00", "for 120.00 EUR, which fell due on {due}: payable on receipt."),
        ("fr", "100.00", "reste à régler : 20,00 EUR dès réception (échéance : {due})."),
        ("en", "100.00", "still to pay: 20.00 EUR on receipt (it fell due on {due})."),
    ],
)
async def test_an_invoice_sent_after_its_due_date_does_not_ask_to_pay_before_it(
    app: Facturier,
    sandbox: SandboxServer,
    tmp_path: Path,
    language: str,
    prepaid: str,
    says: str,
) -> None:
    """An invoice sent once its due date has passed (sent again after a bounce, imported
    late) asked to be paid "before" a day gone by. It now says when it fell due, and that
    it is payable on receipt."""
    from daemon.outbound.batches import format_date

    app.sandbox = sandbox  # type: ignore[attr-defined]
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", TO, (), None, "C-1", language), changed_by="test"
    )
    late = date.today() - timedelta(days=10)
    path = _prepaid(tmp_path / "in", "FA-1", prepaid, due_on=late)
    [result] = await app.ingest.import_paths([path])
    assert result.ok, result.message
    await app.send_due()
    plain, html = await _texts(app)
    assert says.format(due=format_date(late, language)) in plain, plain
    assert "avant le" not in plain and "payable by" not in plain, plain
    assert "avant le" not in html and "payable by" not in html, html
