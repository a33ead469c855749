"""A bank's CSV export read as its settings say, and refused, never misread, where its
amounts or its columns are written otherwise."""

from __future__ import annotations

from decimal import Decimal

import pytest

from config.settings import CsvColumns
from daemon.intake.statements import StatementError, read_statement

HEADER = "date;amount;currency;reference;remittance;payer\n"


def _amounts(rows: str, **settings: object) -> list[Decimal]:
    columns = CsvColumns(delimiter=";", date_format="%d/%m/%Y", **settings)  # type: ignore[arg-type]
    statement = read_statement((HEADER + rows).encode(), "bank.csv", columns, "EUR")
    return [e.amount for e in statement.entries]


@pytest.mark.parametrize(
    ("written", "decimal_comma", "amount"),
    [
        ("1620,00", True, "1620.00"),
        ("1.620,00", True, "1620.00"),
        ("1 620,00", True, "1620.00"),  # a space between thousands
        ("1\u202f620,00", True, "1620.00"),  # the narrow no-break space French locales write
        ("1620.00", False, "1620.00"),
        ("1,620.00", False, "1620.00"),
        ("1620", False, "1620"),
    ],
)
def test_an_amount_is_read_as_the_export_writes_it(
    written: str, decimal_comma: bool, amount: str
) -> None:
    row = f"01/12/2026;{written};EUR;;FA-1;Dupont\n"
    assert _amounts(row, decimal_comma=decimal_comma) == [Decimal(amount)]


@pytest.mark.parametrize(
    ("written", "decimal_comma", "told"),
    [
        # read with decimal points, "1620,00" would be 162,000.00
        ("1620,00", False, "written with a decimal comma: set decimal_comma = true"),
        ("70,5", False, "written with a decimal comma: set decimal_comma = true"),
        # read with decimal commas, "1,620.00" would be 1.62
        ("1,620.00", True, "written with a decimal point: set decimal_comma = false"),
        ("70.50", True, "written with a decimal point: set decimal_comma = false"),
    ],
)
def test_an_amount_written_with_the_other_decimal_mark_is_refused_not_misread(
    written: str, decimal_comma: bool, told: str
) -> None:
    row = f"01/12/2026;{written};EUR;;FA-1;Dupont\n"
    with pytest.raises(StatementError, match=told) as raised:
        _amounts(row, decimal_comma=decimal_comma)
    assert "bank.csv: line 2: amount " in str(raised.value)


def test_a_header_read_as_one_column_names_the_separator_it_holds() -> None:
    columns = CsvColumns(delimiter=",")
    with pytest.raises(StatementError) as raised:
        read_statement(HEADER.encode(), "bank.csv", columns, "EUR")
    said = str(raised.value)
    assert "its header reads as one column" in said
    assert """if its columns are separated by ';', set delimiter = ";" in [payments.csv]""" in said
