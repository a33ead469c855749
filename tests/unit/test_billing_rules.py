"""Billing rules, pure: structured payment references (ISO 11649 RF, Belgian OGM-VCS), what
is owed, shared invoice mailboxes, signed request tokens, and the identity that tells a
duplicate file from another document."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from daemon.domain.identity import DocumentKind, compare, document_kind, invoice_identity
from daemon.domain.payments import (
    balance,
    belgian_reference,
    payment_state,
    rf_reference,
    structured_references,
)


def test_published_examples_are_found_in_remittance_text() -> None:
    # ISO 11649's own example, and Febelfin's example of a structured communication
    assert structured_references("Paiement RF18 5390 0754 7034 merci") == ["RF18 5390 0754 7034"]
    assert structured_references("+++010/8068/17183+++") == ["+++010/8068/17183+++"]
    assert structured_references("***010/8068/17183***") == ["+++010/8068/17183+++"]
    # a wrong check digit is no reference
    assert structured_references("RF19 5390 0754 7034 +++010/8068/17180+++") == []


@given(st.from_regex(r"[A-Z]{0,3}-?[0-9]{1,8}", fullmatch=True))
def test_a_reference_made_from_a_number_is_valid_and_found_again(number: str) -> None:
    rf = rf_reference(number)
    assert rf is not None and structured_references(f"virement {rf} facture") == [rf]
    be = belgian_reference(number)
    assert be is not None and be in structured_references(f"comm. {be}")


def test_numbers_that_cannot_carry_a_reference_get_none() -> None:
    assert rf_reference("---") is None and rf_reference("A" * 22) is None
    assert belgian_reference("FA-ABC") is None and belgian_reference("12345678901") is None


def test_what_is_owed() -> None:
    assert balance(Decimal("120"), Decimal("20"), Decimal("30")) == Decimal("70.00")
    assert payment_state(Decimal("120"), Decimal("0"), Decimal("0")) == "unpaid"
    assert payment_state(Decimal("120"), Decimal("20"), Decimal("0")) == "partial"
    assert payment_state(Decimal("120"), Decimal("0"), Decimal("120")) == "paid"
    assert payment_state(Decimal("120"), Decimal("200"), Decimal("0")) == "paid"


def test_identity_is_seller_number_and_kind() -> None:
    assert invoice_identity("FR 44 512345678", "ACME", "FA-1", "380") == invoice_identity(
        "fr44512345678", "Acme SAS", "FA-1", "384"
    )
    assert invoice_identity(None, "  ACME  sas", "FA-1", "380")[0] == "name:acme sas"
    assert document_kind("381") is DocumentKind.CREDIT_NOTE
    assert document_kind("380") is DocumentKind.INVOICE
    assert document_kind(None) is DocumentKind.INVOICE
    fields = compare({"total_with_tax": Decimal("120.00")}, {"total_with_tax": Decimal("132.00")})
    assert [f.field for f in fields if f.differs] == ["total_with_tax"]


def test_shared_invoice_mailboxes_are_told_by_name() -> None:
    from daemon.domain.mailboxes import is_shared_mailbox

    for shared in ("factures@x.fr", "Invoices@X.com", "ap+2026@x.com", "comptabilite@x.fr"):
        assert is_shared_mailbox(shared), shared
    for person in ("jean.dupont@x.fr", "ceo@x.com", "facturesjean@x.fr"):
        assert not is_shared_mailbox(person), person
    assert is_shared_mailbox("kasse@x.de", extra=["Kasse"])


def test_a_request_token_is_signed_and_an_answer_gives_its_address() -> None:
    from daemon.domain.requests import (
        forged_tokens_in,
        proposed_address,
        request_token,
        tokens_in,
    )

    key = b"secret"
    token = request_token(7, key)
    assert tokens_in(f"RE: Votre adresse [réf. {token}]", key) == [7]
    assert tokens_in(f"[ref. {token}]", b"other") == []
    assert forged_tokens_in("R7-0123456789abcdef", key) == ["R7-0123456789abcdef"]
    text = "Please use jean@client.example or invoices@client.example, not billing@acme.example"
    assert proposed_address(text, ours=["acme.example"]) == "invoices@client.example"
    assert proposed_address("call me", ours=[]) is None
