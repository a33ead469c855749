"""The words of an invoice's message that a customer acts on: what it asks them to pay, by its
amount due (BT-115) and its total (BT-112), each case as EN 16931 writes it; and its dates,
which no reader may take for another day."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.domain.payments import owed_as_said


@pytest.mark.parametrize(
    ("due", "total", "said"),
    [
        ("120.00", "120.00", "all"),
        ("20.00", "120.00", "part"),  # 100.00 paid in advance (BT-113)
        ("130.00", "120.00", "part"),  # a rounding amount or a charge after the total (BT-114)
        ("0.00", "120.00", "nothing"),  # paid at order
        ("-120.00", "120.00", "refund"),  # more paid in advance than invoiced
        ("-8.79", "-8.79", "refund"),  # a corrected invoice (384) that is a credit whole
        ("0.00", "0.00", "nothing"),
    ],
)
def test_what_the_message_asks(due: str, total: str, said: str) -> None:
    assert owed_as_said(Decimal(due), Decimal(total)) == said


@pytest.mark.parametrize(
    ("language", "written"),
    [("fr", "06/12/2026"), ("en", "6 December 2026")],  # never 06/12, June to some readers
)
def test_a_date_in_a_customers_message(language: str, written: str) -> None:
    from datetime import date

    from daemon.outbound.batches import format_date

    assert format_date(date(2026, 12, 6), language) == written
