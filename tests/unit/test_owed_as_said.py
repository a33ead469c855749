"""What an invoice's message asks of its customer, by its amount due (BT-115) and its total
(BT-112): a table of every case, each as EN 16931 writes it."""

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
