"""A customer who receives its invoices on paper is never emailed them on its own, on SQLite
and PostgreSQL: its invoices wait "to post" in the attention queue until a person says they
were posted; its reminders are held back, saying why; moved to paper, what was not yet sent
is cancelled; moved back to email, what still waited to be posted goes by email."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from daemon.app.cli import app as cli
from daemon.app.services import Facturier
from daemon.domain.attention import AttentionKind
from daemon.domain.errors import NotFoundError
from daemon.domain.models import Channel
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file


async def _customer(app: Facturier) -> int:
    c = await app.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1", "en"),
        changed_by="test",
    )
    assert c.id is not None
    return c.id


async def _channel(app: Facturier, customer: int, channel: Channel) -> list[str]:
    _c, said = await app.customers.set_channel(
        customer,
        channel,
        consent_on=date(2026, 10, 1) if channel is Channel.EMAIL else None,
        consent_source="signed form" if channel is Channel.EMAIL else None,
        changed_by="alice",
        reason="asked by phone",
    )
    return said


async def _state(app: Facturier, number: str) -> str:
    return (await app.queries.find_invoice(number)).state


async def test_an_invoice_of_a_customer_on_paper_waits_to_be_posted_never_emailed(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app)
    await _channel(app, customer, Channel.PAPER)
    file = invoice_file(tmp_path / "in", "FA-1", issued_days_ago=40, due_in_days=-10)
    [result] = await app.ingest.import_paths([file])
    assert result.ok and "to post: Boulangerie Dupont receives its invoices on paper" in (
        result.message
    )
    assert await app.send_due() == []
    assert sandbox.received("factures@dupont.example") == []
    assert await _state(app, "FA-1") == "to_post"
    [item] = await app.attention.items(AttentionKind.TO_POST)
    assert item.invoice_number == "FA-1" and "on paper" in item.why

    # its reminder is held back, saying why; none goes by email
    report = await app.reminders.run()
    assert report.sent == []
    assert [(h.invoice, h.why) for h in report.held_back] == [
        ("FA-1", "its customer receives invoices on paper: remind it by post")
    ]

    # a person posts it and says so: the invoice is posted, who and why on its timeline
    await app.attention.resolve(AttentionKind.TO_POST, item.ref, by="bob", how="posted 8 Dec")
    assert await _state(app, "FA-1") == "posted"
    assert await app.attention.items(AttentionKind.TO_POST) == []
    detail = await app.queries.invoice_detail(item.ref)
    assert [(what, who, why) for _at, what, who, why in detail.decisions] == [
        ("posted", "bob", "posted 8 Dec")
    ]
    with pytest.raises(NotFoundError):  # posted already: no longer in the queue
        await app.attention.resolve(AttentionKind.TO_POST, item.ref, by="eve", how="again")
    assert sandbox.received("factures@dupont.example") == []


async def test_moved_to_paper_cancels_what_was_not_yet_sent_and_back_to_email_sends_it(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app)
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-2")])
    assert await _state(app, "FA-2") == "queued"

    assert await _channel(app, customer, Channel.PAPER) == ["FA-2: to post"]
    assert await app.send_due() == []
    assert await _state(app, "FA-2") == "to_post"
    assert [i.invoice_number for i in await app.attention.items(AttentionKind.TO_POST)] == ["FA-2"]

    # the customer agrees to e-invoices: what still waited to be posted goes by email
    assert await _channel(app, customer, Channel.EMAIL) == ["FA-2: queued"]
    [sent] = await app.send_due()
    assert sent.state == "accepted"
    assert len(sandbox.received("factures@dupont.example")) == 1
    assert await app.attention.items(AttentionKind.TO_POST) == []


async def test_a_posted_invoice_counts_as_received_once_the_customer_takes_email(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app)
    await _channel(app, customer, Channel.PAPER)
    file = invoice_file(tmp_path / "in", "FA-3", issued_days_ago=40, due_in_days=-10)
    [result] = await app.ingest.import_paths([file])
    assert result.invoice_id is not None
    await app.attention.resolve(AttentionKind.TO_POST, result.invoice_id, by="bob", how="posted")
    assert await _channel(app, customer, Channel.EMAIL) == []  # posted: not sent again
    [reminder] = (await app.reminders.run()).sent
    assert reminder.invoices == ("FA-3",)
    await app.send_due()
    [received] = sandbox.received("factures@dupont.example")
    assert b"Reminder" in received or b"reminder" in received
    assert await _state(app, "FA-3") == "posted"
    assert (await app.reminders.run(date.today() + timedelta(days=1))).sent == []


async def test_a_customer_on_paper_needs_no_invoice_address(app: Facturier, tmp_path: Path) -> None:
    [result] = await app.ingest.import_paths(
        [invoice_file(tmp_path / "in", "FA-4", "Nouveau SA", "C-9")]
    )
    assert await _state(app, "FA-4") == "needs_address"
    customer = await app.customers.find("C-9")
    assert customer.id is not None
    assert await _channel(app, customer.id, Channel.PAPER) == ["FA-4: to post"]
    kinds = {(i.kind, i.invoice_number) for i in await app.attention.items()}
    assert ("to-post", "FA-4") in kinds and ("no-address", "FA-4") not in kinds
    assert result.invoice_id is not None
    # an address set now is recorded, and the admin told that nothing is emailed to it
    done = await app.customers.set_invoice_address(
        customer.id, "factures@nouveau.example", changed_by="alice", reason="for later"
    )
    assert done.said().startswith("factures@nouveau.example is its invoice address; it receives")
    assert await _state(app, "FA-4") == "to_post" and await app.send_due() == []


async def test_the_pdf_to_print_is_written_as_imported_and_never_overwrites(
    app: Facturier, settings_path: Path, tmp_path: Path
) -> None:
    customer = await _customer(app)
    await _channel(app, customer, Channel.PAPER)
    file = invoice_file(tmp_path / "in", "FA-5")
    await app.ingest.import_paths([file])
    out = tmp_path / "print"
    out.mkdir()

    async def pdf(*args: str) -> tuple[int, str]:
        command = ["--config", str(settings_path), "pdf", "FA-5", *args]
        result = await asyncio.to_thread(CliRunner().invoke, cli, command)
        return result.exit_code, result.output

    code, said = await pdf("--out", str(out), "--reason", "to post")
    assert code == 0 and said.strip() == str(out / file.name)
    assert (out / file.name).read_bytes() == file.read_bytes()  # the invoice, unmodified
    written = (await app.queries.find_invoice("FA-5")).id
    assert written is not None
    [(what, why)] = [
        (w, y) for _at, w, _by, y in (await app.queries.invoice_detail(written)).decisions
    ]
    assert what == "pdf-written" and why == f"{out / file.name}: to post"
    code, said = await pdf("--out", str(out))
    assert code == 2 and "exists already: write it elsewhere" in said
    assert (out / file.name).read_bytes() == file.read_bytes()

    # the admin sees the customer is on paper, and when and why it moved
    shown = await asyncio.to_thread(
        CliRunner().invoke, cli, ["--config", str(settings_path), "customers", "show", "C-1"]
    )
    lines = shown.output.splitlines()
    assert lines[0].endswith("— invoices on paper")
    assert any("channel: email → paper by alice (cli) asked by phone" in line for line in lines)


async def test_an_invoice_held_for_a_working_address_needs_none_once_on_paper(
    app: Facturier, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from daemon.domain.models import CustomerAddress
    from daemon.store.db import transaction

    customer = await _customer(app)
    async with transaction(app.ctx.sessions) as session:  # as a hard bounce marks it
        await session.exec(update(CustomerAddress).values(undeliverable=True))  # type: ignore[call-overload]
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-6")])
    assert await _state(app, "FA-6") == "attention"
    assert await _channel(app, customer, Channel.PAPER) == ["FA-6: to post"]
    kinds = {(i.kind, i.invoice_number) for i in await app.attention.items()}
    assert ("to-post", "FA-6") in kinds and ("undeliverable-address", "FA-6") not in kinds


async def test_a_reminder_cancelled_by_the_move_to_paper_is_sent_once_back_on_email(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app)
    file = invoice_file(tmp_path / "in", "FA-7", issued_days_ago=40, due_in_days=-10)
    await app.ingest.import_paths([file])
    await app.send_due()
    assert [s.level for s in (await app.reminders.run()).sent] == [1]
    assert await _channel(app, customer, Channel.PAPER) == [
        "FA-7: its messages not yet sent are cancelled"
    ]
    assert await app.send_due() == []
    held = (await app.reminders.run()).held_back  # on paper: a person reminds it by post
    assert [h.why for h in held] == ["its customer receives invoices on paper: remind it by post"]
    await _channel(app, customer, Channel.EMAIL)
    assert [s.level for s in (await app.reminders.run()).sent] == [1]
    await app.send_due()
    assert sum(b"Reminder" in m for m in sandbox.received("factures@dupont.example")) == 1


async def test_the_proof_of_an_invoice_never_emailed_is_noted_on_it(
    app: Facturier, tmp_path: Path
) -> None:
    customer = await _customer(app)
    await _channel(app, customer, Channel.PAPER)
    [result] = await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-8")])
    assert result.invoice_id is not None
    [package] = await app.export_proof(
        result.invoice_id, tmp_path / "proof", by="bob", reason="the customer disputes it"
    )
    assert package.exists()
    detail = await app.queries.invoice_detail(result.invoice_id)
    assert [(what, who, why) for _at, what, who, why in detail.decisions] == [
        ("proof-exported", "bob", f"{tmp_path / 'proof'}: the customer disputes it")
    ]
