"""An invoice withdrawn by a person before it reached its customer, on SQLite and
PostgreSQL: nothing more goes out for it, it is not reminded or owed, and it stays recorded
with who and why; one that reached the customer, or has payments, is refused with what to do
instead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from daemon.app.services import Facturier
from daemon.domain.errors import ValidationError
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file


async def _customer(app: Facturier, email: str) -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", email, (), None, "C-1", "en"), changed_by="test"
    )


async def _invoice(app: Facturier, tmp_path: Path, number: str) -> int:
    file = invoice_file(tmp_path / "in", number, issued_days_ago=40, due_in_days=-10)
    [result] = await app.ingest.import_paths([file])
    assert result.invoice_id is not None, result.message
    return result.invoice_id


async def test_an_invoice_withdrawn_while_greylisted_never_goes_and_is_not_owed(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@greylist.example")
    invoice = await _invoice(app, tmp_path, "FA-1")
    [deferred] = await app.send_due()
    assert deferred.state == "deferred"
    with pytest.raises(ValidationError, match="say why"):
        await app.withdraw(invoice, by="ana", reason=" ")

    assert await app.withdraw(invoice, by="ana", reason="imported by mistake") == 1
    assert (await app.queries.find_invoice("FA-1")).state == "withdrawn"
    detail = await app.queries.invoice_detail(invoice)
    assert [(what, who, why) for _at, what, who, why in detail.decisions] == [
        ("withdrawn-by-hand", "ana", "imported by mistake")
    ]
    assert [s for _r, _k, s, _m, _d in detail.deliveries] == ["cancelled"]
    assert (await app.reminders.run()).sent == []  # 10 days late, but withdrawn
    assert "FA-1" not in {i.invoice_number for i in await app.attention.items()}
    with pytest.raises(ValidationError, match="withdrawn already"):
        await app.withdraw(invoice, by="ana", reason="again")


async def test_an_invoice_that_reached_the_customer_is_cancelled_by_a_credit_note(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@dupont.example")
    invoice = await _invoice(app, tmp_path, "FA-2")
    await app.send_due()
    with pytest.raises(ValidationError) as refused:
        await app.withdraw(invoice, by="ana", reason="wrong amount")
    said = str(refused.value)
    assert "reached factures@dupont.example already" in said and "credit note" in said
    assert (await app.queries.find_invoice("FA-2")).state == "accepted"


async def test_an_invoice_with_payments_is_withdrawn_only_once_they_are_reversed(
    app: Facturier, tmp_path: Path
) -> None:
    invoice = await _invoice(app, tmp_path, "FA-3")  # no customer yet: waits for an address
    payment = await app.payments.record_by_hand(
        invoice, None, received_on=date.today(), reference=None, by="t", reason="bank"
    )
    with pytest.raises(ValidationError, match="reverse them first"):
        await app.withdraw(invoice, by="ana", reason="a test file")
    assert payment.id is not None
    await app.payments.reverse(payment.id, by="ana", reason="recorded on the wrong invoice")
    await app.withdraw(invoice, by="ana", reason="a test file")
    assert (await app.queries.find_invoice("FA-3")).state == "withdrawn"
