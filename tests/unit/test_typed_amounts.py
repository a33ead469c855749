"""An amount as an operator types it: read exactly in French or English writing, or refused
where two readers would read it two ways (a payment a thousand times off is never recorded)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.domain.errors import ValidationError
from daemon.domain.typed_amounts import read_amount


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1500", "1500"),
        ("60,00", "60.00"),
        ("60.5", "60.5"),
        ("1 500,00", "1500.00"),  # French
        ("1\u202f500,00\u00a0€", "1500.00"),  # as Babel writes it on a French screen
        ("1,500.00", "1500.00"),  # English
        ("1.500,00", "1500.00"),  # German, Belgian
        ("1'500.00", "1500.00"),  # Swiss
        ("€1,234.56", "1234.56"),
        ("EUR 12.50", "12.50"),
        ("1.500.000", "1500000"),
        ("1,500,000.25", "1500000.25"),
        ("1234,567", "1234.567"),  # no grouping writes four digits before a mark
    ],
)
def test_what_is_read(typed: str, amount: str) -> None:
    assert read_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        (
            "1,500",
            "is ',' a decimal mark or a thousands separator? Write it without doubt: 1500 or 1.5",
        ),
        ("1.500", "is '.' a decimal mark"),
        ("12,345", "12345 or 12.345"),
        ("1.50.00", "is not an amount"),
        ("1,500.000,5", "is not an amount"),
        ("1 20,00", "is not an amount"),
        ("-5", "is not an amount"),
        ("dix", "is not an amount"),
        ("", "is not an amount"),
        ("1e3", "is not an amount"),
    ],
)
def test_what_is_refused(typed: str, says: str) -> None:
    with pytest.raises(ValidationError, match=None) as refused:
        read_amount(typed)
    assert says in str(refused.value) and repr(typed) in str(refused.value)


@pytest.mark.parametrize(
    ("typed", "currency"),
    [
        ("1500", None),
        ("1\u202f500,00\u00a0€", "EUR"),
        ("€1,234.56", "EUR"),
        ("EUR 12.50", "EUR"),
        ("12.50 eur", "EUR"),
        ("100 USD", "USD"),
        ("$100", "USD"),
        ("£20", "GBP"),
        ("100 CHF", "CHF"),
    ],
)
def test_the_currency_written_beside_an_amount(typed: str, currency: str | None) -> None:
    from daemon.domain.typed_amounts import written_currency

    assert written_currency(typed) == currency


def test_two_currencies_beside_one_amount_are_refused() -> None:
    from daemon.domain.typed_amounts import written_currency

    with pytest.raises(ValidationError, match="is not an amount"):
        written_currency("EUR 100 USD")
