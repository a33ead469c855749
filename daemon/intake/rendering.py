"""A readable invoice for a customer who cannot read XML: the EN 16931 content a person needs
(parties, lines, VAT breakdown, totals, payment terms and means, the reference to quote),
laid out on A4 in the buyer's language (fr, en).

- CII: a Factur-X PDF/A-3 (the rendered pages with the invoice's own XML embedded as
  ``factur-x.xml``, made with the factur-x library), which the gate's PDF layer checks pass;
- UBL: the rendered PDF alone, sent beside the XML (Factur-X embeds CII only).

The fonts are embedded (DejaVu-compatible Bitstream Vera, shipped with reportlab) and the
document carries an sRGB output intent, as PDF/A-3 (ISO 19005-3, 6.2.3) asks.
"""

from __future__ import annotations

import contextlib
import io
import logging
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import facturx
from babel.dates import format_date
from babel.numbers import format_decimal
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

log = logging.getLogger(__name__)

_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
LABELS = {
    "fr": {
        "380": "Facture",
        "381": "Avoir",
        "number": "N°",
        "issued": "Date",
        "due": "Échéance",
        "seller": "Vendeur",
        "buyer": "Client",
        "vat": "TVA",
        "description": "Désignation",
        "quantity": "Qté",
        "price": "Prix unit. HT",
        "rate": "TVA %",
        "line_total": "Total HT",
        "breakdown": "Détail de la TVA",
        "base": "Base HT",
        "amount": "Montant TVA",
        "net_total": "Total HT",
        "vat_total": "Total TVA",
        "total": "Total TTC",
        "paid": "Déjà payé",
        "due_amount": "Net à payer",
        "terms": "Conditions de paiement",
        "means": "Règlement",
        "reference": "Référence à rappeler",
        "xml": "Les données structurées de cette facture sont jointes au PDF (factur-x.xml).",
    },
    "en": {
        "380": "Invoice",
        "381": "Credit note",
        "number": "No.",
        "issued": "Date",
        "due": "Due",
        "seller": "Seller",
        "buyer": "Customer",
        "vat": "VAT",
        "description": "Description",
        "quantity": "Qty",
        "price": "Unit price",
        "rate": "VAT %",
        "line_total": "Net amount",
        "breakdown": "VAT breakdown",
        "base": "Taxable amount",
        "amount": "VAT amount",
        "net_total": "Total without VAT",
        "vat_total": "Total VAT",
        "total": "Total with VAT",
        "paid": "Paid",
        "due_amount": "Amount due",
        "terms": "Payment terms",
        "means": "Payment",
        "reference": "Reference to quote",
        "xml": "This invoice's structured data is attached to the PDF (factur-x.xml).",
    },
}
_FONTS = Path(pdfmetrics.__file__).resolve().parent.parent / "fonts"
_REGISTERED: list[bool] = []


def readable_invoice(bt: dict[str, Any], xml: bytes, syntax: str, language: str) -> bytes:
    """The readable PDF of an invoice read as ``bt`` (factur-x's business terms)."""
    language = language if language in LABELS else "en"
    pages = render_pages(bt, language)
    if syntax != "cii":
        return pages
    with _quiet():
        made = facturx.generate_from_binary(
            pages,
            xml,
            flavor="factur-x",
            check_xsd=False,
            lang=language,
            pdf_metadata={
                "author": _party(bt, "BG-4").get("name", ""),
                "keywords": "Factur-X",
                "title": f"{LABELS[language].get(str(bt.get('BT-3')), '')} {bt.get('BT-1', '')}",
                "subject": f"{bt.get('BT-1', '')}",
            },
        )
    return _with_output_intent(bytes(made))


def render_pages(bt: dict[str, Any], language: str) -> bytes:
    """The invoice laid out on A4 pages (fonts embedded)."""
    _register_fonts()
    t = LABELS[language]
    locale = _LOCALES[language]
    currency = str(bt.get("BT-5") or "")

    def money(value: Any) -> str:
        amount = _decimal(value)
        if amount is None:
            return ""
        return format_decimal(amount, format="#,##0.00", locale=locale) + f" {currency}"

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=True)
    pdf.setTitle(f"{t.get(str(bt.get('BT-3')), t['380'])} {bt.get('BT-1', '')}")
    width, height = A4
    y = height - 60

    def line(
        text: str, x: float = 50, size: float = 9.5, bold: bool = False, room: float = 0
    ) -> None:
        """``text`` from ``x``, wrapped within ``room`` points (to the right margin)."""
        nonlocal y
        font = "Vera-Bold" if bold else "Vera"
        for part in wrapped(text, font, size, room or width - 50 - x):
            if y < 70:
                pdf.showPage()
                y = height - 60
            pdf.setFont(font, size)
            pdf.drawString(x, y, part)
            y -= size + 4

    def column_titles() -> None:
        nonlocal y
        for x, title in columns:
            pdf.setFont("Vera-Bold", 8.5)
            pdf.drawString(x, y, title)
        y -= 14

    kind = t.get(str(bt.get("BT-3")), t["380"])
    line(f"{kind} {t['number']} {bt.get('BT-1', '')}", size=16, bold=True)
    colon = " : " if language == "fr" else ": "
    issued, due = _day(bt.get("BT-2"), locale), _day(bt.get("BT-9"), locale)
    line(f"{t['issued']}{colon}{issued}    {t['due']}{colon}{due}")
    y -= 8
    top = y
    lowest = top
    for x, room, role, key in ((50, 245, t["seller"], "BG-4"), (310, 235, t["buyer"], "BG-7")):
        y = top
        party = _party(bt, key)
        line(role, x=x, bold=True)
        for text in _address(party):
            line(text, x=x, room=room)
        if party.get("vat_identifier"):
            line(f"{t['vat']} {party['vat_identifier']}", x=x, room=room)
        lowest = min(lowest, y)
    y = min(lowest, top - 90) - 10

    columns = ((50, t["description"]), (300, t["quantity"]), (350, t["price"]),
               (430, t["rate"]), (480, t["line_total"]))  # fmt: skip
    column_titles()
    for item in bt.get("BG-25") or []:
        description = wrapped(str(item.get("BT-153") or ""), "Vera", 8.5, 244)
        if y - 11 * (len(description) - 1) < 90:
            pdf.showPage()
            y = height - 60
            column_titles()
        pdf.setFont("Vera", 8.5)
        pdf.drawString(300, y, _plain(item.get("BT-129"), locale))
        pdf.drawString(350, y, _plain(item.get("BT-146"), locale))
        pdf.drawString(430, y, _plain(item.get("BT-152"), locale))
        pdf.drawRightString(width - 50, y, money(item.get("BT-131")))
        for part in description:
            if y < 70:
                pdf.showPage()
                y = height - 60
                pdf.setFont("Vera", 8.5)
            pdf.drawString(50, y, part)
            y -= 11
        y -= 2
    y -= 10
    line(t["breakdown"], bold=True)
    for vat in bt.get("BG-23") or []:
        line(
            f"{vat.get('BT-118', '')} {_plain(vat.get('BT-119'), locale)} %   "
            f"{t['base']} {money(vat.get('BT-116'))}   {t['amount']} {money(vat.get('BT-117'))}"
        )
    y -= 6
    for key, label, bold in (
        ("BT-109", t["net_total"], False),
        ("BT-110", t["vat_total"], False),
        ("BT-112", t["total"], True),
        ("BT-113", t["paid"], False),
        ("BT-115", t["due_amount"], True),
    ):
        if _decimal(bt.get(key)) is None or (key == "BT-113" and _decimal(bt.get(key)) == 0):
            continue
        pdf.setFont("Vera-Bold" if bold else "Vera", 10)
        pdf.drawString(330, y, label)
        pdf.drawRightString(width - 50, y, money(bt.get(key)))
        y -= 15
    y -= 8
    if bt.get("BT-20"):
        line(t["terms"], bold=True)
        for part in str(bt["BT-20"]).splitlines():
            line(part.strip())
    means = bt.get("BG-16") or []
    for mean in means if isinstance(means, list) else [means]:
        account = mean.get("BT-84") if isinstance(mean, dict) else None
        if account:
            bic = mean.get("BT-86")
            line(f"{t['means']}{colon}IBAN {account}" + (f"  BIC {bic}" if bic else ""))
    if bt.get("BT-83"):
        line(f"{t['reference']}{colon}{bt['BT-83']}", bold=True)
    pdf.setFont("Vera", 7)
    pdf.drawString(50, 40, t["xml"])
    pdf.save()
    return buf.getvalue()


def wrapped(text: str, font: str, size: float, room: float) -> list[str]:
    """``text`` in lines no wider than ``room`` points: broken at spaces, and a word wider
    than the room (an IBAN, a link) broken where it must; its own line breaks kept. Nothing
    of it is dropped."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        for part in simpleSplit(paragraph, font, size, room) or [""]:
            while pdfmetrics.stringWidth(part, font, size) > room and len(part) > 1:
                cut = len(part) - 1
                while cut > 1 and pdfmetrics.stringWidth(part[:cut], font, size) > room:
                    cut -= 1
                lines.append(part[:cut])
                part = part[cut:]
            lines.append(part)
    return lines


def _register_fonts() -> None:
    if not _REGISTERED:
        pdfmetrics.registerFont(TTFont("Vera", str(_FONTS / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("Vera-Bold", str(_FONTS / "VeraBd.ttf")))
        _REGISTERED.append(True)


def _party(bt: dict[str, Any], key: str) -> dict[str, Any]:
    party = bt.get(key)
    return party if isinstance(party, dict) else {}


def _address(party: dict[str, Any]) -> list[str]:
    lines = [str(party.get("name") or "")]
    lines += [str(party[k]) for k in ("addr_l1", "addr_l2", "addr_l3") if party.get(k)]
    place = " ".join(str(party[k]) for k in ("postcode", "city") if party.get(k))
    if place:
        lines.append(place)
    if party.get("country_code"):
        lines.append(str(party["country_code"]))
    return [x for x in lines if x]


def _day(value: Any, locale: str) -> str:
    try:
        return format_date(date.fromisoformat(str(value)[:10]), format="short", locale=locale)
    except ValueError:
        return str(value or "-")


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _plain(value: Any, locale: str) -> str:
    amount = _decimal(value)
    return "" if amount is None else format_decimal(amount.normalize(), locale=locale)


def _with_output_intent(pdf: bytes) -> bytes:
    """``pdf`` with an sRGB output intent (PDF/A's device-independent colour, made by
    littleCMS through Pillow), where it has none."""
    from PIL import ImageCms
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    if "/OutputIntents" in writer._root_object:
        return pdf
    profile = DecodedStreamObject()
    profile.set_data(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@contextlib.contextmanager
def _quiet() -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        yield
