"""`facturier status NUMBER`, on SQLite and PostgreSQL: one invoice as an admin reads it on
the command line, all it went through (where it went, each event, the bounce that came back,
a payment, a person's decision), in the operator's language; JSON for a script."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from daemon.app.cli import app as cli
from daemon.app.services import Facturier
from daemon.domain.formatting import day
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file

GONE = "compta@atelier.invalid"  # the sandbox bounces it with a DSN


async def _status(config: Path, *args: str) -> Result:
    """The command, as an admin runs it (its own event loop, in a thread of its own)."""
    return await asyncio.to_thread(
        CliRunner().invoke, cli, ["--config", str(config), "status", *args]
    )


async def _bounced_and_paid(app: Facturier, tmp_path: Path) -> int:
    await app.customers.add(
        NewCustomer("Atelier Martin", GONE, (), None, "C-1", "fr"), changed_by="test"
    )
    [result] = await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-1")])
    assert result.invoice_id is not None
    await app.send_due()
    await app.poll_bounces()
    await app.payments.record_by_hand(
        result.invoice_id,
        Decimal("50.00"),
        received_on=date.today(),
        reference=None,
        by="ana",
        reason="cheque 1234",
    )
    return result.invoice_id


async def test_one_invoice_whole_in_the_operators_words(
    app: Facturier,
    sandbox: SandboxServer,
    settings_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    invoice_id = await _bounced_and_paid(app, tmp_path)
    monkeypatch.setenv("FACTURIER_UI__LANGUAGE", "en")
    result = await _status(settings_path, "FA-1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Invoice FA-1 (#{invoice_id}) — Atelier Martin — €120.00 — due ")
    assert lines[0].endswith(" — bounced — partly paid, €70.00 owed"), lines[0]
    assert f"  {GONE} (invoice): bounced" in lines
    events = lines[lines.index("Events (UTC):") + 1 :]
    assert any(f"  {GONE}  accepted — 250" in e for e in events), events
    assert any(f"  {GONE}  bounced — 5." in e and "hard bounce" in e for e in events), events
    assert any(line.startswith("Received ") and "bounce from" in line for line in lines), lines
    assert any(line.startswith("Payment #") and "€50.00" in line for line in lines), lines

    monkeypatch.setenv("FACTURIER_UI__LANGUAGE", "fr")
    await app.dispute(invoice_id, by="ana", reason="conteste la quantité")
    said = (await _status(settings_path, "FA-1")).output
    assert said.startswith(f"Facture FA-1 (n° {invoice_id}) — Atelier Martin — 120,00")
    assert "Événements (UTC) :" in said and "rebond" in said
    # French puts a space before the colon, the dispute's too
    assert said.splitlines()[0].endswith(" — en litige : conteste la quantité"), said

    as_json = (await _status(settings_path, "FA-1", "--json")).output
    detail = json.loads(as_json)
    assert detail["row"]["state"] == "bounced" and detail["deliveries"][0][0] == GONE
    assert {e["event"] for e in detail["events"]} >= {"accepted", "bounced"}

    # the times in the business's time zone, which the heading names (JSON keeps UTC)
    monkeypatch.setenv("FACTURIER_SCHEDULE__TIMEZONE", "Asia/Tokyo")
    lines = (await _status(settings_path, "FA-1")).output.splitlines()
    events = lines[lines.index("Événements (Asia/Tokyo) :") + 1 :]
    first = datetime.fromisoformat(detail["events"][0]["at"])
    assert first.utcoffset() == timedelta(0)
    assert events[0].startswith(f"  {first + timedelta(hours=9):%Y-%m-%d %H:%M:%S}  "), events


async def test_an_invoice_stating_no_due_day_shows_the_one_the_sellers_terms_give(
    app: Facturier, settings_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its terms in words only (no BT-9): "due -" until the admin states the seller's terms
    (``[reminders] days_to_pay``); then the day reminders count from, saying where it comes
    from, never shown as if the invoice stated it."""
    await app.customers.add(
        NewCustomer("Atelier Martin", "compta@atelier.example", (), None, "C-1", "fr"),
        changed_by="test",
    )
    file = invoice_file(tmp_path / "in", "FA-9", issued_days_ago=40, due_in_days=None)
    assert (await app.ingest.import_paths([file]))[0].invoice_id is not None
    monkeypatch.setenv("FACTURIER_UI__LANGUAGE", "en")
    heading = (await _status(settings_path, "FA-9")).output.splitlines()[0]
    assert " — due - — " in heading, heading
    monkeypatch.setenv("FACTURIER_REMINDERS__DAYS_TO_PAY", "30")
    heading = (await _status(settings_path, "FA-9")).output.splitlines()[0]
    due = day(date.today() - timedelta(days=10), "en")
    assert f" — due {due} (the seller's terms in the settings) — " in heading, heading
    detail = json.loads((await _status(settings_path, "FA-9", "--json")).output)
    assert detail["row"]["due_by_terms"] == (date.today() - timedelta(days=10)).isoformat()
    assert detail["row"]["due_date"] is None  # the invoice states none
    # the list of every invoice marks the day, and says what the mark means, once
    listed = (await _status(settings_path)).output.splitlines()
    [line] = [x for x in listed if x.startswith("FA-9 ")]
    assert f" due {due}* " in line, listed
    assert (
        listed[-1] == "* due by the seller's terms in the settings: the invoice states no due date"
    )
    [row] = [json.loads(x) for x in (await _status(settings_path, "--json")).output.splitlines()]
    assert (row["due_date"], row["due_by_terms"]) == (None, detail["row"]["due_by_terms"])
    monkeypatch.setenv("FACTURIER_UI__LANGUAGE", "fr")
    heading = (await _status(settings_path, "FA-9")).output.splitlines()[0]
    due = day(date.today() - timedelta(days=10), "fr")
    assert f" — échéance {due} (conditions du vendeur dans les réglages) — " in heading, heading


async def test_an_invoice_not_found_is_one_line_with_those_close_to_it(
    app: Facturier, sandbox: SandboxServer, settings_path: Path, tmp_path: Path
) -> None:
    await _bounced_and_paid(app, tmp_path)
    result = await _status(settings_path, "FA")
    assert result.exit_code == 2 and "FA-1" in result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1
