"""Reminders that read right and stop in time, on SQLite and PostgreSQL: one message per
customer and level listing its overdue invoices, with what the seller's law requires; none
for an invoice in dispute; the run says what it sent and what it held back, and why."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from config import SellerTerms, Settings
from daemon.app.cli import app as cli
from daemon.app.services import Facturier
from daemon.domain.attention import AttentionKind
from daemon.domain.models import CustomerAddress
from daemon.intake.customers import NewCustomer
from daemon.store.db import transaction
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, parse


async def _late(app: Facturier, tmp_path: Path, *numbers: str, language: str = "fr") -> list[int]:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1", language),
        changed_by="test",
    )
    ids = []
    for n, number in enumerate(numbers):
        file = invoice_file(tmp_path / "in", number, issued_days_ago=40 + n, due_in_days=-10 + n)
        [r] = await app.ingest.import_paths([file])
        assert r.invoice_id is not None, r.message
        ids.append(r.invoice_id)
    await app.send_due()
    return ids


def _texts(sandbox: SandboxServer, word: str) -> list[tuple[str, str]]:
    out = []
    for raw in sandbox.received("factures@dupont.example"):
        m = parse(raw)
        if word in m["Subject"]:
            out.append((m["Subject"], m.get_body(("plain",)).get_content()))  # type: ignore[union-attr]
    return out


async def test_one_reminder_per_customer_and_level_lists_every_invoice(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _late(app, tmp_path, "FA-81", "FA-82")
    report = await app.reminders.run()
    [sent] = report.sent
    assert sent.invoices == ("FA-81", "FA-82") and report.held_back == []
    await app.send_due()
    [(subject, text)] = _texts(sandbox, "Relance")
    assert subject.startswith("Relance : 2 factures échues")
    assert "facture FA-81" in text and "facture FA-82" in text
    assert "Total restant dû : 240,00 EUR" in text
    # France: the Code de commerce's penalties and the 40 euro indemnity
    assert "L441-10" in text and "40 euros" in text and "D441-5" in text
    assert (await app.reminders.run()).sent == []  # each level once
    # 36 days on, both are 45 days overdue or more: level 3, the last one, says so (level
    # 2 is recorded as passed over, not sent)
    later = await app.reminders.run(date.today() + timedelta(days=36))
    assert [s.level for s in later.sent] == [3]
    await app.send_due()
    assert any(s.startswith("Dernière relance") for s, _ in _texts(sandbox, "relance"))


async def test_an_invoice_in_dispute_is_held_back_until_the_dispute_closes(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    [disputed, other] = await _late(app, tmp_path, "FA-83", "FA-84")
    await app.dispute(disputed, by="ana", reason="quantity contested")
    report = await app.reminders.run()
    [sent] = report.sent
    assert sent.invoices == ("FA-84",)
    [held] = report.held_back
    assert held.invoice == "FA-83" and held.why == "in dispute"
    assert "quantity contested" in held.detail
    await app.dispute(disputed, by="ana", reason="credit note agreed", close=True)
    again = await app.reminders.run()
    assert [s.invoices for s in again.sent] == [("FA-83",)]
    detail = await app.queries.invoice_detail(disputed)
    assert [d[1] for d in detail.decisions] == ["dispute-opened", "dispute-closed"]
    assert other not in (disputed,)


async def test_an_undeliverable_address_holds_the_reminder_back_and_says_why(
    app: Facturier, tmp_path: Path
) -> None:
    await _late(app, tmp_path, "FA-85")
    # the invoice went through; the address bounced since (as a bounce marks it)
    async with transaction(app.ctx.sessions) as session:
        [address] = (await session.exec(select(CustomerAddress))).all()
        address.undeliverable, address.undeliverable_reason = True, "5.1.1 user unknown"
        session.add(address)
    report = await app.reminders.run()
    assert report.sent == []
    assert [(h.invoice, h.why) for h in report.held_back] == [
        ("FA-85", "no deliverable invoice address")
    ]


async def test_a_belgian_seller_quotes_the_law_of_2_august_2002(
    settings: Settings, sandbox: SandboxServer, tmp_path: Path
) -> None:
    terms = SellerTerms(seller="ACME SARL", country="BE", interest_rate="10 % per year")
    settings = settings.model_copy(
        update={"reminders": settings.reminders.model_copy(update={"sellers": [terms]})}
    )
    app = await Facturier.open(settings)
    try:
        await _late(app, tmp_path, "FA-86", language="en")
        await app.reminders.run()
        await app.send_due()
        [(subject, text)] = _texts(sandbox, "Reminder")
        assert subject.startswith("Reminder: invoice FA-86")
        assert "law of 2 August 2002" in text and "10 % per year" in text
        assert "40 euros" in text
    finally:
        await app.close()


async def test_an_invoice_stating_no_due_date_is_held_back_until_a_person_sets_the_day(
    app: Facturier,
    sandbox: SandboxServer,
    settings_path: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """EN 16931 lets an invoice give its terms in words only (BT-20, no BT-9): no reminder
    counts from a day guessed from them. The run says which invoice and what to do; `facturier
    due` sets the day, with who and why, and the reminders go from it."""
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1", "fr"),
        changed_by="test",
    )
    file = invoice_file(tmp_path / "in", "FA-86", issued_days_ago=40, due_in_days=None)
    [r] = await app.ingest.import_paths([file])
    assert r.invoice_id is not None, r.message
    fresh = invoice_file(tmp_path / "in", "FA-87", issued_days_ago=3, due_in_days=None)
    assert (await app.ingest.import_paths([fresh]))[0].invoice_id is not None
    await app.send_due()
    report = await app.reminders.run()
    assert report.sent == []
    # the one issued 40 days ago is said; the one issued 3 days ago is not late in any case
    [held] = report.held_back
    assert (held.invoice, held.level) == ("FA-86", 2) and "no due date" in held.why
    # a scheduled run, which nobody reads but the journal, says so there
    [said] = [r.getMessage() for r in caplog.records if "no due date" in r.getMessage()]
    assert "1 invoice(s)" in said and "FA-86" in said and "FA-87" not in said
    # and the operators see it in their queue, from the day a first reminder would have gone
    [item] = await app.attention.items(AttentionKind.NO_DUE_DATE)
    assert (item.invoice_number, item.ref) == ("FA-86", r.invoice_id)
    assert "states no due date" in item.why and "facturier due" in item.hint
    first_level = app.ctx.settings.reminders.levels_days[0]
    assert item.at.date() == date.today() - timedelta(days=40 - first_level)
    assert [i.ref for i in await app.attention.items(newest=1)] == [r.invoice_id]

    async def due(*args: str) -> tuple[int, str]:
        """The command as an admin runs it (its own event loop, in a thread of its own)."""
        command = ["--config", str(settings_path), "due", *args]
        result = await asyncio.to_thread(CliRunner().invoke, cli, command)
        return result.exit_code, result.output

    issued = (date.today() - timedelta(days=40)).isoformat()
    code, said = await due("FA-86", "2026-13-01", "--reason", "terms")
    assert code == 2 and "2026-13-01 is not a YYYY-MM-DD date" in said
    code, said = await due("FA-86", "2000-01-01", "--reason", "terms")
    assert code == 2 and f"before invoice FA-86's issue date, {issued}" in said
    code, said = await due(
        "FA-86", (date.today() - timedelta(days=10)).isoformat(), "--reason", " "
    )
    assert code == 2 and "reason" in said
    ten_days_ago = (date.today() - timedelta(days=10)).isoformat()
    code, said = await due("FA-86", ten_days_ago, "--reason", "its terms: 30 days net")
    assert code == 0 and said.startswith("invoice FA-86: due "), said

    report = await app.reminders.run()
    assert [(s.invoices, s.level) for s in report.sent] == [(("FA-86",), 1)]
    assert report.held_back == []
    assert await app.attention.items(AttentionKind.NO_DUE_DATE) == []
    detail = await app.queries.invoice_detail(r.invoice_id)
    [(_at, what, who, why)] = detail.decisions
    assert what == "due-date-set" and who and why == f"- → {ten_days_ago} — its terms: 30 days net"


async def test_the_sellers_own_terms_give_the_day_an_invoice_stating_none_is_due(
    settings: Settings, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The admin states the seller's terms (``[reminders] days_to_pay``): an invoice with its
    terms in words only is due that many days after its issue date, and the reminder says
    that day and counts from it."""
    terms = settings.reminders.model_copy(update={"days_to_pay": 30})
    app = await Facturier.open(settings.model_copy(update={"reminders": terms}))
    try:
        await app.customers.add(
            NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1", "fr"),
            changed_by="test",
        )
        file = invoice_file(tmp_path / "in", "FA-88", issued_days_ago=40, due_in_days=None)
        assert (await app.ingest.import_paths([file]))[0].invoice_id is not None
        await app.send_due()
        report = await app.reminders.run()
        assert [(s.invoices, s.level) for s in report.sent] == [(("FA-88",), 1)]
        assert report.held_back == []
        assert await app.attention.items(AttentionKind.NO_DUE_DATE) == []  # nothing to set
        await app.send_due()
        [(_subject, text)] = _texts(sandbox, "Relance")
        due = date.today() - timedelta(days=10)
        assert f"{due:%d/%m/%Y}" in text and "10 jours de retard" in text, text
    finally:
        await app.close()


async def test_an_invoice_the_seller_collects_by_direct_debit_is_not_reminded(
    app: Facturier, tmp_path: Path
) -> None:
    """A SEPA direct debit (BT-81 59, UNTDID 4461) is the seller's to collect: a reminder
    would ask the customer to pay what the bank takes from them anyway. Held back, saying
    why; a credit transfer of the same customer is reminded."""
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1", "fr"),
        changed_by="test",
    )
    # (FA-94, due two days ago, is not late enough for a reminder: not held back either)
    for number, means, due in (("FA-89", "59", -10), ("FA-90", "58", -10), ("FA-94", "59", -2)):
        file = invoice_file(
            tmp_path / "in", number, issued_days_ago=40, due_in_days=due, payment_means=means
        )
        [r] = await app.ingest.import_paths([file])
        assert r.invoice_id is not None, r.message
    await app.send_due()
    report = await app.reminders.run()
    assert [s.invoices for s in report.sent] == [("FA-90",)]
    [held] = report.held_back
    assert held.invoice == "FA-89" and "direct debit" in held.why and held.detail == "59"


async def test_a_balance_under_the_minimum_is_not_reminded(
    settings: Settings, tmp_path: Path
) -> None:
    """A bank fee left 0.50 unpaid: with ``[reminders] minimum_balance = 1`` that invoice is
    held back, saying what is left; an invoice owed whole is reminded as before."""
    terms = settings.reminders.model_copy(update={"minimum_balance": Decimal("1")})
    app = await Facturier.open(settings.model_copy(update={"reminders": terms}))
    try:
        [short, _whole] = await _late(app, tmp_path, "FA-92", "FA-93")
        await app.payments.record_by_hand(
            short, Decimal("119.50"), received_on=date.today(), reference=None, by="t", reason="x"
        )
        report = await app.reminders.run()
        assert [s.invoices for s in report.sent] == [("FA-93",)]
        [held] = report.held_back
        assert (held.invoice, held.detail) == ("FA-92", "0.50 EUR") and "minimum" in held.why
    finally:
        await app.close()


async def test_a_reminder_waiting_to_go_is_not_sent_once_an_invoice_it_reminds_is_paid(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A reminder queued, then held up (a greylisting server, the relay's pace) while the
    customer pays: it is not sent, saying why, and the next run reminds what is still owed,
    with the oldest still owed carrying it."""
    [paid, _still_owed] = await _late(app, tmp_path, "FA-91", "FA-92")
    [sent] = (await app.reminders.run()).sent
    assert sent.invoices == ("FA-91", "FA-92")
    await app.payments.record_by_hand(
        paid, None, received_on=date.today(), reference=None, by="t", reason="bank"
    )
    await app.send_due()
    assert _texts(sandbox, "Relance") == []
    detail = await app.queries.invoice_detail(paid)
    [cancelled] = [e for e in detail.events if e.event == "cancelled"]
    assert (cancelled.text or "").startswith("not sent: FA-91 paid, in dispute or set aside")

    again = await app.reminders.run()
    assert [(s.level, s.invoices) for s in again.sent] == [(1, ("FA-92",))]
    await app.send_due()
    [(subject, text)] = _texts(sandbox, "Relance")
    assert subject.startswith("Relance : facture FA-92") or "FA-92" in subject
    assert "FA-92" in text and "FA-91" not in text
