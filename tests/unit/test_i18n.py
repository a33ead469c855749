"""The French catalog is complete, compiled and consistent with the code: a message added or
changed in the code without its translation fails here, as does a translation that drops or
renames a placeholder, or a compiled catalog older than its source."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from daemon.domain import i18n

ROOT = Path(__file__).resolve().parents[2]
PO = i18n.LOCALES / "fr" / "LC_MESSAGES" / "facturier.po"
MO = PO.with_suffix(".mo")


def _in_the_code() -> set[str]:
    """What the catalog's extraction finds (``daemon/locale/babel.cfg``: the CLI's help
    texts, besides the messages marked in the code)."""
    with (i18n.LOCALES / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT,
            method_map=method_map,
            options_map=options_map,
            keywords={"_": None, "N_": None, "ngettext": (1, 2)},
        )
    }


def test_every_message_in_the_code_has_its_french() -> None:
    catalog = read_po(PO.open("rb"))
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else all(m.string) and m.string
        )
        for m in catalog
        if m.id
    }
    missing = sorted(m for m in _in_the_code() if not translated.get(m))
    assert not missing, f"add these to {PO} (see daemon/domain/i18n.py): {missing}"


def test_translations_keep_their_placeholders() -> None:
    for m in read_po(PO.open("rb")):
        if m.id and isinstance(m.id, str):
            names = sorted(re.findall(r"\{[^}]*\}", m.id))
            assert sorted(re.findall(r"\{[^}]*\}", str(m.string))) == names, m.id


def test_the_compiled_catalog_is_the_source_compiled() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, read_po(PO.open("rb")))
    assert MO.read_bytes() == compiled.getvalue(), "run: pybabel compile -d daemon/locale"


def test_the_operator_reads_their_language_and_english_stays_the_fallback() -> None:
    i18n.use("fr")
    assert i18n._("Customer") == "Client"
    assert i18n._("a message nobody translated") == "a message nobody translated"
    i18n.use("en")
    assert i18n._("Customer") == "Customer"
    i18n.use("de")  # no German catalog: English, not an error
    assert i18n._("Customer") == "Customer"


def test_days_are_written_as_the_operator_writes_numbers() -> None:
    from daemon.domain.formatting import days

    assert (days(12.5, "fr"), days(12.5, "en"), days(40.0, "fr"), days(None, "fr")) == (
        "12,5",
        "12.5",
        "40",
        "-",
    )


def test_french_puts_a_space_before_double_punctuation() -> None:
    """French writes "retenue : …", "1 importées ; 1 retenue", "lequel ?": a translation
    that glues ; : ? or ! to the word before reads as English punctuation (DNS record syntax,
    quoted, and SPF's "include:" mechanism are written as the record wants them)."""
    glued = re.compile(r"(?:^|(?<=[^\s\d'{(]))[;:?!](?=\s|$)")
    found = []
    for m in read_po(PO.open("rb")):
        for text in (m.string,) if isinstance(m.string, str) else m.string:
            text = re.sub(r'"[^"]*"|\binclude:', "", text or "") if m.id else ""
            found += [text for _hit in glued.finditer(text)]
    assert not found, found
    i18n.use("fr")
    try:
        assert i18n.joined(["1 importées", "1 retenue"]) == "1 importées ; 1 retenue"
    finally:
        i18n.use("en")
    assert i18n.joined(["1 imported", "1 held"]) == "1 imported; 1 held"
