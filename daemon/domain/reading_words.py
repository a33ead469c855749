"""Why a file is not an e-invoice we can read, as the readers of ``daemon/intake`` say it:
each a template stored in English (a refusal by the gate, run again before sending, is kept
on the delivery) and read back in each reader's language by :func:`shown_reading`."""

from __future__ import annotations

import functools
import re

from daemon.domain.i18n import N_, _, form_pattern

NOT_PDF_OR_XML = N_("neither a PDF nor an XML file")
EMPTY_FILE = N_(
    "an empty file (nothing in it but blank space): was it still being written, or copied wrong?"
)
FATTURAPA = N_("FatturaPA (Italian SDI) invoices are not supported")
PDF_EMBEDS_UBL = N_("PDF embeds UBL; Factur-X/ZUGFeRD PDFs must embed CII")
NOT_CII_OR_UBL = N_("XML root {root} is not a CII or UBL invoice")
UNREADABLE_DATA = N_("cannot read the invoice data: {error}")
FAILS_SCHEMA = N_("fails the {format} XML schema: {error}")
NO_SCHEMA = N_("no schema for its profile {level}")
MISSING = N_("missing {field}")
NOT_AN_AMOUNT = N_("{field} is not an amount: {value}")
NOT_A_DATE = N_("{field} is not a date: {value}")
MISSING_NUMBER = N_("missing invoice number (BT-1)")
MISSING_ISSUE_DATE = N_("missing issue date (BT-2)")
MISSING_BUYER = N_("missing buyer name (BT-44)")
XML_TOO_BIG = N_("XML of {size} bytes, over the {limit}-byte limit")
NOT_ENCODED_AS = N_("not {encoding} text: {error}")
DOCTYPE_DECLARED = N_(
    "the XML declares a document type (DOCTYPE): entities and external DTDs are refused, "
    "an e-invoice needs none"
)
MALFORMED_XML = N_("malformed XML: {error}")
DOCTYPE = N_("the XML declares a document type (DOCTYPE)")
BOM_DISAGREES = N_(
    "the file starts with a UTF-8 byte-order mark but its XML declaration says "
    "{encoding}: the two disagree; save it again in one encoding"
)
UNREADABLE_PDF = N_("unreadable PDF: {error}")
SEVERAL_INVOICE_XML = N_(
    "the PDF embeds several invoice XML files ({names}): which one is the invoice cannot be told"
)
NO_INVOICE_XML_NAMED = N_(
    "PDF has no embedded Factur-X/ZUGFeRD XML: it embeds {found}, none named {names} "
    "(Factur-X 1.0 and ZUGFeRD 2 name the invoice so): not an e-invoice"
)
NO_INVOICE_XML = N_("PDF has no embedded Factur-X/ZUGFeRD XML: not an e-invoice")

# the templates without a field first: "missing invoice number (BT-1)" is that one, not
# "missing {field}" with a field of its own
TEMPLATES = tuple(
    sorted(
        (v for k, v in dict(globals()).items() if k.isupper() and isinstance(v, str)),
        key=lambda t: "{" in t,
    )
)


@functools.cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((t, form_pattern(t)) for t in TEMPLATES)


def shown_reading(text: str) -> str | None:
    """A stored reason of this module's in the reader's language (its fields too, where
    they are one of ours: a business term's name, a nested reason); None for any other."""
    for template, pattern in _patterns():
        found = pattern.fullmatch(text)
        if found is not None:
            fields = {k: shown_reading(v) or _(v) for k, v in found.groupdict().items()}
            return _(template).format(**fields)
    return None
