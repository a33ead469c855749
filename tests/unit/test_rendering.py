"""The readable PDF of an invoice that arrives as XML shows all of what it states: a long
item name, a long address, payment terms and an unbroken IBAN-like word are wrapped, never
cut, and a long invoice goes on over pages with its column titles."""

from __future__ import annotations

import io
import re
from pathlib import Path

import facturx
import pytest
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
    # each page says whose it is and where it stands; a single page needs no such mark
    for number, page in enumerate(pages, start=1):
        assert f"Invoice FA-2026-0417 — page {number} / {len(pages)}" in page, page
    [single], _ = _text(render_pages(_invoice(), "fr"))
    assert "page 1 / 1" not in single
    assert text.count("MNT-2026-00417") == 40
    assert re.search(r"Amount due 576\.00 EUR", text)


def _credit_note_by_direct_debit() -> dict[str, object]:
    return {
        **_invoice(),
        "BT-3": "381",
        "BT-10": "ACHATS-7781",
        "BT-13": "BC-2026-118",
        "BT-72": "2026-11-28",
        "BG-3": [{"BT-25": "FA-2026-0399", "BT-26": "2026-11-02"}],
        "BG-4": {
            "name": "Fours Martin SAS",
            "vat_identifier": "FR32123456789",
            "legal_identifier": "123456789",
        },
        "BG-21": [{"amount": "35.00", "reason": "Déplacement", "vat_rate": "20"}],
        "BG-20": [{"amount": "20.00", "reason": "Remise fidélité", "vat_rate": "20"}],
        "BG-23": [
            {"BT-118": "S", "BT-119": "20", "BT-116": "495.00", "BT-117": "99.00"},
            {
                "BT-118": "AE",
                "BT-119": "0",
                "BT-116": "200.00",
                "BT-117": "0.00",
                "BT-120": "Autoliquidation",
                "BT-121": "VATEX-EU-AE",
            },
        ],
        "BT-106": "480.00",
        "BT-107": "20.00",
        "BT-108": "35.00",
        "BT-81": "59",
        "BT-89": "MANDAT-DUPONT-01",
        "BT-91": "FR7630006000011234567890189",
        "BT-83": "RF18 0000 0000 0000 0417",
        "BG-1": [{"BT-22": "Pénalités de retard : trois fois le taux d'intérêt légal."}],
    }


def test_what_the_buyer_needs_to_file_and_pay_it_in_french() -> None:
    """The buyer's reference and order, the invoice a credit note corrects, the seller's
    registration, the allowances and charges that make the net total, each VAT category by
    name with its exemption, a direct debit's account and mandate, and the notes."""
    _, text = _text(render_pages(_credit_note_by_direct_debit(), "fr"))
    for shown in (
        "Avoir N° FA-2026-0417",
        "Votre référence : ACHATS-7781",
        "Bon de commande : BC-2026-118",
        "Date de livraison : 28/11/2026",
        "Corrige la facture FA-2026-0399 du 02/11/2026",
        "Immatriculation 123456789",
        "Remise : Remise fidélité 20 -20,00 EUR",
        "Frais : Déplacement 20 35,00 EUR",
        "Taux normal 20 %",
        "Autoliquidation 0 %",
        "Motif d'exonération : Autoliquidation VATEX-EU-AE",
        "Total des lignes HT 480,00 EUR",
        "Règlement : Prélèvement SEPA sur le compte FR7630006000011234567890189 "
        "mandat MANDAT-DUPONT-01",
        "Remarques Pénalités de retard : trois fois le taux d'intérêt légal.",
    ):
        assert shown in text, (shown, text)
    assert "IBAN" not in text  # a direct debit: nothing to transfer to


def test_and_in_english_with_the_xml_beside_it() -> None:
    bt = {
        **_credit_note_by_direct_debit(),
        "BT-81": "58",
        "BT-84": "FR7630006000011234567890189",
        "BT-86": "AGRIFRPP",
    }
    _, text = _text(render_pages(bt, "en", embedded=False))
    for shown in (
        "Credit note No. FA-2026-0417",
        "Your reference: ACHATS-7781",
        "Corrects invoice FA-2026-0399 of 02/11/2026",
        "Reverse charge 0 %",
        "Exemption reason: Autoliquidation VATEX-EU-AE",
        "Payment: SEPA credit transfer IBAN FR7630006000011234567890189 BIC AGRIFRPP",
        "attached to the message (the XML file)",
    ):
        assert shown in text, (shown, text)


@pytest.mark.corpus
def test_cens_examples_show_how_to_pay(corpus_dir: Path) -> None:
    """As the factur-x library reads real invoices (the payment terms at the top level, a
    list where several means are given): the account to pay to, or the one debited."""
    examples = corpus_dir / "en16931"
    for name, language, shown in (
        ("cii/examples/CII_example2.xml", "en", "Payment: Credit transfer IBAN NO9386011117947 "
         "BIC DNBANOKK"),
        ("ubl/examples/ubl-tc434-example5.xml", "fr", "Règlement : Prélèvement sur le compte "
         "DK1212341234123412 mandat 123456"),
    ):  # fmt: skip
        bt = facturx.parse_ubl_cii_xml((examples / name).read_bytes(), check_xsd=False)
        _, text = _text(render_pages(bt, language))
        assert shown in text, (name, text)


def test_a_term_the_invoice_repeats_is_shown_once_each() -> None:
    bt = {**_invoice(), "BT-83": ["RF18 0417", "RF18 0417", "FA-0417"], "BT-10": ["A-1"]}
    _, text = _text(render_pages(bt, "en"))
    assert "Reference to quote: RF18 0417, FA-0417" in text and "Your reference: A-1" in text
    assert "[" not in text
