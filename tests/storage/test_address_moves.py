"""A customer's new invoice address takes the messages still on their way to the old one,
on SQLite and PostgreSQL: a greylisted invoice and a queued reminder go to the new address,
said and logged; one being handed over, or an invoice already sent there as a copy, is left
and named, so nothing arrives twice."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from daemon.app.services import Facturier
from daemon.domain.models import Delivery, ReminderRun
from daemon.intake.customers import NewCustomer
from daemon.store.db import transaction
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, parse


async def _customer(app: Facturier, email: str, copies: tuple[str, ...] = ()) -> int:
    c = await app.customers.add(
        NewCustomer("Garage Leroy", email, copies, None, "C-3", "en"), changed_by="test"
    )
    assert c.id is not None
    return c.id


async def _deliveries(app: Facturier) -> list[tuple[str, str, str]]:
    async with app.ctx.sessions() as session:
        rows = (await session.exec(select(Delivery).order_by(col(Delivery.id)))).all()
    return [(d.recipient, d.kind, d.state) for d in rows]


async def test_a_greylisted_invoice_goes_to_the_new_invoice_address(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app, "invoices@greylist.example")
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-1", "Garage Leroy", "C-3")])
    [deferred] = await app.send_due()
    assert deferred.state == "deferred"

    done = await app.customers.set_invoice_address(
        customer, "factures@leroy.example", changed_by="alice", reason="their new mailbox"
    )
    assert done.followed.moved == ["invoice FA-1"] and done.followed.left == []
    assert done.said() == (
        "invoices now go to factures@leroy.example; "
        "not yet sent, now going there instead: invoice FA-1"
    )
    assert await _deliveries(app) == [
        ("invoices@greylist.example", "invoice", "cancelled"),
        ("factures@leroy.example", "invoice", "queued"),
    ]
    [sent] = await app.send_due()  # due now, not when the old address's retry was
    assert sent.state == "accepted"
    [received] = sandbox.received("factures@leroy.example")
    assert "FA-1" in parse(received)["Subject"]
    assert sandbox.received("invoices@greylist.example") == []
    invoice = await app.queries.find_invoice("FA-1")
    assert invoice.id is not None
    detail = await app.queries.invoice_detail(invoice.id)
    assert detail.row.state == "accepted"
    said = [(e.recipient, e.event, e.text) for e in detail.events]
    assert (
        "invoices@greylist.example",
        "cancelled",
        "not sent: the invoice address changed to factures@leroy.example "
        "(alice: their new mailbox); the message goes there instead",
    ) in said
    assert any(
        r == "factures@leroy.example"
        and e == "queued"
        and (t or "").startswith(
            "the invoice address changed from invoices@greylist.example (alice: their new mailbox)"
        )
        for r, e, t in said
    )


async def test_a_queued_reminder_goes_to_the_new_address_with_its_invoices(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app, "factures@leroy.example")
    for n, number in enumerate(("FA-2", "FA-3")):
        file = invoice_file(
            tmp_path / "in", number, "Garage Leroy", "C-3", issued_days_ago=40, due_in_days=-10 + n
        )
        await app.ingest.import_paths([file])
    await app.send_due()
    [reminder] = (await app.reminders.run()).sent
    assert reminder.invoices == ("FA-2", "FA-3")

    done = await app.customers.set_invoice_address(
        customer, "compta@leroy.example", changed_by="alice", reason="accounts moved"
    )
    assert done.followed.moved == ["reminder level 1 (FA-2)"]
    await app.send_due()
    assert len(sandbox.received("factures@leroy.example")) == 2  # the two invoices only
    [received] = sandbox.received("compta@leroy.example")
    text = parse(received).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "FA-2" in text and "FA-3" in text
    async with app.ctx.sessions() as session:
        runs = (await session.exec(select(ReminderRun))).all()
        moved_to = (
            await session.exec(select(Delivery).where(Delivery.recipient == "compta@leroy.example"))
        ).one()
    assert [r.delivery_id for r in runs] == [moved_to.id, moved_to.id]
    assert (await app.reminders.run()).sent == []  # the level is still sent once


async def test_an_invoice_already_sent_to_the_new_address_as_a_copy_is_not_sent_again(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app, "invoices@greylist.example", ("gerant@leroy.example",))
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-4", "Garage Leroy", "C-3")])
    await app.send_due()
    done = await app.customers.set_invoice_address(
        customer, "gerant@leroy.example", changed_by="alice", reason="the manager reads them"
    )
    assert done.followed.moved == []
    [left] = done.followed.left
    assert left.startswith("invoice FA-4: already on its way to gerant@leroy.example")
    assert "accepted" in left
    assert "still going to the old address: invoice FA-4" in done.said()
    await app.send_due()
    assert len(sandbox.received("gerant@leroy.example")) == 1


async def test_a_message_being_handed_over_is_left_and_named(
    app: Facturier, tmp_path: Path
) -> None:
    customer = await _customer(app, "invoices@greylist.example")
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-5", "Garage Leroy", "C-3")])
    async with transaction(app.ctx.sessions) as session:  # a worker claimed it meanwhile
        await session.exec(update(Delivery).values(state="sending"))  # type: ignore[call-overload]
    done = await app.customers.set_invoice_address(
        customer, "factures@leroy.example", changed_by="alice", reason="new mailbox"
    )
    assert done.followed.left == ["invoice FA-5: being handed to the relay now"]
    assert await _deliveries(app) == [("invoices@greylist.example", "invoice", "sending")]


async def test_a_customer_file_that_changes_the_address_moves_them_and_says_so(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "invoices@greylist.example")
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-6", "Garage Leroy", "C-3")])
    await app.send_due()
    file = tmp_path / "customers.csv"
    file.write_text(
        "name,invoice_email,copy_emails,vat_id,identifier,language\n"
        "Garage Leroy,factures@leroy.example,,,C-3,en\n"
    )
    [tried] = await app.customers.import_csv(file, changed_by="nightly", dry_run=True)
    assert "now going there instead: invoice FA-6" in tried.detail
    assert [s for _, _, s in await _deliveries(app)] == ["deferred"]  # a dry run moves nothing
    [row] = await app.customers.import_csv(file, changed_by="nightly")
    assert row.outcome == "updated"
    assert "now going there instead: invoice FA-6" in row.detail
    await app.send_due()
    assert len(sandbox.received("factures@leroy.example")) == 1


async def test_a_copy_address_removed_gets_no_copy_still_waiting(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app, "factures@leroy.example", ("gerant@greylist.example",))
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-7", "Garage Leroy", "C-3")])
    await app.send_due()  # the invoice accepted, its copy greylisted
    changes = await app.customers.edit(
        customer,
        changed_by="alice",
        reason="the manager left",
        remove_copies=("gerant@greylist.example",),
    )
    assert changes == ["copy gerant@greylist.example removed", "not sent to it: invoice FA-7"]
    assert await _deliveries(app) == [
        ("factures@leroy.example", "invoice", "accepted"),
        ("gerant@greylist.example", "copy", "cancelled"),
    ]
    assert (await app.queries.find_invoice("FA-7")).state == "accepted"


async def _bounced(app: Facturier, email: str) -> None:
    from daemon.domain.models import CustomerAddress

    async with transaction(app.ctx.sessions) as session:  # as a hard bounce marks it
        await session.exec(
            update(CustomerAddress)  # type: ignore[call-overload]
            .where(col(CustomerAddress.email) == email)
            .values(undeliverable=True, undeliverable_reason="5.1.1 userunknown: 550 No such user")
        )


async def test_an_invoice_that_came_while_every_address_bounced_goes_once_one_works(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app, "old@leroy.example")
    await _bounced(app, "old@leroy.example")
    [held] = await app.ingest.import_paths(
        [invoice_file(tmp_path / "in", "FA-8", "Garage Leroy", "C-3")]
    )
    assert "every invoice address of Garage Leroy is known to bounce" in held.message
    assert await app.send_due() == []
    items = {(i.kind, i.invoice_number) for i in await app.attention.items()}
    assert ("undeliverable-address", "FA-8") in items

    await app.customers.set_invoice_address(
        customer, "factures@leroy.example", changed_by="alice", reason="their new mailbox"
    )
    [sent] = await app.send_due()
    assert sent.state == "accepted" and len(sandbox.received("factures@leroy.example")) == 1
    assert [i.invoice_number for i in await app.attention.items() if i.invoice_number] == []

    # the same when the person says the address that bounced works again
    await _bounced(app, "factures@leroy.example")
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-9", "Garage Leroy", "C-3")])
    assert (await app.queries.find_invoice("FA-9")).state == "attention"
    await app.customers.mark_deliverable(
        customer, "factures@leroy.example", changed_by="alice", reason="their mailbox is fixed"
    )
    [sent] = await app.send_due()
    assert sent.state == "accepted" and len(sandbox.received("factures@leroy.example")) == 2


async def test_what_waits_to_go_to_an_address_a_hard_bounce_marks_does_not_go(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app, "compta@leroy.invalid")
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-10", "Garage Leroy", "C-3")])
    await app.send_due()  # accepted by the relay; its bounce comes back later
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-11", "Garage Leroy", "C-3")])
    await app.poll_bounces()  # the hard bounce marks the address: FA-11 is not sent there
    assert await _deliveries(app) == [
        ("compta@leroy.invalid", "invoice", "bounced"),
        ("compta@leroy.invalid", "invoice", "cancelled"),
    ]
    assert await app.send_due() == []
    assert (await app.queries.find_invoice("FA-11")).state == "attention"
    invoice = await app.queries.find_invoice("FA-11")
    assert invoice.id is not None
    [cancelled] = [
        e for e in (await app.queries.invoice_detail(invoice.id)).events if e.event == "cancelled"
    ]
    assert (cancelled.text or "").startswith("not sent: a hard bounce 5.")
    assert "marked this address undeliverable" in (cancelled.text or "")

    # a working address: the invoice that waited goes there
    await app.customers.set_invoice_address(
        customer, "factures@leroy.example", changed_by="alice", reason="the right one"
    )
    [sent] = await app.send_due()
    assert sent.state == "accepted"
    [received] = sandbox.received("factures@leroy.example")
    assert "FA-11" in parse(received)["Subject"]


async def test_a_reminder_stopped_at_an_address_known_to_bounce_is_sent_again_later(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    from daemon.domain.models import CustomerAddress
    from daemon.outbound.address_moves import stop_unsent

    customer = await _customer(app, "factures@leroy.example")
    file = invoice_file(
        tmp_path / "in", "FA-12", "Garage Leroy", "C-3", issued_days_ago=40, due_in_days=-10
    )
    await app.ingest.import_paths([file])
    await app.send_due()
    assert [s.level for s in (await app.reminders.run()).sent] == [1]
    async with transaction(app.ctx.sessions) as session:  # as a hard bounce's effect does
        address = (await session.exec(select(CustomerAddress))).one()
        assert await stop_unsent(session, address, "not sent: test") == ["reminder level 1 (FA-12)"]
    assert await app.send_due() == []
    assert (await app.queries.find_invoice("FA-12")).state == "accepted"  # it reached them
    await app.customers.set_invoice_address(
        customer, "compta@leroy.example", changed_by="alice", reason="the accounts mailbox"
    )
    assert [s.level for s in (await app.reminders.run()).sent] == [1]  # the level, again
    await app.send_due()
    assert len(sandbox.received("compta@leroy.example")) == 1


async def test_an_invoice_stopped_at_a_bouncing_address_goes_to_the_new_one_its_copy_once(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer = await _customer(app, "compta@leroy.invalid", ("gerant@leroy.example",))
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-13", "Garage Leroy", "C-3")])
    await app.send_due()  # the invoice to the address that bounces, its copy to the manager
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-14", "Garage Leroy", "C-3")])
    async with transaction(app.ctx.sessions) as session:  # FA-14's copy went, not the invoice
        await session.exec(
            update(Delivery)  # type: ignore[call-overload]
            .where(
                col(Delivery.recipient) == "gerant@leroy.example", col(Delivery.state) == "queued"
            )
            .values(state="accepted")
        )
    await app.poll_bounces()  # FA-13's hard bounce: FA-14 is not sent to that address
    assert (await app.queries.find_invoice("FA-14")).state == "attention"
    await app.customers.set_invoice_address(
        customer, "factures@leroy.example", changed_by="alice", reason="the right one"
    )
    [sent] = await app.send_due()
    assert sent.state == "accepted" and len(sandbox.received("factures@leroy.example")) == 1
    assert len(sandbox.received("gerant@leroy.example")) == 1  # FA-13's copy only: FA-14's
    # copy counts as gone (set so above) and is not sent again
    assert (await app.queries.find_invoice("FA-14")).state == "accepted"
