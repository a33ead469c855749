"""Text that reaches a header, a file name or a terminal is checked at the edge: no control
characters, a length limit, refused with the field named."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from daemon.app.demo_samples import SampleInvoice, sample_pdf
from daemon.domain.errors import EInvoiceError, ValidationError
from daemon.intake.customer_records import NewCustomer, validate_new_customer
from daemon.intake.einvoice import read_einvoice


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Dupont\x00SARL", "name: contains the control or invisible character U+0000"),
        ("Dupont \x1b[31mSARL", "name: contains the control or invisible character U+001B"),
        ("Dupont\x7f", "name: contains the control or invisible character U+007F"),
        ("D" * 100_000, "name: 100000 characters, at most 200 allowed"),
    ],
)
def test_a_customer_name_that_would_reach_a_header_badly_is_refused(name: str, why: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(why)):
        validate_new_customer(NewCustomer(name, "factures@dupont.example"))


def test_customer_addresses_are_one_per_field() -> None:
    with pytest.raises(ValidationError, match="not exactly one e-mail address"):
        validate_new_customer(NewCustomer("Dupont", "n4@dupont.example, spy@evil.example"))


def _invoice(number: str, buyer: str = "Boulangerie Dupont") -> bytes:
    return sample_pdf(
        SampleInvoice(
            number, buyer, "C-1", None, date(2026, 1, 5), date(2026, 2, 4), Decimal("100.00")
        )
    )


@pytest.mark.parametrize(
    ("number", "buyer", "why"),
    [
        ("F" * 5000, "Boulangerie Dupont", "invoice number (BT-1): 5000 characters"),
        (
            "FA-1",
            "Dupont\u202eLRAS",
            "buyer name (BT-44): contains the control or invisible character U+202E",
        ),
    ],
)
def test_an_invoice_whose_fields_would_break_a_header_is_refused(
    tmp_path: Path, number: str, buyer: str, why: str
) -> None:
    with pytest.raises(EInvoiceError, match=re.escape(why)):
        read_einvoice(_invoice(number, buyer), "f.pdf", check_xsd=False)
