"""The compliance gate fails closed: a rule set that is missing, does not compile or does not
finish in time refuses the invoice with that reason, never lets it through; and the
severity each finding takes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from daemon.app.demo_samples import SampleInvoice, sample_xml
from daemon.domain.compliance import FATAL, WARNING
from daemon.domain.errors import EInvoiceError
from daemon.intake.einvoice import read_einvoice
from daemon.intake.rules import ComplianceGate, RuleBook, read_svrl, shared_rule_book


def _cii() -> bytes:
    today = date.today()
    return sample_xml(
        SampleInvoice(
            "RB-1", "Dupont", "C-1", None, today, today + timedelta(days=30), Decimal("10")
        )
    )


def _refusal(gate: ComplianceGate) -> str:
    with pytest.raises(EInvoiceError) as refused:
        read_einvoice(_cii(), "rb-1.xml", gate=gate)
    return refused.value.reason


def test_the_sample_passes_the_shipped_rules() -> None:
    assert read_einvoice(_cii(), "rb-1.xml", gate=ComplianceGate(shared_rule_book())).number == (
        "RB-1"
    )


def test_a_configured_artifacts_folder_without_the_cen_rules_refuses(tmp_path: Path) -> None:
    reason = _refusal(ComplianceGate(shared_rule_book(), tmp_path))
    assert "compliance rules could not run" in reason
    assert "EN16931-CII" in reason and "not found" in reason


def test_a_rule_set_that_does_not_compile_refuses(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xsl"
    broken.write_text("<xsl:stylesheet>not a stylesheet")
    gate = ComplianceGate(shared_rule_book(), extra={"urn:cen.eu:en16931:2017": (broken,)})
    reason = _refusal(gate)
    assert "broken" in reason and "does not compile" in reason


def test_a_rule_set_that_takes_too_long_refuses() -> None:
    book = RuleBook(timeout=0.001)  # compiling alone takes longer than this
    try:
        reason = _refusal(ComplianceGate(book))
    finally:
        book.close()
    assert "did not finish within" in reason


_SVRL = b"""<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
<svrl:successful-report test="@currencyID" location="/*:CrossIndustryInvoice[1]/*:A[1]">
<svrl:text>Attribute @currencyID' marked as not used in the given context.</svrl:text>
</svrl:successful-report>
<svrl:successful-report test="true()" location="/*:CrossIndustryInvoice[1]/*:B[1]">
<svrl:text>Element 'ram:PostalTradeAddress' is marked as not used in the given context.</svrl:text>
</svrl:successful-report>
<svrl:failed-assert test="x" flag="warning" id="BR-X">
<svrl:text>[BR-X]-something</svrl:text>
</svrl:failed-assert>
</svrl:schematron-output>"""


def test_a_profile_report_of_an_unused_attribute_refuses_and_of_an_element_warns() -> None:
    findings = read_svrl(_SVRL, {}, {"currencyID": "CII-DT-031"})
    assert [(f.rule, f.severity) for f in findings] == [
        ("CII-DT-031", FATAL),  # CEN's data-type rule for the attribute: fatal
        (
            "ram:PostalTradeAddress",
            WARNING,
        ),  # an element outside the profile: the receiver ignores it
        ("BR-X", WARNING),  # the rule's own flag decides
    ]
    # without CEN's rules at hand, the attribute's report still refuses, under its own name
    [first, *_] = read_svrl(_SVRL)
    assert (first.severity, first.location) == (FATAL, "/CrossIndustryInvoice[1]/A[1]")
