"""The readable PDF of an invoice that arrives as XML shows all of what it states: a long
item name, a long address, payment terms and an unbroken IBAN-like word are wrapped, never
cut, and a long invoice goes on over pages with its column titles."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from daemon.intake.rendering import render_pages

ITEM = (
    "Maintenance annuelle du four à sole rotative Bongard Cervap 8.60, pièces et main "
    "d'œuvre comprises, déplacement en zone 2 (Paris 11e), contrat n° MNT-2026-00417"
)
TERMS = (
    "Paiement à 30 jours fin de mois par virement ; escompte de 2 % pour paiement sous 8 "
    "jours ; pénalités de retard au taux de la BCE majoré de 10 points et indemnité "
    "forfaitaire de 40 € pour frais de recouvrement (articles L441-10 et D441-5 du Code "
    "de commerce)"
)
LINK = "https://paiement.boulangerie-dupont.example/factures/FA-2026-0417/" + "x" * 60


def _invoice(items: int = 1) -> dict[str, object]:
    line = {"BT-153": ITEM, "BT-129": "1", "BT-146": "480.00", "BT-152": "20", "BT-131": "480.00"}
    return {
        "BT-1": "FA-2026-0417",
        "BT-2": "2026-12-01",
        "BT-3": "380",
        "BT-5": "EUR",
        "BT-9": "2026-12-31",
        "BG-4": {"name": "Fours et Fournils de l'Île-de-France, réparation et entretien SARL"},
        "BG-7": {"name": "Boulangerie-Pâtisserie Dupont et Fils", "addr_l1": LINK},
        "BG-25": [line] * items,
        "BG-23": [{"BT-118": "S", "BT-119": "20", "BT-116": "480.00", "BT-117": "96.00"}],
        "BT-109": "480.00",
        "BT-110": "96.00",
        "BT-112": "576.00",
        "BT-115": "576.00",
        "BT-20": TERMS,
    }


def _text(pdf: bytes) -> tuple[list[str], str]:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return pages, " ".join(" ".join(pages).split())


def test_nothing_the_invoice_states_is_cut() -> None:
    _, text = _text(render_pages(_invoice(), "fr"))
    for words in (ITEM, TERMS, "Fours et Fournils de l'Île-de-France, réparation et entretien"):
        assert " ".join(words.split()) in text, words
    assert LINK in text.replace(" ", "")  # a word wider than the column, broken, whole


def test_a_long_invoice_goes_on_over_pages_with_its_column_titles() -> None:
    pages, text = _text(render_pages(_invoice(items=40), "en"))
    assert len(pages) >= 3
    assert all("Description" in page and "Net amount" in page for page in pages[:-1])
    assert text.count("MNT-2026-00417") == 40
    assert re.search(r"Amount due 576\.00 EUR", text)
