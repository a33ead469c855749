"""PDF/A's CIDSet rule (ISO 19005-3, 6.2.11.4.2): a Factur-X PDF whose subset font's CIDSet
leaves out a glyph its program holds is not PDF/A-3 and is refused, with the font and the
glyph named, unless an admin downgrades the rule; a complete CIDSet, CID 0, a font not
marked a subset and a program that cannot be read are not refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
)

from daemon.domain.compliance import Downgrade
from daemon.domain.errors import EInvoiceError
from daemon.intake.einvoice import read_einvoice
from daemon.intake.pdf_fonts import cidset_gaps, outline_glyphs
from daemon.intake.rules import ComplianceGate, shared_rule_book
from tests.helpers import invoice_file

# glyph ids: 0 .notdef, 1 A, 2 space (no outline), 3 B, 4 dieresis (a component glyph)
GLYPHS = [".notdef", "A", "space", "B", "dieresis"]


def _program() -> bytes:
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(GLYPHS)
    builder.setupCharacterMap({0x41: "A", 0x20: "space", 0x42: "B", 0xA8: "dieresis"})
    outlines = {}
    for name in GLYPHS:
        pen = TTGlyphPen(None)
        if name != "space":
            pen.moveTo((0, 0))
            pen.lineTo((0, 500))
            pen.lineTo((400, 0))
            pen.closePath()
        outlines[name] = pen.glyph()
    builder.setupGlyf(outlines)
    # widths that differ, so that the metrics cover every glyph, as in a proportional font
    builder.setupHorizontalMetrics({name: (500 + 10 * i, 0) for i, name in enumerate(GLYPHS)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupMaxp()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def _cidset(*cids: int) -> bytes:
    bits = bytearray(2)
    for cid in cids:
        bits[cid // 8] |= 0x80 >> (cid % 8)
    return bytes(bits)


def _with_font(pdf: bytes, base_font: str, cidset: bytes, program: bytes) -> bytes:
    """``pdf`` with a Type 0 font of a TrueType CID font added to its first page."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    program_stream = DecodedStreamObject()
    program_stream.set_data(program)
    program_stream[NameObject("/Length1")] = NumberObject(len(program))
    set_stream = DecodedStreamObject()
    set_stream.set_data(cidset)
    descriptor = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): NameObject(base_font),
            NameObject("/FontFile2"): writer._add_object(program_stream),
            NameObject("/CIDSet"): writer._add_object(set_stream),
        }
    )
    cid_font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/CIDFontType2"),
            NameObject("/BaseFont"): NameObject(base_font),
            NameObject("/CIDToGIDMap"): NameObject("/Identity"),
            NameObject("/FontDescriptor"): writer._add_object(descriptor),
        }
    )
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): NameObject(base_font),
            NameObject("/Encoding"): NameObject("/Identity-H"),
            NameObject("/DescendantFonts"): ArrayObject([writer._add_object(cid_font)]),
        }
    )
    page = writer.pages[0]
    resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
    fonts = resources.setdefault(NameObject("/Font"), DictionaryObject()).get_object()
    fonts[NameObject("/FZ9")] = writer._add_object(font)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_glyphs_a_truetype_program_draws_are_read() -> None:
    assert outline_glyphs(_program()) == [0, 1, 3, 4]


def test_a_cidset_that_leaves_out_a_glyph_refuses_the_invoice(tmp_path: Path) -> None:
    """The iText fault: the CIDSet names the characters a page shows (A, B) and not the
    component glyph the subset program holds for one of them (the dieresis of an ä)."""
    pdf = invoice_file(tmp_path, "FA-31").read_bytes()
    broken = _with_font(pdf, "/ABCDEF+Arial", _cidset(0, 1, 2, 3), _program())

    with pytest.raises(EInvoiceError) as refused:
        read_einvoice(broken, "incomplete-cidset.pdf")

    said = refused.value.reason
    assert said.startswith("fails rule PDF-CIDSet"), said
    assert "font Arial" in said and "CID 4" in said and "6.2.11.4.2" in said, said
    assert "not valid PDF/A-3" in said and refused.value.file == "incomplete-cidset.pdf"


def test_an_admin_may_let_the_rule_through_for_a_seller(tmp_path: Path) -> None:
    """The downgrade of item 2: the invoice passes with the finding as a warning, noted."""
    pdf = invoice_file(tmp_path, "FA-35").read_bytes()
    broken = _with_font(pdf, "/ABCDEF+Arial", _cidset(1, 2, 3), _program())
    seller = read_einvoice(pdf, "x.pdf").seller_vat_id
    gate = ComplianceGate(
        shared_rule_book(),
        downgrades=(Downgrade(frozenset({"PDF-CIDSet"}), sellers=frozenset({seller}), reason="r"),),
    )

    invoice = read_einvoice(broken, "downgraded.pdf", gate=gate)

    assert invoice.compliance is not None and invoice.compliance.passed
    [warned] = [f for f in invoice.compliance.warnings if f.rule == "PDF-CIDSet"]
    assert warned.downgraded and "CID 4" in warned.message


@pytest.mark.parametrize(
    ("base_font", "cids"),
    [
        ("/ABCDEF+Arial", (1, 2, 3, 4)),  # complete: CID 0 is never required
        ("/ABCDEF+Arial", (0, 1, 2, 3, 4)),  # complete, with .notdef
        ("/Arial", (1, 3)),  # a full font, not marked a subset: not veraPDF's test
    ],
)
def test_a_complete_cidset_or_a_full_font_is_not_refused(
    tmp_path: Path, base_font: str, cids: tuple[int, ...]
) -> None:
    pdf = invoice_file(tmp_path, "FA-32").read_bytes()
    invoice = read_einvoice(_with_font(pdf, base_font, _cidset(*cids), _program()), "ok.pdf")
    assert invoice.compliance is not None and invoice.compliance.passed
    assert not [f for f in invoice.compliance.findings if f.rule.startswith("PDF-")]


def test_a_font_program_that_cannot_be_read_is_not_judged(tmp_path: Path) -> None:
    pdf = invoice_file(tmp_path, "FA-33").read_bytes()
    odd = _with_font(pdf, "/ABCDEF+Arial", _cidset(1), b"\x00\x01\x00\x00 not a font")
    assert cidset_gaps(PdfReader(io.BytesIO(odd)).trailer["/Root"].get_object()) == []
    invoice = read_einvoice(odd, "odd.pdf")
    assert invoice.compliance is not None and invoice.compliance.passed


def test_a_pdf_that_claims_no_pdfa_2_or_3_is_not_judged_by_the_rule(tmp_path: Path) -> None:
    """The rule is PDF/A-2's and -3's: a PDF that is no PDF/A gets the PDF-A3 warning, not
    a refusal for its fonts."""
    pdf = invoice_file(tmp_path, "FA-34").read_bytes()
    xml = read_einvoice(pdf, "x.pdf").xml
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("factur-x.xml", xml or b"")
    out = io.BytesIO()
    writer.write(out)
    bare = _with_font(out.getvalue(), "/ABCDEF+Arial", _cidset(1), _program())
    invoice = read_einvoice(bare, "bare.pdf")
    assert invoice.compliance is not None and invoice.compliance.passed
    assert "PDF-A3" in {f.rule for f in invoice.compliance.warnings}
