"""Our checks' findings are stored in English and read in the reader's language: every form
of ``finding_words`` reads back, whatever its values hold."""

from __future__ import annotations

import re

import pytest

from daemon.domain import finding_words, i18n
from daemon.domain.compliance import HOLD, WARNING, ComplianceReport, Finding
from daemon.domain.finding_words import FORMS, MORE, said, shown_held, why_held

NOT_A3 = finding_words.NOT_PDF_A3.format(found="1")
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
    assert shown.startswith(
        "ligne 2 : le montant net (BT-131) 10.00 ne vaut pas"
    ) and shown.endswith(i18n._(MORE).format(count=2)), shown
    assert shown_held(line) == said(Finding("BT-131", HOLD, line))
    assert shown_held("retenue par un ancien lecteur") == "retenue par un ancien lecteur"


@pytest.mark.parametrize(
    "findings",
    [
        # a rule set's words, with the rule's place and brackets of its own
        (Finding("BR-CO-15", "fatal", "[BR-CO-15]-Invoice total (BT-112) = …", "/Invoice[1]"),),
        # ours (the PDF layer's), where, and more failing rules after it
        (
            Finding("PDF-A3", "fatal", NOT_A3, "PDF"),
            Finding("BR-01", "fatal", "[BR-01]-An Invoice shall have a Specification identifier"),
            Finding("BR-02", "fatal", "[BR-02]-An Invoice shall have an Invoice number"),
        ),
        # one more failing rule: said as one
        (
            Finding("CII-SR-465", "fatal", "[CII-SR-465]-Only one BT-41 element is allowed"),
            Finding("BR-02", "fatal", "[BR-02]-An Invoice shall have an Invoice number"),
        ),
    ],
    ids=["rule-set-words", "ours-and-two-more", "one-more"],
)
def test_a_refusal_stored_in_english_reads_as_said_to_a_french_reader(
    findings: tuple[Finding, ...],
) -> None:
    """The gate, run again before sending, stores why it refuses an invoice on its delivery:
    in English, whatever the daemon speaks, then read as it would be said to each reader."""
    report = ComplianceReport(("Factur-X EN16931", "EN16931-CII"), findings)
    i18n.use("fr")
    stored = finding_words.refusal_text(report)
    assert stored.startswith(f"fails rule {findings[0].rule} (Factur-X EN16931, EN16931-CII): ")
    assert finding_words.shown_refusal(stored) == finding_words.refusal(report)
    assert "enfreint la règle" in finding_words.shown_refusal(stored)
    more = len(findings) - 1
    if more:
        assert stored.endswith(f" (and {more} more failing rule{'s' if more > 1 else ''})")
        assert finding_words.shown_refusal(stored).endswith(
            " (et 1 autre règle en échec)" if more == 1 else f" (et {more} autres règles en échec)"
        )
    i18n.use("en")
    assert finding_words.shown_refusal(stored) == stored == finding_words.refusal(report)


def test_rules_that_could_not_run_read_back_too() -> None:
    report = ComplianceReport(("EN16931-CII",), (), refused="the rule set timed out after 10 s")
    stored = finding_words.refusal_text(report)
    i18n.use("fr")
    assert finding_words.shown_refusal(stored) == finding_words.refusal(report) != stored
    assert finding_words.shown_refusal("a text of another form") == "a text of another form"
