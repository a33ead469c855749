"""Our checks' findings are stored in English and read in the reader's language: every form
of ``finding_words`` reads back, whatever its values hold."""

from __future__ import annotations

import re

import pytest

from daemon.domain import finding_words, i18n
from daemon.domain.compliance import HOLD, WARNING, Finding
from daemon.domain.finding_words import FORMS, MORE, said, shown_held, why_held

VALUES = {
    "name": "factur-x.xml",
    "found": "'urn:ferd:CrossIndustryDocument:invoice:1p0:comfort'",
    "part": "2",
    "font": "Arial: Bold (subset)",
    "count": "3",
    "cids": "4, 7, 9",
    "named": "zugferd-invoice.xml",
    "declared": "EN 16931",
    "guideline": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
}
EVERY_FORM = [(rule, form) for rule, forms in FORMS.items() for form in forms]


@pytest.mark.parametrize(("rule", "form"), EVERY_FORM, ids=[r for r, _ in EVERY_FORM])
def test_each_form_reads_back_in_french(rule: str, form: str) -> None:
    fields = set(re.findall(r"\{(\w+)\}", form))
    stored = form.format(**{k: VALUES[k] for k in fields})
    i18n.use("fr")
    french = said(Finding(rule, WARNING, stored))
    assert french == i18n._(form).format(**{k: VALUES[k] for k in fields})
    assert french != stored


def test_what_the_file_leaves_out_is_said_in_the_readers_language() -> None:
    stored = finding_words.NOT_PDF_A3.format(found=finding_words.NONE)
    i18n.use("fr")
    assert "(aucun)" in said(Finding("PDF-A3", WARNING, stored))


def test_a_rule_sets_finding_and_an_unknown_wording_are_shown_as_written() -> None:
    i18n.use("fr")
    cen = Finding("BR-CO-15", "fatal", "[BR-CO-15]-Invoice total amount with VAT …")
    assert said(cen) == cen.message
    # an earlier version's message in French, under one of our rules: as it was stored
    older = Finding("PDF-AF", WARNING, "le fichier factur-x.xml n'est pas listé dans /AF")
    assert said(older) == older.message


def test_the_note_that_holds_an_invoice_says_how_many_more_in_the_readers_language() -> None:
    line = (
        "line 2: the net amount (BT-131) 10.00 is not net price (BT-146) 3.00 × quantity "
        "(BT-129) 3 = 9.00"
    )
    stored = why_held([Finding("BT-131", HOLD, line)] * 3)
    assert stored == line + MORE.format(count=2)
    i18n.use("fr")
    shown = shown_held(stored)
    assert shown.startswith("ligne 2 : le montant net (BT-131) 10.00 n'est pas") and shown.endswith(
        i18n._(MORE).format(count=2)
    ), shown
    assert shown_held(line) == said(Finding("BT-131", HOLD, line))
    assert shown_held("retenue par un ancien lecteur") == "retenue par un ancien lecteur"
