"""An invoice's EN 16931 business terms made into an :class:`EInvoice` (the number, dates,
amounts and parties facturier keeps), each checked and named by its business term when it is
missing or malformed; ZUGFeRD 1.0, which the factur-x library does not read, read into the same
terms by its own paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from daemon.domain import reading_words
from daemon.domain.compliance import ComplianceReport
from daemon.domain.errors import EInvoiceError, ValidationError
from daemon.domain.fields import IDENTIFIER_MAX, NAME_MAX, NUMBER_MAX, checked_text
from daemon.domain.i18n import N_, _, say


@dataclass(frozen=True)
class EInvoice:
    number: str
    type_code: str
    issue_date: date
    due_date: date | None
    currency: str
    total_without_tax: Decimal | None
    tax_total: Decimal | None
    total_with_tax: Decimal
    amount_due: Decimal
    seller_name: str
    seller_vat_id: str | None
    buyer_name: str
    buyer_vat_id: str | None
    buyer_identifier: str | None
    buyer_electronic_address: str | None
    format: str
    profile: str | None
    content_type: str
    sha256: str
    buyer_country: str | None = None
    """ISO 3166-1 alpha-2 code of the buyer's address (BT-55), when given."""
    preceding_numbers: tuple[str, ...] = ()
    """Preceding invoice references (BG-3 / BT-25): the invoices a credit note corrects."""
    remittance_reference: str | None = None
    """Remittance information (BT-83): the reference the seller asks payers to quote."""
    payment_means: str | None = None
    """The payment means code (BT-81, UNTDID 4461)."""
    business_terms: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """The EN 16931 business terms as the factur-x library reads them (CII and UBL)."""
    xml: bytes = field(default=b"", compare=False, repr=False)
    """The invoice's XML, as UTF-8 (for a PDF, the XML it embeds)."""
    compliance: ComplianceReport | None = None
    """What the compliance gate found (warnings, downgraded rules); for ZUGFeRD 1.0, which
    has no published rules, its schema only."""


def plain_text(value: Any) -> str | None:
    """``value`` as text, its runs of white space one space; None when it holds none."""
    if value is None:
        return None
    s = " ".join(str(value).split())
    return s or None


def _money(value: Any, field: str, file: str, required: bool) -> Decimal | None:
    if value is None or str(value).strip() == "":
        if required:
            raise EInvoiceError(file, say(reading_words.MISSING, field=say(field)))
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise EInvoiceError(
            file, say(reading_words.NOT_AN_AMOUNT, field=say(field), value=repr(value))
        ) from exc


def _as_date(value: Any, field: str, file: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        dates = [d for d in (_as_date(v, field, file) for v in value) if d is not None]
        return min(dates) if dates else None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(s[:10] if "-" in s else s[:8], fmt).date()
        except ValueError:
            continue
    raise EInvoiceError(file, say(reading_words.NOT_A_DATE, field=say(field), value=repr(value)))


def _identifier(party: dict[str, Any]) -> str | None:
    ids = party.get("identifiers") or {}
    for value in ids.values():
        if value:
            return str(value).strip()
    return None


def from_business_terms(
    bt: dict[str, Any], file: str, sha: str, fmt: str, profile: str | None, content_type: str
) -> EInvoice:
    seller = bt.get("BG-4") or {}
    buyer = bt.get("BG-7") or {}
    number = plain_text(bt.get("BT-1"))
    if not number:
        raise EInvoiceError(file, say(reading_words.MISSING_NUMBER))
    issue = _as_date(bt.get("BT-2"), N_("issue date (BT-2)"), file)
    if issue is None:
        raise EInvoiceError(file, say(reading_words.MISSING_ISSUE_DATE))
    buyer_name = plain_text(buyer.get("name"))
    if not buyer_name:
        raise EInvoiceError(file, say(reading_words.MISSING_BUYER))
    seller_name = plain_text(seller.get("name")) or ""
    for term, value, limit in (
        (_("invoice number (BT-1)"), number, NUMBER_MAX),
        (_("seller name (BT-27)"), seller_name, NAME_MAX),
        (_("buyer name (BT-44)"), buyer_name, NAME_MAX),
        (_("buyer identifier (BT-46)"), _identifier(buyer) or "", IDENTIFIER_MAX),
    ):
        try:
            checked_text(value, term, limit)
        except ValidationError as exc:
            raise EInvoiceError(file, str(exc)) from None
    total = _money(bt.get("BT-112"), N_("invoice total with VAT (BT-112)"), file, True)
    due = _money(bt.get("BT-115"), N_("amount due (BT-115)"), file, False)
    assert total is not None
    return EInvoice(
        number=number,
        type_code=plain_text(bt.get("BT-3")) or "380",
        issue_date=issue,
        due_date=_as_date(bt.get("BT-9"), N_("due date (BT-9)"), file),
        currency=plain_text(bt.get("BT-5")) or "EUR",
        total_without_tax=_money(bt.get("BT-109"), N_("total without VAT (BT-109)"), file, False),
        tax_total=_money(bt.get("BT-110"), N_("VAT total (BT-110)"), file, False),
        total_with_tax=total,
        amount_due=due if due is not None else total,
        seller_name=seller_name,
        seller_vat_id=plain_text(seller.get("vat_identifier")),
        buyer_name=buyer_name,
        buyer_vat_id=plain_text(buyer.get("vat_identifier")),
        buyer_identifier=_identifier(buyer),
        buyer_electronic_address=plain_text(buyer.get("einvoicing_addr")),
        buyer_country=(plain_text(buyer.get("country_code")) or "").upper()[:2] or None,
        format=fmt,
        profile=profile,
        content_type=content_type,
        sha256=sha,
        preceding_numbers=tuple(
            number
            for number in (plain_text(ref.get("BT-25")) for ref in bt.get("BG-3") or [])
            if number
        ),
        remittance_reference=plain_text(bt.get("BT-83")),
        payment_means=plain_text(bt.get("BT-81")),
    )


def _xp(node: Any, path: str) -> str | None:
    found = node.xpath(path)
    if not found:
        return None
    value = found[0] if isinstance(found[0], str) else found[0].text
    return plain_text(value)


def read_zugferd1(root: Any, file: str, sha: str, *, fmt: str, content_type: str) -> EInvoice:
    """ZUGFeRD 1.0 (urn:ferd:CrossIndustryDocument:invoice:1p0), by local names."""

    def ln(*steps: str) -> str:
        return "/".join(f"*[local-name()='{s}']" for s in steps)

    header = ln("HeaderExchangedDocument")
    trade = ln("SpecifiedSupplyChainTradeTransaction")
    agreement = f"{trade}/{ln('ApplicableSupplyChainTradeAgreement')}"
    settlement = f"{trade}/{ln('ApplicableSupplyChainTradeSettlement')}"
    summation = f"{settlement}/{ln('SpecifiedTradeSettlementMonetarySummation')}"
    seller = f"{agreement}/{ln('SellerTradeParty')}"
    buyer = f"{agreement}/{ln('BuyerTradeParty')}"
    vat = ln("SpecifiedTaxRegistration", "ID") + "[@schemeID='VA']"
    due_date = ln("SpecifiedTradePaymentTerms", "DueDateDateTime", "DateTimeString")
    bt: dict[str, Any] = {
        "BT-1": _xp(root, f"{header}/{ln('ID')}"),
        "BT-3": _xp(root, f"{header}/{ln('TypeCode')}"),
        "BT-2": _xp(root, f"{header}/{ln('IssueDateTime', 'DateTimeString')}"),
        "BT-5": _xp(root, f"{settlement}/{ln('InvoiceCurrencyCode')}"),
        "BT-9": _xp(root, f"{settlement}/{due_date}"),
        "BT-109": _xp(root, f"{summation}/{ln('TaxBasisTotalAmount')}"),
        "BT-110": _xp(root, f"{summation}/{ln('TaxTotalAmount')}"),
        "BT-112": _xp(root, f"{summation}/{ln('GrandTotalAmount')}"),
        "BT-115": _xp(root, f"{summation}/{ln('DuePayableAmount')}"),
        "BT-81": _xp(
            root, f"{settlement}/{ln('SpecifiedTradeSettlementPaymentMeans', 'TypeCode')}"
        ),
        "BG-4": {
            "name": _xp(root, f"{seller}/{ln('Name')}"),
            "vat_identifier": _xp(root, f"{seller}/{vat}"),
        },
        "BG-7": {
            "name": _xp(root, f"{buyer}/{ln('Name')}"),
            "vat_identifier": _xp(root, f"{buyer}/{vat}"),
            "identifiers": {None: _xp(root, f"{buyer}/{ln('ID')}")},
            "country_code": _xp(root, f"{buyer}/{ln('PostalTradeAddress', 'CountryID')}"),
        },
    }
    profile = _xp(
        root,
        ln("SpecifiedExchangedDocumentContext", "GuidelineSpecifiedDocumentContextParameter", "ID"),
    )
    return from_business_terms(bt, file, sha, fmt, profile, content_type)
