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

from daemon.intake.rendering_words import DIRECT_DEBITS, LABELS, PAYMENT_MEANS, VAT_CATEGORIES

log = logging.getLogger(__name__)

_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
_FONTS = Path(pdfmetrics.__file__).resolve().parent.parent / "fonts"
_REGISTERED: list[bool] = []


def readable_invoice(bt: dict[str, Any], xml: bytes, syntax: str, language: str) -> bytes:
    """The readable PDF of an invoice read as ``bt`` (factur-x's business terms)."""
    language = language if language in LABELS else "en"
    pages = render_pages(bt, language, embedded=syntax == "cii")
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


def render_pages(bt: dict[str, Any], language: str, *, embedded: bool = True) -> bytes:
    """The invoice laid out on A4 pages (fonts embedded); its last line says where its
    structured data is: inside the PDF (``embedded``, Factur-X) or beside it."""
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
    pdf = _NumberedPages(buf, pagesize=A4, invariant=True)
    pdf.footer = f"{t.get(str(bt.get('BT-3')), t['380'])} {bt.get('BT-1', '')} — {t['page']}"
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
            room_for(0)
            pdf.setFont(font, size)
            pdf.drawString(x, y, part)
            y -= size + 4

    def column_titles() -> None:
        nonlocal y
        for x, title in columns:
            pdf.setFont("Vera-Bold", 8.5)
            pdf.drawString(x, y, title)
        y -= 14

    def room_for(points: float) -> None:
        """A new page unless ``points`` fit above the bottom margin."""
        nonlocal y
        if y - points < 70:
            pdf.showPage()
            y = height - 60

    def row(text: str, quantity: Any, price: Any, rate: Any, amount: str) -> None:
        """A line of the table: ``text`` wrapped in the description column, the figures
        beside its first line (drawn after it, so that the text reads in order)."""
        nonlocal y
        description = wrapped(text, "Vera", 8.5, 244)
        if y - 11 * (len(description) - 1) < 90:
            pdf.showPage()
            y = height - 60
            column_titles()
        first, page = y, pdf.getPageNumber()
        for part in description:
            room_for(0)
            pdf.setFont("Vera", 8.5)
            pdf.drawString(50, y, part)
            y -= 11
        at = first if pdf.getPageNumber() == page else y + 11  # a text longer than a page
        for x, value in ((300, quantity), (350, price), (430, rate)):
            pdf.drawString(x, at, _plain(value, locale))
        pdf.drawRightString(width - 50, at, amount)
        y -= 2

    kind = t.get(str(bt.get("BT-3")), t["380"])
    line(f"{kind} {t['number']} {bt.get('BT-1', '')}", size=16, bold=True)
    colon = " : " if language == "fr" else ": "
    issued, due = _day(bt.get("BT-2"), locale), _day(bt.get("BT-9"), locale)
    line(f"{t['issued']}{colon}{issued}    {t['due']}{colon}{due}")
    # what the buyer's accounts payable file it under (BT-10 to BT-13), when it was
    # supplied (BT-72, BG-14), and the invoice a credit note corrects (BG-3)
    references = (("your_reference", "BT-10"), ("order", "BT-13"), ("contract", "BT-12"),
                  ("project", "BT-11"))  # fmt: skip
    shown = [f"{t[label]}{colon}{_term(bt, key)}" for label, key in references if _term(bt, key)]
    if shown:
        line("    ".join(shown))
    if bt.get("BT-72"):
        line(f"{t['delivered']}{colon}{_day(bt['BT-72'], locale)}")
    if bt.get("BT-73") or bt.get("BT-74"):
        start, end = (_day(bt[k], locale) if bt.get(k) else "…" for k in ("BT-73", "BT-74"))
        line(f"{t['period']}{colon}{start} – {end}")
    for preceding in _listed(bt.get("BG-3")):
        if preceding.get("BT-25"):
            of = f" {t['of']} {_day(preceding['BT-26'], locale)}" if preceding.get("BT-26") else ""
            line(f"{t['corrects']} {preceding['BT-25']}{of}")
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
        if party.get("legal_identifier"):
            line(f"{t['registration']} {party['legal_identifier']}", x=x, room=room)
        lowest = min(lowest, y)
    y = min(lowest, top - 90) - 10

    columns = ((50, t["description"]), (300, t["quantity"]), (350, t["price"]),
               (430, t["rate"]), (480, t["line_total"]))  # fmt: skip
    column_titles()
    for item in _listed(bt.get("BG-25")):
        text = str(item.get("BT-153") or "")
        quantity, price, rate = item.get("BT-129"), item.get("BT-146"), item.get("BT-152")
        row(text, quantity, price, rate, money(item.get("BT-131")))
    # allowances and charges on the whole document (BG-20, BG-21): why the net total is
    # not the sum of the lines
    for key, label, sign in (("BG-20", t["allowance"], -1), ("BG-21", t["charge"], 1)):
        for change in _listed(bt.get(key)):
            amount = _decimal(change.get("amount"))
            why = change.get("reason") or change.get("reason_code") or ""
            shown_amount = money(sign * amount) if amount is not None else ""
            text = f"{label}{colon}{why}" if why else label
            row(text, None, None, change.get("vat_rate"), shown_amount)
    y -= 10
    line(t["breakdown"], bold=True)
    categories = VAT_CATEGORIES[language]
    for vat in _listed(bt.get("BG-23")):
        code = str(vat.get("BT-118") or "")
        rate = _plain(vat.get("BT-119"), locale)
        line(
            f"{categories.get(code, code)}{f' {rate} %' if rate else ''}   "
            f"{t['base']} {money(vat.get('BT-116'))}   {t['amount']} {money(vat.get('BT-117'))}"
        )
        # the exemption's reason or its VATEX code: a mention the law requires on the
        # invoice (Directive 2006/112/EC, article 226 (11) and (11a))
        exemption = "  ".join(str(vat[k]) for k in ("BT-120", "BT-121") if vat.get(k))
        if exemption:
            line(f"{t['exemption']}{colon}{exemption}", x=62)
    y -= 6
    has_changes = any(_decimal(bt.get(k)) for k in ("BT-107", "BT-108"))
    for key, label, bold in (
        ("BT-106", t["lines_total"], False),
        ("BT-107", t["allowances_total"], False),
        ("BT-108", t["charges_total"], False),
        ("BT-109", t["net_total"], False),
        ("BT-110", t["vat_total"], False),
        ("BT-112", t["total"], True),
        ("BT-113", t["paid"], False),
        ("BT-115", t["due_amount"], True),
    ):
        amount = _decimal(bt.get(key))
        if amount is None or (key in ("BT-107", "BT-108", "BT-113") and amount == 0):
            continue
        if key == "BT-106" and not has_changes:
            continue
        room_for(15)
        pdf.setFont("Vera-Bold" if bold else "Vera", 10)
        pdf.drawString(330, y, label)
        pdf.drawRightString(width - 50, y, money(amount))
        y -= 15
    y -= 8
    if _term(bt, "BT-20"):
        line(t["terms"], bold=True)
        for part in _term(bt, "BT-20", "\n").splitlines():
            line(part.strip())
    for means in _payment_means(bt, language):
        line(f"{t['means']}{colon}{means}")
    if _term(bt, "BT-83"):
        line(f"{t['reference']}{colon}{_term(bt, 'BT-83')}", bold=True)
    notes = [str(n["BT-22"]) for n in _listed(bt.get("BG-1")) if n.get("BT-22")]
    if notes:
        y -= 6
        line(t["notes"], bold=True)
        for note in notes:
            line(note)
    pdf.setFont("Vera", 7)
    pdf.drawString(50, 40, t["xml"] if embedded else t["xml_beside"])
    pdf.save()
    return buf.getvalue()


class _NumberedPages(canvas.Canvas):
    """A canvas that, once the pages are laid out, marks each one "Invoice N — page i / n"
    when there is more than one (a page that strays from the others says whose it is)."""

    footer = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        self._pages.append(dict(self.__dict__))
        count = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            if count > 1:
                self.setFont("Vera", 7)
                self.drawRightString(A4[0] - 50, 40, f"{self.footer} {number} / {count}")
            super().showPage()
        super().save()


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


def _listed(value: Any) -> list[dict[str, Any]]:
    """The groups of a repeatable business group (factur-x gives a list, or one dict)."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _payment_means(bt: dict[str, Any], language: str) -> list[str]:
    """How to pay (BG-16, one line each; factur-x lists each term when several are given):
    the means by name (BT-81), then the account to pay to (BT-84, BT-86) or, for a direct
    debit, the account debited and the mandate (BT-91, BT-89), and the seller's words
    (BT-82)."""
    t = LABELS[language]
    codes, accounts, banks, cards = (_values(bt, k) for k in ("BT-81", "BT-84", "BT-86", "BT-87"))
    words = _values(bt, "BT-82")
    lines: list[str] = []
    for i in range(max(len(codes), len(accounts))):
        code, account = _nth(codes, i), _nth(accounts, i)
        parts = [PAYMENT_MEANS[language].get(code, code)] if code else []
        if code in DIRECT_DEBITS:
            debited, mandate = _nth(_values(bt, "BT-91"), i), _nth(_values(bt, "BT-89"), i)
            parts += [f"{t['debited']} {debited}"] if debited else []
            parts += [f"{t['mandate']} {mandate}"] if mandate else []
        else:
            bank, card = _nth(banks, i), _nth(cards, i)
            parts += [f"IBAN {account}"] if account else []
            parts += [f"BIC {bank}"] if bank else []
            parts += [f"{t['card']} {card}"] if card else []
        if _nth(words, i):
            parts.append(f"({_nth(words, i)})")
        shown = "  ".join(parts)
        if shown and shown not in lines:
            lines.append(shown)
    return lines


def _values(bt: dict[str, Any], key: str) -> list[str]:
    """A business term's values in order, "" where one is missing: factur-x gives a list
    where the invoice repeats the term (once per payment means, say), else one value."""
    value = bt.get(key)
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() if v not in (None, "") else "" for v in values]


def _term(bt: dict[str, Any], key: str, joint: str = ", ") -> str:
    """A business term as text, each of its values once."""
    return joint.join(dict.fromkeys(v for v in _values(bt, key) if v))


def _nth(values: list[str], i: int) -> str:
    """The ``i``-th of a term's values; a term given once holds for every means."""
    if len(values) == 1:
        return values[0]
    return values[i] if i < len(values) else ""


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
