"""What a notice did to a delivery, stored in English as the record, reads in the operator's
language: our words and the bounce reason translated, the notice's own words as they came."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from daemon.domain import i18n
from daemon.domain.event_words import (
    DELAYED,
    HARD,
    HINTS,
    REASONS,
    SOFT,
    hinted,
    reason_text,
    shown,
    tied,
)

DIAG = "Host or domain name not found. Name service error for name=client.invalid"


@pytest.fixture
def french() -> Iterator[None]:
    i18n.use("fr")
    yield
    i18n.use("en")


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        (
            f"{HARD} — {reason_text('hostunknown', DIAG)}{tied('verp')}",
            f"rebond définitif — domaine inexistant : {DIAG} [rattaché par son adresse de "
            "retour signée]",
        ),
        (
            f"{SOFT} — {reason_text('mailboxfull', '452 4.2.2 Over quota')}" + tied("message-id"),
            "rebond temporaire — boîte pleine : 452 4.2.2 Over quota [rattaché par le "
            "Message-ID d'origine]",
        ),
        (
            f"{DELAYED}: {reason_text(None, 'still trying')}{tied('envid')}",
            "retard signalé : raison inconnue : still trying [rattaché par l'identifiant "
            "d'enveloppe]",
        ),
        (
            hinted(reason_text("spamdetected", "554 5.7.1 spam"), "spamdetected")
            + tied("by hand (marie): the customer's IT confirmed it"),
            "pris pour du spam : 554 5.7.1 spam — que faire : le système destinataire a pris "
            "la facture pour du spam : demandez au client d'autoriser l'adresse d'envoi, et "
            "vérifiez SPF, DKIM et DMARC du domaine d'envoi [rattaché à la main (marie) : the "
            "customer's IT confirmed it]",
        ),
        (
            "auto-reply: Absent — absent until 15 décembre [tied by token-header]",
            "réponse automatique : Absent — absent jusqu'au 15 décembre [rattaché par le jeton "
            "d'envoi de facturier]",
        ),
        (
            "customer replied (marie@client.example): Bien reçu [tied by message-id]",
            "le client a répondu (marie@client.example) : Bien reçu [rattaché par le Message-ID "
            "d'origine]",
        ),
        (
            "complaint (abuse) from the recipient's provider",
            "plainte (abuse) du fournisseur du destinataire",
        ),
        # a relay's own reply, and a record in no form we write: as stored
        ("RCPT a@b.example: 451 4.7.1 Greylisted", "RCPT a@b.example: 451 4.7.1 Greylisted"),
        (f"{HARD} — notareason: said", "rebond définitif — notareason: said"),
    ],
)
def test_a_stored_text_reads_in_french(french: None, stored: str, read: str) -> None:
    assert shown(stored) == read


def test_english_reads_as_stored_but_for_the_reason_and_evidence_named() -> None:
    stored = f"{HARD} — {reason_text('userunknown', '550 5.1.1 no such user')}{tied('verp')}"
    assert shown(stored) == (
        "hard bounce — no such mailbox: 550 5.1.1 no such user [tied by its signed return path]"
    )


def test_every_reason_and_hint_has_its_french(french: None) -> None:
    for words in (*REASONS.values(), *HINTS.values()):
        assert i18n._(words) != words, words


def test_an_undeliverable_addresss_reason_reads_in_french(french: None) -> None:
    assert shown(f"5.4.4 {reason_text('hostunknown', DIAG)}") == (
        f"5.4.4 domaine inexistant : {DIAG}"
    )


@pytest.mark.parametrize(
    ("form", "values", "read"),
    [
        ("resend", {"by": "marie", "reason": "the customer lost it"},
         "renvoi demandé par marie : the customer lost it"),
        ("reminder", {"level": 2, "invoices": "FA-1, FA-2"}, "relance de niveau 2 : FA-1, FA-2"),
        (
            "read_receipt_deleted",
            {"said": "automatic-action/MDN-sent-automatically; deleted"},
            "accusé de lecture : message supprimé sans avoir été lu "
            "(automatic-action/MDN-sent-automatically; deleted)",
        ),
        (
            "error_retry",
            {"errors": 2, "limit": 5, "reason": "OSError: disk; full", "at": "2026-12-05 10:00"},
            "erreur inattendue 2 sur 5 : OSError: disk; full ; prochain essai le 2026-12-05 "
            "10:00 UTC",
        ),
        # what the relay did with an attempt: its own words kept, ours said in French
        (
            "deferred",
            {"said": "RCPT a@b.example: 451 4.7.1 Greylisted", "at": "2026-12-06 13:50:24"},
            "RCPT a@b.example: 451 4.7.1 Greylisted ; prochain essai le 2026-12-06 13:50:24 UTC",
        ),
        # a relay that could not be reached: that sentence is ours, the system's error not
        (
            "deferred",
            {"said": "cannot connect to 127.0.0.1:2525: [Errno 111] Connect call failed",
             "at": "2026-12-06 13:50:24"},
            "impossible de se connecter à 127.0.0.1:2525 : [Errno 111] Connect call failed ; "
            "prochain essai le 2026-12-06 13:50:24 UTC",
        ),
        ("gave_up", {"attempts": 9, "said": "connection to the relay lost: timed out"},
         "abandon après 9 essais : connexion au relais perdue : timed out"),
        ("relay_paced", {"at": "2026-12-06 13:50:24"},
         "relais ralenti : non envoyé, prochain essai le 2026-12-06 13:50:24 UTC"),
        ("gave_up", {"attempts": 9, "said": "RCPT a@b.example: 452 4.2.2 Mailbox full"},
         "abandon après 9 essais : RCPT a@b.example: 452 4.2.2 Mailbox full"),
        ("accepted", {"said": "2.0.0 Ok: queued as 4F2A1", "queue": "4F2A1"},
         "2.0.0 Ok: queued as 4F2A1 (identifiant de file 4F2A1)"),
        ("soft_bounce_retry", {"n": 2, "delivery": 41, "at": "2026-12-06 15:00"},
         "nouvel essai 2 après un rebond temporaire de l'envoi n° 41, le 2026-12-06 15:00 UTC"),
        ("proof_exported", {"by": "ana", "folder": "proof/7", "why": "litige"},
         "preuve exportée par ana vers proof/7 : litige"),
        # why a notice was set aside, stored in English by the poller whatever its language,
        # the evidence and the suggestion in it read too
        ("tie_forged_verp", {},
         "son adresse de retour porte un jeton VERP dont la signature est fausse : un faux, "
         "quoi qu'il nomme d'autre"),
        ("tie_no_recipient", {"evidence": "the envelope id", "delivery": 41},
         "il ne nomme aucun destinataire, et seul l'identifiant d'enveloppe le rattache à "
         "l'envoi n° 41"),
        ("tie_unproven", {"suggestion": "by recipient and time alone it may be about invoice "
                          "FA-7 (delivery #41) to a@b.example: tie it by hand if it is"},
         "rien ne prouve ce qu'il concerne ; par le seul destinataire et la date, il pourrait "
         "concerner la facture FA-7 (envoi n° 41) à a@b.example : rattachez-le à la main si "
         "c'est le cas"),
        # the reasons the system records for an address change or a decision on an invoice
        ("customer_created", {}, "client créé"),
        ("customer_imported", {"file": "clients.csv"}, "importé depuis clients.csv"),
        ("customer_file", {"file": "clients.csv"}, "fichier clients clients.csv"),
        ("request_answer", {"request": 4}, "la réponse du client à la demande R4"),
        ("duplicate_of", {"id": 7}, "même vendeur, numéro et type que la facture n° 7"),
        ("credit_note", {"number": "AV-12"}, "avoir AV-12"),
        # a more specific form that ends the same way is still read as its own
        ("customer_replied", {"sender": "c@b.example", "said": "ok (queue id 7)"},
         "le client a répondu (c@b.example) : ok (queue id 7)"),
    ],
)  # fmt: skip
def test_the_other_events_read_in_french(
    french: None, form: str, values: dict[str, object], read: str
) -> None:
    from daemon.domain.event_words import event_text

    assert shown(event_text(form, **values)) == read


def test_every_form_reads_back_in_english_as_written() -> None:
    from daemon.domain.event_words import FORMS, event_text

    for form, template in FORMS.items():
        fields = {name: f"<{name} value>" for name in re.findall(r"\{(\w+)\}", template)}
        assert shown(event_text(form, **fields)) == event_text(form, **fields)
