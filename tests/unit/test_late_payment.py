"""What a reminder says about late payment, by the seller's country and the reader's language:
the law's rate and indemnity, or the seller's own, in a sentence that reads as written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.domain.late_payment import LateTerms, late_payment_notice


@pytest.mark.parametrize(
    ("terms", "language", "says"),
    [
        (
            LateTerms("FR"),
            "fr",
            "entraîne de plein droit des pénalités de retard au taux de refinancement de la "
            "BCE majoré de 10 points, ainsi qu'une indemnité forfaitaire pour frais de "
            "recouvrement de 40 euros (article D441-5).",
        ),
        (
            LateTerms("FR", "12 % l'an", Decimal("40.50")),
            "fr",
            "des pénalités de retard au taux de 12 % l'an, ainsi qu'une indemnité forfaitaire "
            "pour frais de recouvrement de 40,5 euros",
        ),
        (
            LateTerms("FR"),
            "en",
            "late-payment penalties at the ECB refinancing rate plus 10 percentage points and "
            "a fixed indemnity for recovery costs of 40 euros (article D441-5).",
        ),
        (
            LateTerms("fr", "12% a year"),
            "en",
            "late-payment penalties at 12% a year and a fixed indemnity",
        ),
        (
            LateTerms("BE"),
            "fr",
            "des intérêts de retard au taux directeur de la BCE majoré de 8 points sont dus de "
            "plein droit à compter du lendemain de l'échéance",
        ),
        (
            LateTerms("BE", "10 % per year"),
            "en",
            "interest at 10 % per year is due by law from the day after the due date",
        ),
        (LateTerms("BE"), "en", "interest at the ECB reference rate plus 8 percentage points"),
    ],
)
def test_the_notice_reads_as_written(terms: LateTerms, language: str, says: str) -> None:
    notice = late_payment_notice(terms, language)
    assert notice is not None and says in notice, notice
    assert "taux de le " not in notice and "at the the" not in notice


def test_a_country_without_a_rule_says_nothing_rather_than_anothers_law() -> None:
    assert late_payment_notice(LateTerms("DE"), "en") is None
