"""Line amounts that do not add up hold an invoice for a person, line amounts that do (within
Peppol's slack and the rounding the stated price allows) pass: one row per case."""

from __future__ import annotations

from typing import Any

import pytest

from daemon.domain import finding_words, i18n
from daemon.domain.arithmetic import line_findings
from daemon.domain.compliance import FATAL, HOLD, ComplianceReport, Downgrade, Finding


def _line(price: str, quantity: str, amount: str, **more: Any) -> dict[str, Any]:
    return {"BT-126": "1", "BT-146": price, "BT-129": quantity, "BT-131": amount, **more}


ADDS_UP = [
    ("price × quantity", _line("10.00", "3", "30.00")),
    ("a price rounded to 4 decimals (3.3333 × 3)", _line("3.3333", "3", "10.00")),
    (
        "a price rounded to 2 decimals, many units (2.77 × 1000 of a 2.773 price)",
        _line("2.77", "1000", "2773.00"),
    ),
    ("within Peppol's slack of 0.02", _line("10.00", "3", "30.02")),
    (
        "per base quantity (25.00 per 100, 400 invoiced)",
        _line("25.00", "400", "100.00", **{"BT-149": "100"}),
    ),
    (
        "allowances and charges applied",
        _line(
            "10.00", "10", "97.00", **{"BG-27": [{"amount": "5.00"}], "BG-28": [{"amount": "2.00"}]}
        ),
    ),
    ("a credited line (negative quantity)", _line("10.00", "-3", "-30.00")),
    ("a term missing is not this check's to refuse", {"BT-146": "10.00", "BT-131": "30.00"}),
    (
        "a Factur-X EXTENDED group line totals its detail lines",
        _line("0.00", "1", "250.00", **{"EXT-FR-FE-163": "GROUP"}),
    ),
    (
        "an information line counts for nothing",
        _line("10.00", "3", "0.00", **{"EXT-FR-FE-163": "INFORMATION"}),
    ),
]

DOES_NOT = [
    (
        "a net amount that is not price × quantity",
        _line("0.1000", "400.0000", "316.00"),
        "line 1: the net amount (BT-131) 316.00 is not net price (BT-146) 0.1000 × quantity "
        "(BT-129) 400.0000 = 40.00",
    ),
    (
        "beyond the slack (0.03)",
        _line("10.00", "3", "30.03"),
        "is not net price (BT-146) 10.00 × quantity (BT-129) 3 = 30.00",
    ),
    (
        "a price stated to 4 decimals allows no more rounding (2.7700 × 20 stated 55.46)",
        _line("2.7700", "20", "55.46"),
        "= 55.40",
    ),
    (
        "a gross amount where the net is due (tax included)",
        _line("67.2244", "1", "80.00"),
        "is not net price (BT-146) 67.2244 × quantity (BT-129) 1 = 67.22",
    ),
    (
        "the base quantity forgotten",
        _line("25.00", "400", "10000.00", **{"BT-149": "100"}),
        "× quantity (BT-129) 400 / base quantity (BT-149) 100 = 100.00",
    ),
    (
        "a detail line of a group is checked like any line",
        _line("10.00", "3", "35.00", **{"EXT-FR-FE-163": "DETAIL"}),
        "× quantity (BT-129) 3 = 30.00",
    ),
    (
        "an allowance not taken off",
        _line("10.00", "10", "100.00", **{"BG-27": [{"amount": "5.00"}]}),
        "× quantity (BT-129) 10 − allowances 5.00 = 95.00",
    ),
    (
        "a charge not added",
        _line("10.00", "10", "100.00", **{"BG-28": [{"amount": "2.00"}]}),
        "× quantity (BT-129) 10 + charges 2.00 = 102.00",
    ),
]


@pytest.mark.parametrize(("case", "line"), ADDS_UP, ids=[c for c, _ in ADDS_UP])
def test_lines_that_add_up_pass(case: str, line: dict[str, Any]) -> None:
    assert line_findings([line]) == [], case


@pytest.mark.parametrize(("case", "line", "said"), DOES_NOT, ids=[c for c, _, _ in DOES_NOT])
def test_lines_that_do_not_add_up_hold_the_invoice(
    case: str, line: dict[str, Any], said: str
) -> None:
    [finding] = line_findings([line])
    assert finding.rule == "BT-131" and finding.severity == HOLD, case
    assert said in finding.message
    assert finding.location == "BG-25[1]"


def test_each_line_is_named_by_its_own_id() -> None:
    lines = [
        {**_line("10.00", "1", "10.00"), "BT-126": "10"},
        {**_line("10.00", "2", "25.00"), "BT-126": "20"},
    ]
    [finding] = line_findings(lines)
    assert finding.message.startswith("line 20: ") and finding.location == "BG-25[2]"


def test_a_held_finding_passes_the_gate_but_holds_and_an_admin_may_downgrade_it() -> None:
    held = Finding("BT-131", HOLD, "line 1: …", "BG-25[1]")
    report = ComplianceReport(("EN16931-CII",), (held,))
    assert report.passed and report.holds == [held] and report.warnings == []
    insurer = Downgrade(frozenset({"BT-131"}), sellers=frozenset({"DE123"}), reason="gross lines")
    let_through = report.downgraded([insurer], "en16931", ["DE123"])
    assert let_through.holds == [] and let_through.warnings[0].downgraded
    assert report.downgraded([insurer], "en16931", ["FR999"]).holds == [held]
    # a fatal finding still refuses
    refused = ComplianceReport(("x",), (Finding("BR-CO-10", FATAL, "sum"), held))
    assert not refused.passed
    # the report keeps the severity through storage
    assert ComplianceReport.from_json(report.to_json()) == report


@pytest.mark.parametrize(("case", "line", "said"), DOES_NOT, ids=[c for c, _, _ in DOES_NOT])
def test_a_held_line_is_stored_in_english_and_read_in_the_readers_language(
    case: str, line: dict[str, Any], said: str
) -> None:
    """Whoever imported it, an operator who reads French reads the line in French, one who
    reads English as it is stored; a finding of another rule set as its rules wrote it."""
    i18n.use("fr")
    try:
        [finding] = line_findings([{**line, "BT-126": "A 7"}])
        assert finding.message.startswith("line A 7: the net amount (BT-131) "), case
        french = finding_words.said(finding)
        assert french.startswith("ligne A 7 : le montant net (BT-131) "), french
        assert "prix net (BT-146) " in french and "quantité (BT-129) " in french
        assert ("quantité de base (BT-149)" in french) == ("base quantity" in said)
        assert ("remises 5.00" in french) == ("allowances" in said), french
        assert ("frais 2.00" in french) == ("charges" in said), french
        cen = Finding("BR-CO-15", FATAL, "[BR-CO-15]-Invoice total amount with VAT …")
        assert finding_words.said(cen) == cen.message
    finally:
        i18n.use("en")
    assert finding_words.said(finding) == finding.message
