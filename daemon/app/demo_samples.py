"""Factur-X invoices made from scratch, for the demo, the tests and the benchmarks.

The factur-x library builds and checks the CII XML (EN 16931 profile) and embeds it; the
PDF page itself is drawn with reportlab.
"""

from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import facturx
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

SELLER = {
    "name": "ACME SARL",
    "vat_identifier": "FR32123456789",
    "country_code": "FR",
    "city": "Lyon",
    "postcode": "69002",
    "addr_l1": "12 quai Saint-Antoine",
    "legal_identifier": "12345678900027",
}


@dataclass(frozen=True)
class SampleInvoice:
    number: str
    buyer_name: str
    buyer_id: str
    buyer_vat: str | None
    issue: date
    due: date | None
    """None: no due date (BT-9), its payment terms in words (BT-20) instead."""
    net: Decimal
    vat_rate: Decimal = Decimal("20.00")
    description: str = "Prestations de conseil"
    type_code: str = "380"
    """UNTDID 1001: 380 an invoice, 381 a credit note."""
    preceding: str | None = None
    """For a credit note: the number of the invoice it corrects (BT-25)."""
    remittance: str | None = None
    """The payment reference payers are asked to quote (BT-83)."""
    quantity: Decimal = Decimal(1)
    """The line's invoiced quantity (BT-129)."""
    unit_price: Decimal | None = None
    """The line's net price (BT-146); by default ``net`` over ``quantity``. Another price
    makes a line whose amount does not add up."""
    payment_means: str | None = None
    """How it is paid (BT-81, UNTDID 4461); "59", a SEPA direct debit, with its mandate."""


def invoice_series(
    prefix: str, count: int, *, first_net: int = 100, digits: int = 5
) -> list[SampleInvoice]:
    """``count`` invoices to the customer Dupont (C-1), numbered ``<prefix>-00000``…, their
    net amounts rising by one from ``first_net``: bulk data for load tests and benchmarks."""
    return [
        SampleInvoice(
            f"{prefix}-{i:0{digits}d}",
            "Dupont",
            "C-1",
            None,
            date(2026, 1, 5),
            date(2026, 2, 4),
            Decimal(first_net + i),
        )
        for i in range(count)
    ]


def _q(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def sample_xml(inv: SampleInvoice) -> bytes:
    tax = (inv.net * inv.vat_rate / 100).quantize(Decimal("0.01"))
    total = inv.net + tax
    buyer: dict[str, object] = {
        "name": inv.buyer_name,
        "country_code": "FR",
        "city": "Paris",
        "postcode": "75011",
        "addr_l1": "3 rue Oberkampf",
    }
    if inv.buyer_id:
        buyer["identifiers"] = {None: inv.buyer_id}
    if inv.buyer_vat:
        buyer["vat_identifier"] = inv.buyer_vat
    data = {
        "BT-1": inv.number,
        "BT-2": inv.issue,
        "BT-3": inv.type_code,
        "BT-5": "EUR",
        **({"BT-9": inv.due} if inv.due else {"BT-20": "Payable within 30 days"}),
        "BT-72": inv.issue,
        "BG-4": dict(SELLER),
        "BG-7": buyer,
        "BG-23": [
            {"BT-116": _q(inv.net), "BT-117": _q(tax), "BT-118": "S", "BT-119": _q(inv.vat_rate)}
        ],
        "BG-25": [
            {
                "BT-126": "1",
                "BT-129": str(inv.quantity),
                "BT-130": "C62",
                "BT-131": _q(inv.net),
                "BT-146": _q(
                    inv.unit_price if inv.unit_price is not None else inv.net / inv.quantity
                ),
                "BT-151": "S",
                "BT-152": _q(inv.vat_rate),
                "BT-153": inv.description,
            }
        ],
        "BT-106": _q(inv.net),
        "BT-109": _q(inv.net),
        "BT-110": _q(tax),
        "BT-112": _q(total),
        "BT-115": _q(total),
    }
    if inv.preceding:
        data["BG-3"] = [{"BT-25": inv.preceding}]
    if inv.remittance:
        data["BT-83"] = inv.remittance
    if inv.payment_means:
        data["BT-81"] = inv.payment_means
    if inv.payment_means in ("30", "58"):  # a credit transfer: the account to pay (BT-84)
        data["BT-84"] = "FR7630006000011234567890189"
    if inv.payment_means == "59":  # EN 16931's BG-19: the mandate, the creditor, the account
        data |= {
            "BT-89": "MANDAT-0001",
            "BT-90": "FR12ZZZ123456",
            "BT-91": "FR7630006000011234567890189",
        }
    with _quiet_library():
        return bytes(facturx.generate_cii_xml(data, level="en16931", check_schematron=False))


def sample_pdf(inv: SampleInvoice, *, filler_pages: int = 0) -> bytes:
    """A Factur-X PDF for ``inv``, with ``filler_pages`` pages of annex for bulk."""
    return embed(sample_page(inv, filler_pages=filler_pages), inv)


def embed(page_pdf: bytes, inv: SampleInvoice) -> bytes:
    """Make ``page_pdf`` a Factur-X invoice carrying ``inv``'s CII XML."""
    with _quiet_library():
        return bytes(
            facturx.generate_from_binary(page_pdf, sample_xml(inv), check_schematron=False)
        )


def sample_page(inv: SampleInvoice, *, filler_pages: int = 0) -> bytes:
    """The printable PDF of ``inv``, without structured data."""
    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=A4, invariant=True, pageCompression=0)
    page.setTitle(f"Facture {inv.number}")
    page.setFont("Helvetica-Bold", 16)
    page.drawString(60, 780, f"{SELLER['name']} — Facture {inv.number}")
    page.setFont("Helvetica", 11)
    tax = (inv.net * inv.vat_rate / 100).quantize(Decimal("0.01"))
    lines = [
        f"Client : {inv.buyer_name}" + (f" ({inv.buyer_id})" if inv.buyer_id else ""),
        f"Date : {inv.issue:%d/%m/%Y}    "
        + (f"Échéance : {inv.due:%d/%m/%Y}" if inv.due else "Payable à 30 jours"),
        f"{inv.description} : {_q(inv.net)} EUR HT",
        f"TVA {inv.vat_rate} % : {_q(tax)} EUR",
        f"Total TTC : {_q(inv.net + tax)} EUR",
    ]
    for i, line in enumerate(lines):
        page.drawString(60, 740 - 18 * i, line)
    if filler_pages:
        # bulk like a detailed annex: pages of dense small print
        for n in range(filler_pages):
            page.showPage()
            page.setFont("Helvetica", 4)
            for row in range(150):
                page.drawString(20, 20 + row * 5, f"annexe {n:03d}-{row:03d} " * 14)
    page.save()
    return buf.getvalue()


@contextlib.contextmanager
def _quiet_library():  # type: ignore[no-untyped-def]
    logger = logging.getLogger("factur-x")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


@dataclass(frozen=True)
class SampleCredit:
    """A credit on the seller's bank account, for a sample statement."""

    amount: Decimal
    booked: date
    bank_ref: str
    payer: str
    reference: str | None = None
    text: str | None = None


CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def sample_camt053(statement_id: str, iban: str, credits: list[SampleCredit]) -> bytes:
    """A camt.053.001.02 end-of-day statement of ``credits`` (the elements the schema
    requires, in its order), as a bank would send it."""
    from lxml import etree

    def el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> Any:
        node = etree.SubElement(parent, f"{{{CAMT053}}}{name}", **attrs)
        if text is not None:
            node.text = text
        return node

    root = etree.Element(f"{{{CAMT053}}}Document", nsmap={None: CAMT053})
    report = el(root, "BkToCstmrStmt")
    header = el(report, "GrpHdr")
    el(header, "MsgId", f"MSG-{statement_id}")
    el(header, "CreDtTm", f"{max(c.booked for c in credits)}T23:00:00")
    stmt = el(report, "Stmt")
    el(stmt, "Id", statement_id)
    el(stmt, "CreDtTm", f"{max(c.booked for c in credits)}T23:00:00")
    el(el(el(stmt, "Acct"), "Id"), "IBAN", iban)
    for credit in credits:
        entry = el(stmt, "Ntry")
        el(entry, "Amt", _q(credit.amount), Ccy="EUR")
        el(entry, "CdtDbtInd", "CRDT")
        el(entry, "Sts", "BOOK")
        el(el(entry, "BookgDt"), "Dt", credit.booked.isoformat())
        el(el(entry, "ValDt"), "Dt", credit.booked.isoformat())
        el(entry, "AcctSvcrRef", credit.bank_ref)
        domain = el(el(entry, "BkTxCd"), "Domn")
        el(domain, "Cd", "PMNT")
        family = el(domain, "Fmly")
        el(family, "Cd", "RCDT")
        el(family, "SubFmlyCd", "ESCT")
        tx = el(el(entry, "NtryDtls"), "TxDtls")
        el(el(el(tx, "RltdPties"), "Dbtr"), "Nm", credit.payer)
        remittance = el(tx, "RmtInf")
        if credit.text:
            el(remittance, "Ustrd", credit.text)
        if credit.reference:
            el(el(el(remittance, "Strd"), "CdtrRefInf"), "Ref", credit.reference)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
