"""An address-change log line reads in the operator's language: a customer's channel (and
the consent it recorded) translated, an address as it is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from daemon.domain import i18n
from daemon.domain.event_words import event_text, shown
from daemon.domain.labels import change_value, field_label


@pytest.fixture
def french() -> Iterator[None]:
    i18n.use("fr")
    yield
    i18n.use("en")


def test_a_channel_change_reads_in_french(french: None) -> None:
    assert field_label("channel") == "canal"
    assert change_value("paper", "channel") == "papier"
    assert (
        change_value("email (consent 2026-12-01: signed form)", "channel")
        == "courriel (accord du 01/12/2026 : signed form)"
    )


def test_an_address_and_a_flag_read_as_before(french: None) -> None:
    assert change_value("paper@dupont.example", "invoice_to") == "paper@dupont.example"
    assert change_value("paper", "identifier") == "paper"  # only a channel is a channel
    assert change_value("true", "undeliverable") == "oui"
    assert change_value(None, "copy") == "-"


def test_what_an_address_change_did_to_messages_on_their_way_reads_in_french(
    french: None,
) -> None:
    why = event_text("customer_file", file="clients.csv")
    left = event_text("address_left", new="b@x.example", by="ana", why=why)
    assert shown(left) == (
        "non envoyé : l'adresse de facturation est devenue b@x.example "
        "(ana : fichier clients clients.csv) ; le message y part à la place"
    )
    paper = event_text("to_paper", by="ana", why="à sa demande")
    assert shown(paper) == (
        "non envoyé : le client reçoit désormais ses factures sur papier (ana : à sa demande)"
    )


def test_why_a_message_was_not_sent_reads_in_french(french: None) -> None:
    bounced = event_text("address_bounced_unsent", status="5.1.1", reason="userunknown")
    assert shown(bounced) == (
        "non envoyé : un rebond définitif 5.1.1 (boîte inexistante) a marqué cette adresse "
        "injoignable"
    )
    settled = event_text("reminder_settled", invoices="FA-1, FA-2")
    assert shown(settled).startswith("non envoyée : FA-1, FA-2 payée(s), en litige")
    assert shown(event_text("copy_removed", by="ana", why="parti")) == (
        "non envoyé : cette adresse en copie a été retirée (ana : parti)"
    )
