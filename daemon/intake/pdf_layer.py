"""The PDF layer of a Factur-X / ZUGFeRD invoice, read with pypdf and checked against what its
XML says (Factur-X 1.0 specification, sections 6.2-6.3, the same for ZUGFeRD 2.x; ZUGFeRD
1.0 specification, section 2.3).

- The embedded invoice: a file specification among the document's embedded files whose name
  is one the specifications give (``factur-x.xml``; ``zugferd-invoice.xml`` for ZUGFeRD 2.0;
  ``xrechnung.xml`` for ZUGFeRD's XRechnung profile; ``ZUGFeRD-invoice.xml`` for ZUGFeRD 1.0),
  with an ``/AFRelationship`` of ``Data``, ``Source`` or ``Alternative`` (PDF/A-3, ISO
  19005-3, annex E), listed in the catalog's ``/AF``.
- The fonts: a subset font's CIDSet names every glyph its program holds (PDF/A-2 and -3,
  ISO 19005-3 6.2.11.4.2; :mod:`daemon.intake.pdf_fonts`), the one PDF/A rule checked here
  beyond the identification, and the one a file fails that passes every other check.
- The XMP metadata: the PDF/A identification (``pdfaid:part`` 3, ISO 19005-3, 6.6.4) and the
  Factur-X/ZUGFeRD extension schema's ``DocumentFileName`` and ``ConformanceLevel``, which
  must name that file and the profile of the XML's guideline (BT-24).

The embedded XML is extracted here, never by a parser that would read it unguarded: it goes
through :func:`daemon.intake.xml_safety.safe_xml` like any other XML, as does the XMP packet.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

from daemon.domain import reading_words
from daemon.domain.compliance import FATAL, Finding
from daemon.domain.errors import EInvoiceError
from daemon.domain.finding_words import (
    AF_MISSING,
    AF_RELATIONSHIP,
    CIDSET_GAP,
    NONE,
    NOT_PDF_A3,
    XMP_FILE_NAME,
    XMP_LEVEL,
    XMP_NO_LEVEL,
)
from daemon.domain.i18n import say
from daemon.intake.pdf_fonts import CIDSetGap, cidset_gaps, resolved
from daemon.intake.xml_safety import safe_xml

log = logging.getLogger(__name__)

INVOICE_FILE_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
ZUGFERD1_FILE_NAME = "ZUGFeRD-invoice.xml"
RELATIONSHIPS = ("/Data", "/Source", "/Alternative")

_XMP_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}
_EXTENSION_NAMESPACES = (
    "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    "urn:zugferd:pdfa:CrossIndustryDocument:invoice:2p0#",
    "urn:ferd:pdfa:CrossIndustryDocument:invoice:1p0#",
)

# ConformanceLevel (XMP) → the profile a guideline (BT-24) names
_LEVELS = {
    "MINIMUM": "minimum",
    "BASIC WL": "basicwl",
    "BASIC": "basic",
    "EN 16931": "en16931",
    "COMFORT": "en16931",  # ZUGFeRD 1.0 and 2.0's name for it
    "EXTENDED": "extended",
    "XRECHNUNG": "xrechnung",
}


@dataclass(frozen=True)
class EmbeddedInvoice:
    name: str
    xml: bytes
    relationship: str | None
    in_catalog_af: bool
    xmp: dict[str, str]
    """pdfaid:part and conformance, DocumentFileName, ConformanceLevel, where given."""
    cidset_gaps: tuple[CIDSetGap, ...] = ()


def _printable(name: str) -> str:
    """A name a PDF gives, as one line of at most 60 characters (it comes from outside)."""
    shown = "".join(c if c.isprintable() else "?" for c in name)
    return shown if len(shown) <= 60 else shown[:59] + "…"


def embedded_invoice(pdf: bytes, file: str) -> EmbeddedInvoice:
    """The invoice XML a PDF carries, or :class:`EInvoiceError`."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        catalog: Any = resolved(reader.trailer["/Root"])
        specs = _file_specs(catalog)
        af = catalog.get("/AF")
        af_ids = {id(resolved(x)) for x in (resolved(af) or [])}
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise EInvoiceError(file, say(reading_words.UNREADABLE_PDF, error=exc)) from exc
    wanted = {n.lower() for n in (*INVOICE_FILE_NAMES, ZUGFERD1_FILE_NAME)}
    invoices = [(name, spec) for name, spec in specs if name.lower() in wanted]
    if len({name.lower() for name, _spec in invoices}) > 1:
        # one invoice XML a PDF (Factur-X 1.0, 6.2.2; ZUGFeRD 2.x the same): with two, which
        # one is the invoice cannot be told, and is never guessed
        raise EInvoiceError(
            file,
            say(
                reading_words.SEVERAL_INVOICE_XML,
                names=", ".join(name for name, _spec in invoices),
            ),
        )
    for name, spec in invoices:
        try:
            stream = resolved(resolved(spec["/EF"])["/F"])
            xml = stream.get_data()
        except (PyPdfError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise EInvoiceError(file, say(reading_words.UNREADABLE_PDF, error=exc)) from exc
        relationship = spec.get("/AFRelationship")
        return EmbeddedInvoice(
            name,
            bytes(xml),
            str(relationship) if relationship is not None else None,
            id(spec) in af_ids,
            _xmp(catalog, file),
            _fonts(catalog, file),
        )
    if specs:  # files it does embed, none under an invoice's name: say which
        raise EInvoiceError(
            file,
            say(
                reading_words.NO_INVOICE_XML_NAMED,
                found=", ".join(sorted({_printable(name) for name, _spec in specs})[:10]),
                names=", ".join((*INVOICE_FILE_NAMES, ZUGFERD1_FILE_NAME)),
            ),
        )
    raise EInvoiceError(file, say(reading_words.NO_INVOICE_XML))


def pdf_findings(embedded: EmbeddedInvoice, guideline: str | None) -> list[Finding]:
    """What the PDF layer says that its XML does not: each mismatch, as a warning."""
    found: list[Finding] = []

    def warn(rule: str, message: str) -> None:  # in English: see finding_words
        found.append(Finding(rule, "warning", message, "PDF"))

    zugferd1 = embedded.name.lower() == ZUGFERD1_FILE_NAME.lower()
    if not zugferd1 and embedded.relationship not in RELATIONSHIPS:
        found_as = embedded.relationship or NONE
        warn("PDF-AFRelationship", AF_RELATIONSHIP.format(name=embedded.name, found=found_as))
    if not zugferd1 and not embedded.in_catalog_af:
        warn("PDF-AF", AF_MISSING.format(name=embedded.name))
    part = embedded.xmp.get("part")
    if part != "3":
        warn("PDF-A3", NOT_PDF_A3.format(found=part or NONE))
    if part in ("2", "3"):
        for gap in embedded.cidset_gaps:
            # fatal, where the other mismatches here warn: those name a file or a profile
            # the XML states anyway, this one makes the file no PDF/A-3, which Factur-X
            # requires (Factur-X 1.0, 6.1) and a receiver's validator refuses; an admin who
            # must send such files downgrades PDF-CIDSet for that seller ([compliance])
            found.append(
                Finding(
                    "PDF-CIDSet",
                    FATAL,
                    CIDSET_GAP.format(
                        part=part,
                        font=gap.font,
                        count=gap.count,
                        cids=", ".join(str(c) for c in gap.missing),
                    ),
                    "PDF",
                )
            )
    named = embedded.xmp.get("DocumentFileName")
    if named is not None and named != embedded.name:
        warn("PDF-XMP-FileName", XMP_FILE_NAME.format(named=named, name=embedded.name))
    level = embedded.xmp.get("ConformanceLevel")
    declared = _LEVELS.get((level or "").strip().upper())
    actual = profile_of(guideline)
    if level is None:
        warn("PDF-XMP-Level", XMP_NO_LEVEL)
    elif declared is not None and actual is not None and declared != actual:
        warn("PDF-XMP-Level", XMP_LEVEL.format(declared=level, guideline=guideline))
    return found


def profile_of(guideline: str | None) -> str | None:
    """The Factur-X/ZUGFeRD profile a guideline id (BT-24) names: minimum, basicwl, basic,
    en16931, extended or xrechnung; None for one this does not know."""
    if not guideline:
        return None
    g = guideline.strip().lower()
    if "xrechnung" in g:
        return "xrechnung"
    last = g.rsplit(":", 1)[-1]
    if last in ("minimum", "basicwl", "basic", "extended"):
        return last
    if g == "urn:cen.eu:en16931:2017" or last == "comfort":
        return "en16931"
    return None


def _file_specs(catalog: Any) -> list[tuple[str, Any]]:
    """(name, file specification) of each embedded file in the catalog's name tree and /AF."""
    found: list[tuple[str, Any]] = []
    names = resolved(catalog.get("/Names"))
    tree = resolved(names.get("/EmbeddedFiles")) if names is not None else None
    stack = [tree] if tree is not None else []
    while stack and len(found) < 1000:
        node = resolved(stack.pop())
        pairs = node.get("/Names") or []
        for at in range(0, len(pairs) - 1, 2):
            spec = resolved(pairs[at + 1])
            found.append((_spec_name(spec) or str(pairs[at]), spec))
        stack += list(node.get("/Kids") or [])
    for spec in resolved(catalog.get("/AF")) or []:
        spec = resolved(spec)
        if all(spec is not s for _n, s in found):
            found.append((_spec_name(spec) or "", spec))
    return found


def _spec_name(spec: Any) -> str | None:
    for key in ("/UF", "/F"):
        value = spec.get(key)
        if value:
            return str(value)
    return None


def _fonts(catalog: Any, file: str) -> tuple[CIDSetGap, ...]:
    try:
        return tuple(cidset_gaps(catalog))
    except Exception as exc:  # fonts that cannot be walked are not judged
        log.info("%s: fonts not checked: %s", file, exc)
        return ()


def _xmp(catalog: Any, file: str) -> dict[str, str]:
    try:  # a damaged metadata object is metadata not read, as a damaged packet is
        metadata = resolved(catalog.get("/Metadata"))
        if metadata is None:
            return {}
        packet = safe_xml(metadata.get_data().strip(b"\x00 \r\n\t"), file).root
    except EInvoiceError as exc:
        log.info("%s: XMP metadata not read: %s", file, exc.reason)
        return {}
    except Exception as exc:
        log.info("%s: XMP metadata not read: %s", file, exc)
        return {}
    found: dict[str, str] = {}
    for name in ("part", "conformance"):
        value = _xmp_value(packet, _XMP_NS["pdfaid"], name)
        if value is not None:
            found[name] = value
    for ns in _EXTENSION_NAMESPACES:
        for name in ("DocumentFileName", "ConformanceLevel", "DocumentType", "Version"):
            value = _xmp_value(packet, ns, name)
            if value is not None:
                found.setdefault(name, value)
    return found


def _xmp_value(packet: Any, ns: str, name: str) -> str | None:
    """A property written either as an element or as an attribute of rdf:Description."""
    for element in packet.iter(f"{{{ns}}}{name}"):
        if element.text and element.text.strip():
            return str(element.text.strip())
    for description in packet.iter(f"{{{_XMP_NS['rdf']}}}Description"):
        value = description.get(f"{{{ns}}}{name}")
        if value:
            return str(value.strip())
    return None
