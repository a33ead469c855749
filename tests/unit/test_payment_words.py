"""How a payment was matched and why one waits: stored in English, read back in the
reader's language; a text no form knows (an older version's, another language's) as it is."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from daemon.domain import i18n
from daemon.domain.payment_words import (
    APPLIED_NOTE,
    HOW,
    WAITING,
    how_text,
    shown_how,
    shown_payment,
    waiting_text,
)


@pytest.fixture
def french() -> Iterator[None]:
    i18n.use("fr")
    yield
    i18n.use("en")


def _filled(template: str) -> dict[str, str]:
    return {name: f"<{name} value>" for name in re.findall(r"\{(\w+)\}", template)}


def test_every_form_reads_back_in_english_as_written() -> None:
    for form, template in HOW.items():
        assert shown_how(how_text(form, **_filled(template))) == how_text(form, **_filled(template))
    for form, template in WAITING.items():
        text = waiting_text(form, **_filled(template))
        assert shown_payment(text) == text


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        (waiting_text("no_match"), "ne correspond à aucune facture : imputez-le à la main"),
        (
            waiting_text("pays_more", paid="500.00", owed="240.00", numbers="FA-24",
                         how=how_text("number")),
            # amounts as French writes them
            "paie 500,00 alors que 240,00 est dû sur FA-24 (numéro dans le libellé du virement)",
        ),
        (
            APPLIED_NOTE.format(amount="1200.00", currency="EUR",
                                how=how_text("by_hand_because", reason="the customer called")),
            "1\u202f200,00 EUR (à la main : the customer called)",
        ),
        ("ne correspond à rien (écrit par une version antérieure)",
         "ne correspond à rien (écrit par une version antérieure)"),
    ],
)  # fmt: skip
def test_a_stored_text_reads_in_french(french: None, stored: str, read: str) -> None:
    assert shown_payment(stored) == read


def test_the_match_reads_in_french_whatever_its_form(french: None) -> None:
    assert shown_how(how_text("reference", reference="RF18 5390 0754 7034")) == (
        "référence RF18 5390 0754 7034"
    )
    assert shown_how(how_text("by_hand")) == "à la main"
    assert shown_how(how_text("by_hand_because", reason="x: y")) == "à la main : x: y"
    assert shown_how(how_text("amount_and_customer")) == "montant et client"


@pytest.mark.parametrize(
    "how", ["number", "reference", "remittance_reference", "amount_and_customer"]
)
@pytest.mark.parametrize("form", ["other_currency", "owes_nothing"])
def test_a_match_written_before_the_invoice_numbers_reads_whole_in_french(
    french: None, how: str, form: str
) -> None:
    """ "{how} {numbers}": the match read as a whole, however many words it has (it was cut
    after its first word, and the rest left in English)."""
    match = how_text(how, reference="RF18 5390 0754 7034")
    text = shown_payment(waiting_text(form, how=match, numbers="FA-2026-0102"))
    assert shown_how(match) in text and text.split(",")[0].endswith(" FA-2026-0102")
    assert not re.search(r"\b(?:number|remittance|amount|customer|invoice's)\b", text), text
