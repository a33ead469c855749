"""Hostile XML is refused before any parser reads it: entities (internal and external), DTDs,
huge text, deep nesting, in UBL, CII and inside a Factur-X PDF; nothing is read from disk
and nothing is stored. XML in UTF-16 or UTF-32 is XML. The PDF layer is checked against the
XML it carries."""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import threading
from pathlib import Path

import pytest
from pypdf import PdfWriter
from typer.testing import CliRunner

from daemon.app.cli import app
from daemon.domain import finding_words, i18n
from daemon.domain.errors import EInvoiceError
from daemon.intake.einvoice import read_einvoice
from daemon.intake.pdf_layer import embedded_invoice
from tests.helpers import invoice_file, with_database, write_config

CII = (
    '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
    'CrossIndustryInvoice:100"><rsm:ExchangedDocument>{body}</rsm:ExchangedDocument>'
    "</rsm:CrossIndustryInvoice>"
)
UBL = '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">{body}</Invoice>'


def _refused(data: bytes) -> str:
    """The reason ``data`` is refused, from a reading that must end (a parser that opened the
    FIFO an entity names would wait for a writer for ever)."""
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            read_einvoice(data, "hostile.xml")
            outcome.append(None)
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert outcome, "the reading did not end: something opened the entity's file"
    [exc] = outcome
    assert isinstance(exc, EInvoiceError), exc
    return exc.reason


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A FIFO standing for a local file: reading it blocks, so a read cannot go unseen."""
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    return fifo


def _with_doctype(template: str, doctype: str, body: str) -> bytes:
    return (f'<?xml version="1.0"?>\n{doctype}\n' + template.format(body=body)).encode()


@pytest.mark.parametrize("template", [CII, UBL], ids=["cii", "ubl"])
def test_an_external_entity_is_refused_unread(template: str, secret: Path) -> None:
    data = _with_doctype(
        template, f'<!DOCTYPE x [<!ENTITY leak SYSTEM "file://{secret}">]>', "<n>&leak;</n>"
    )
    assert "DOCTYPE" in _refused(data)


def test_an_external_entity_inside_a_factur_x_pdf_is_refused_unread(
    secret: Path, tmp_path: Path
) -> None:
    xml = _with_doctype(
        CII, f'<!DOCTYPE x [<!ENTITY leak SYSTEM "file://{secret}">]>', "<n>&leak;</n>"
    )
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("factur-x.xml", xml)
    out = io.BytesIO()
    writer.write(out)
    pdf = out.getvalue()
    assert embedded_invoice(pdf, "hostile.pdf").xml == xml
    assert "DOCTYPE" in _refused(pdf)

    # through the command: refused, left where it was, nothing stored
    file = tmp_path / "hostile.pdf"
    file.write_bytes(pdf)
    config = with_database(write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"))
    result = CliRunner().invoke(app, ["--config", str(config), "import", "--json", str(file)])
    line = next(json.loads(x) for x in result.output.splitlines() if x.startswith("{"))
    assert line["ok"] is False and "DOCTYPE" in line["message"]
    assert file.exists() and not list((tmp_path / "invoices").rglob("*.pdf"))


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9)
    )
    data = _with_doctype(CII, f"<!DOCTYPE x [{entities}]>", "<n>&j;</n>")
    assert "DOCTYPE" in _refused(data)


def test_an_internal_entity_is_refused_too() -> None:
    data = _with_doctype(UBL, '<!DOCTYPE x [<!ENTITY who "ACME">]>', "<n>&who;</n>")
    assert "DOCTYPE" in _refused(data)


def test_an_external_dtd_is_refused() -> None:
    data = _with_doctype(CII, '<!DOCTYPE x SYSTEM "http://dtd.example/x.dtd">', "")
    assert "DOCTYPE" in _refused(data)


def test_a_huge_text_node_is_refused() -> None:
    data = CII.format(body="<n>" + "A" * (11 * 1024 * 1024) + "</n>").encode()
    assert "malformed XML" in _refused(data)


def test_deep_nesting_is_refused() -> None:
    data = CII.format(body="<n>" * 10_000 + "</n>" * 10_000).encode()
    assert "malformed XML" in _refused(data)


def test_a_file_over_the_size_limit_is_refused_before_parsing() -> None:
    data = CII.format(body="<!--" + "x" * (21 * 1024 * 1024) + "-->").encode()
    assert "over the" in _refused(data)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_xml_in_utf16_or_utf32_is_xml(tmp_path: Path, encoding: str) -> None:
    pdf = invoice_file(tmp_path, "FA-16")
    xml = embedded_invoice(pdf.read_bytes(), "x").xml.decode("utf-8")
    xml = xml.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"', 1)
    data = xml.encode(encoding)  # utf-16-le: no byte-order mark, "<?" tells (XML 1.0, F.1)
    invoice = read_einvoice(data, "in-utf16.xml")
    assert invoice.number == "FA-16" and invoice.format == "cii"


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "ISO-8859-15"])
def test_xml_in_an_8_bit_encoding_its_declaration_names_is_xml(
    tmp_path: Path, encoding: str
) -> None:
    """A CII file an older system wrote in Latin-1 (XML 1.0, 4.3.3: the declaration names
    it) reads as the same file in UTF-8, its buyer's accents kept, and is handed on as UTF-8
    (the rule sets read nothing else); an encoding nobody knows is named in the refusal."""
    pdf = invoice_file(tmp_path, "FA-19", buyer="Bäckerei Müller")
    xml = embedded_invoice(pdf.read_bytes(), "x").xml.decode("utf-8")
    xml = re.sub(r"encoding=(['\"])UTF-8\1", f'encoding="{encoding}"', xml, count=1)
    invoice = read_einvoice(xml.encode(encoding), "latin1.xml")
    assert invoice.number == "FA-19" and invoice.buyer_name == "Bäckerei Müller"
    assert re.match(rb"<\?xml [^>]*encoding=\"UTF-8\"\?>", invoice.xml), invoice.xml[:60]
    assert "Bäckerei Müller".encode() in invoice.xml
    unknown = xml.replace(f'encoding="{encoding}"', 'encoding="X-NOBODY-8"', 1).encode(
        "ascii", "replace"
    )
    assert "X-NOBODY-8" in _refused(unknown) or "x-nobody-8" in _refused(unknown)


def test_a_utf8_mark_before_a_latin1_declaration_is_read_where_both_agree_else_named(
    tmp_path: Path,
) -> None:
    """A file saved by an editor that adds a UTF-8 byte-order mark but keeps the declaration's
    ISO-8859-1: in ASCII both say the same text, and it is read; with an accent, one of the
    two is wrong (XML 1.0, 4.3.3 and appendix F), and the refusal says which two disagree
    rather than guessing or naming a parser's error."""
    pdf = invoice_file(tmp_path, "FA-23", buyer="Baeckerei Mueller")
    xml = embedded_invoice(pdf.read_bytes(), "x").xml.decode("utf-8")
    xml = re.sub(r"encoding=(['\"])UTF-8\1", 'encoding="ISO-8859-1"', xml, count=1)
    invoice = read_einvoice(codecs.BOM_UTF8 + xml.encode("ascii"), "marked.xml")
    assert invoice.number == "FA-23" and invoice.buyer_name == "Baeckerei Mueller"
    assert re.match(rb"<\?xml [^>]*encoding=\"UTF-8\"\?>", invoice.xml), invoice.xml[:60]
    accented = xml.replace("Baeckerei Mueller", "Bäckerei Müller")
    for written in ("utf-8", "iso-8859-1"):
        said = _refused(codecs.BOM_UTF8 + accented.encode(written))
        assert "UTF-8 byte-order mark" in said and "says ISO-8859-1" in said, said


def test_the_pdf_layer_is_checked_against_the_xml(tmp_path: Path) -> None:
    """A PDF that embeds a good invoice XML but is not PDF/A-3, gives the file no
    AFRelationship and declares no profile: read, with each of those as a warning saying
    what differs; the samples made by factur-x carry none of them."""
    good = invoice_file(tmp_path, "FA-17")
    xml = embedded_invoice(good.read_bytes(), "x").xml
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("factur-x.xml", xml)
    out = io.BytesIO()
    writer.write(out)
    invoice = read_einvoice(out.getvalue(), "bare.pdf")
    assert invoice.compliance is not None and invoice.compliance.passed
    said = {f.rule: f.message for f in invoice.compliance.warnings}
    assert {"PDF-AFRelationship", "PDF-A3", "PDF-XMP-Level"} <= set(said), said
    assert "not Data, Source or Alternative" in said["PDF-AFRelationship"]
    assert "not PDF/A-3" in said["PDF-A3"]

    sample = read_einvoice(good.read_bytes(), "good.pdf")
    assert sample.compliance is not None
    assert not [f for f in sample.compliance.findings if f.rule.startswith("PDF-")]


def test_the_pdf_layers_warnings_are_stored_in_english_and_read_in_the_readers_language(
    tmp_path: Path,
) -> None:
    """Imported by a process speaking French, the warnings stored in the invoice's report
    are English; an operator who reads French reads each in French, with what the file
    left out ("(none)") in French too."""
    good = invoice_file(tmp_path, "FA-18")
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("factur-x.xml", embedded_invoice(good.read_bytes(), "x").xml)
    out = io.BytesIO()
    writer.write(out)
    i18n.use("fr")
    invoice = read_einvoice(out.getvalue(), "bare.pdf")
    assert invoice.compliance is not None
    stored = {f.rule: f for f in invoice.compliance.warnings}
    assert stored["PDF-A3"].message == "the XMP metadata identifies PDF/A part (none), not PDF/A-3"
    assert stored["PDF-XMP-Level"].message == "the XMP metadata declares no ConformanceLevel"
    said = {rule: finding_words.said(f) for rule, f in stored.items()}
    assert said["PDF-A3"] == (
        "les métadonnées XMP identifient PDF/A partie (aucun), pas PDF/A-3"
    ), said
    assert all(said[rule] != f.message for rule, f in stored.items()), said
    i18n.use("en")
    assert all(finding_words.said(f) == f.message for f in stored.values())


def test_a_pdf_whose_xml_is_not_named_as_an_invoice_says_what_it_embeds(tmp_path: Path) -> None:
    """Factur-X and ZUGFeRD name the invoice XML a PDF carries; one that carries it under
    another name is refused, and the refusal names what the PDF does embed (one line, what a
    PDF names cut to fit), so that the sender can be told what to fix."""
    xml = embedded_invoice(invoice_file(tmp_path, "FA-20").read_bytes(), "x").xml
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("invoice.xml", xml)
    writer.add_attachment("logo\n" + "x" * 100 + ".png", b"PNG")
    out = io.BytesIO()
    writer.write(out)
    said = _refused(out.getvalue())
    assert "it embeds invoice.xml, logo?xxx" in said and "none named factur-x.xml" in said, said
    assert "\n" not in said and "x" * 70 not in said


def _stream_damaged(pdf: bytes, marker: bytes) -> bytes:
    """``pdf`` with the stream of the object holding ``marker`` cut loose: its length wrong
    and its end marker gone, as a transfer that mangled the file leaves it."""
    at = pdf.find(marker)
    length = re.compile(rb"/Length \d+").search(pdf, at)
    assert at > 0 and length is not None
    pdf = pdf[: length.start()] + b"/Length 9" + pdf[length.end() :]
    end = pdf.find(b"endstream", at)
    return pdf[:end] + b"endstrXam" + pdf[end + 9 :]


def test_a_damaged_pdf_is_read_as_far_as_it_goes_and_never_crashes(tmp_path: Path) -> None:
    """Damaged XMP metadata is metadata not read (the PDF/A warnings say so); a damaged
    embedded invoice is an unreadable PDF, named."""
    pdf = invoice_file(tmp_path, "FA-21").read_bytes()
    invoice = read_einvoice(_stream_damaged(pdf, b"/Type /Metadata"), "meta.pdf")
    assert invoice.number == "FA-21" and invoice.compliance is not None
    assert "PDF-XMP-Level" in {f.rule for f in invoice.compliance.warnings}
    said = _refused(_stream_damaged(pdf, b"/Type /EmbeddedFile"))
    assert "unreadable PDF" in said, said


def test_a_pdf_with_two_invoice_xml_files_is_refused_not_guessed(tmp_path: Path) -> None:
    xml = embedded_invoice(invoice_file(tmp_path, "FA-18").read_bytes(), "x").xml
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("factur-x.xml", xml)
    writer.add_attachment("ZUGFeRD-invoice.xml", xml)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(EInvoiceError) as refused:
        read_einvoice(out.getvalue(), "two.pdf")
    assert "several invoice XML files" in refused.value.reason
    assert "factur-x.xml" in refused.value.reason and "ZUGFeRD-invoice.xml" in refused.value.reason
