"""Reading e-invoices: Factur-X/ZUGFeRD PDFs, CII and UBL XML (EN 16931), ZUGFeRD 1.0.

Pure: bytes in, :class:`EInvoice` out, or :class:`~daemon.domain.errors.EInvoiceError` with the
reason. CII and UBL go through the factur-x library (XML extraction from the PDF, XSD check,
EN 16931 business-term parsing); ZUGFeRD 1.0, which that parser does not read, through a
small XPath reader of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import facturx
from lxml import etree

from daemon.domain.errors import EInvoiceError, ValidationError
from daemon.domain.fields import IDENTIFIER_MAX, NAME_MAX, NUMBER_MAX, checked_text
from daemon.domain.i18n import N_, _

log = logging.getLogger(__name__)

CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
ZUGFERD1_NS = "urn:ferd:CrossIndustryDocument:invoice:1p0"
FATTURAPA_HINT = "ivaservizi.agenziaentrate.gov.it"

_UBL_PARTS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


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


def read_einvoice(data: bytes, file: str, *, check_xsd: bool = True) -> EInvoice:
    """Read one e-invoice file's content. Raises EInvoiceError naming ``file`` and the reason."""
    sha = hashlib.sha256(data).hexdigest()
    if data[:1024].lstrip().startswith(b"%PDF") or data.startswith(b"%PDF"):
        xml = _xml_from_pdf(data, file)
        fmt, content_type = "factur-x", "application/pdf"
    elif data.lstrip()[:1] == b"<" or data.startswith(b"\xef\xbb\xbf"):
        xml, fmt, content_type = data, "", "application/xml"
    else:
        raise EInvoiceError(file, _("neither a PDF nor an XML file"))
    if b"FatturaElettronica" in xml[:4096]:
        raise EInvoiceError(file, _("FatturaPA (Italian SDI) invoices are not supported"))
    root = _parse_xml(xml, file)
    ns = etree.QName(root).namespace or ""
    if ns == ZUGFERD1_NS:
        return _read_zugferd1(root, file, sha, fmt="zugferd-1", content_type=content_type)
    if FATTURAPA_HINT in ns or etree.QName(root).localname == "FatturaElettronica":
        raise EInvoiceError(file, _("FatturaPA (Italian SDI) invoices are not supported"))
    if ns == CII_NS:
        fmt = fmt or "cii"
    elif ns in (UBL_INVOICE_NS, UBL_CREDIT_NS):
        if fmt == "factur-x":
            raise EInvoiceError(file, _("PDF embeds UBL; Factur-X/ZUGFeRD PDFs must embed CII"))
        _flavor, fmt = "ubl", "ubl"
    else:
        raise EInvoiceError(
            file,
            _("XML root {root} is not a CII or UBL invoice").format(
                root=f"{{{ns}}}{etree.QName(root).localname}"
            ),
        )
    if check_xsd:
        try:
            with _quiet():
                facturx.xml_check_xsd(xml, flavor="autodetect")
        except Exception as exc:
            reason = _("fails the {format} XML schema: {error}").format(
                format=fmt.upper(), error=_first_line(exc)
            )
            raise EInvoiceError(file, reason) from exc
    try:
        with _quiet():
            bt = facturx.parse_ubl_cii_xml(xml, check_xsd=False)
    except Exception as exc:
        raise EInvoiceError(
            file, _("cannot read the invoice data: {error}").format(error=_first_line(exc))
        ) from exc
    profile = _text(bt.get("BT-24"))
    if not bt.get("BG-3") and ns == UBL_CREDIT_NS:
        # the factur-x library looks for BG-3 under /Invoice only
        bt["BG-3"] = [
            {"BT-25": found}
            for found in root.xpath(
                "/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()",
                namespaces=_UBL_PARTS,
            )
        ]
    return _from_business_terms(bt, file, sha, fmt, profile, content_type)


def _xml_from_pdf(data: bytes, file: str) -> bytes:
    try:
        with _quiet():
            _name, xml = facturx.get_xml_from_pdf(data, check_xsd=False)
    except Exception as exc:
        raise EInvoiceError(
            file, _("unreadable PDF: {error}").format(error=_first_line(exc))
        ) from exc
    if not xml:
        raise EInvoiceError(file, _("PDF has no embedded Factur-X/ZUGFeRD XML: not an e-invoice"))
    return bytes(xml)


def _parse_xml(xml: bytes, file: str) -> Any:
    try:
        return etree.fromstring(xml, parser=_SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise EInvoiceError(file, _("malformed XML: {error}").format(error=exc)) from exc


@contextlib.contextmanager
def _quiet() -> Any:
    """The factur-x library logs and prints on its own; keep our output ours."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:300]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = " ".join(str(value).split())
    return s or None


def _money(value: Any, field: str, file: str, required: bool) -> Decimal | None:
    if value is None or str(value).strip() == "":
        if required:
            raise EInvoiceError(file, _("missing {field}").format(field=_(field)))
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise EInvoiceError(
            file, _("{field} is not an amount: {value}").format(field=_(field), value=repr(value))
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
    raise EInvoiceError(
        file, _("{field} is not a date: {value}").format(field=_(field), value=repr(value))
    )


def _identifier(party: dict[str, Any]) -> str | None:
    ids = party.get("identifiers") or {}
    for value in ids.values():
        if value:
            return str(value).strip()
    return None


def _from_business_terms(
    bt: dict[str, Any], file: str, sha: str, fmt: str, profile: str | None, content_type: str
) -> EInvoice:
    seller = bt.get("BG-4") or {}
    buyer = bt.get("BG-7") or {}
    number = _text(bt.get("BT-1"))
    if not number:
        raise EInvoiceError(file, _("missing invoice number (BT-1)"))
    issue = _as_date(bt.get("BT-2"), N_("issue date (BT-2)"), file)
    if issue is None:
        raise EInvoiceError(file, _("missing issue date (BT-2)"))
    buyer_name = _text(buyer.get("name"))
    if not buyer_name:
        raise EInvoiceError(file, _("missing buyer name (BT-44)"))
    seller_name = _text(seller.get("name")) or ""
    for field, value, limit in (
        (_("invoice number (BT-1)"), number, NUMBER_MAX),
        (_("seller name (BT-27)"), seller_name, NAME_MAX),
        (_("buyer name (BT-44)"), buyer_name, NAME_MAX),
        (_("buyer identifier (BT-46)"), _identifier(buyer) or "", IDENTIFIER_MAX),
    ):
        try:
            checked_text(value, field, limit)
        except ValidationError as exc:
            raise EInvoiceError(file, str(exc)) from None
    total = _money(bt.get("BT-112"), N_("invoice total with VAT (BT-112)"), file, True)
    due = _money(bt.get("BT-115"), N_("amount due (BT-115)"), file, False)
    assert total is not None
    return EInvoice(
        number=number,
        type_code=_text(bt.get("BT-3")) or "380",
        issue_date=issue,
        due_date=_as_date(bt.get("BT-9"), N_("due date (BT-9)"), file),
        currency=_text(bt.get("BT-5")) or "EUR",
        total_without_tax=_money(bt.get("BT-109"), N_("total without VAT (BT-109)"), file, False),
        tax_total=_money(bt.get("BT-110"), N_("VAT total (BT-110)"), file, False),
        total_with_tax=total,
        amount_due=due if due is not None else total,
        seller_name=seller_name,
        seller_vat_id=_text(seller.get("vat_identifier")),
        buyer_name=buyer_name,
        buyer_vat_id=_text(buyer.get("vat_identifier")),
        buyer_identifier=_identifier(buyer),
        buyer_electronic_address=_text(buyer.get("einvoicing_addr")),
        buyer_country=(_text(buyer.get("country_code")) or "").upper()[:2] or None,
        format=fmt,
        profile=profile,
        content_type=content_type,
        sha256=sha,
        preceding_numbers=tuple(
            number for number in (_text(ref.get("BT-25")) for ref in bt.get("BG-3") or []) if number
        ),
        remittance_reference=_text(bt.get("BT-83")),
    )


def _xp(node: Any, path: str) -> str | None:
    found = node.xpath(path)
    if not found:
        return None
    value = found[0] if isinstance(found[0], str) else found[0].text
    return _text(value)


def _read_zugferd1(root: Any, file: str, sha: str, *, fmt: str, content_type: str) -> EInvoice:
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
    return _from_business_terms(bt, file, sha, fmt, profile, content_type)
