"""An invoice's life on SQLite and PostgreSQL, through the sandbox relay."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from daemon.app.services import Facturier
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.intake.customers import NewCustomer
from daemon.intake.duplicates import Decision
from daemon.outbound.handoff import Sender
from daemon.outbound.outcomes import OutcomeRecorder
from daemon.outbound.reminders import NOT_DELIVERED
from daemon.store.db import is_postgres
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, parse


async def _customer(
    app: Facturier,
    email: str,
    copies: tuple[str, ...] = (),
    name: str = "Boulangerie Dupont",
    ident: str = "C-1",
) -> int:
    c = await app.customers.add(
        NewCustomer(name, email, copies, None, ident, "fr"), changed_by="test"
    )
    assert c.id is not None
    return c.id


async def _states(app: Facturier) -> dict[str, str]:
    return {r.number: r.state for r in await app.queries.invoices()}


async def test_invoice_goes_to_central_mailbox_and_copy_is_marked(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@dupont.example", ("gerant@dupont.example",))
    file = invoice_file(tmp_path / "in", "FA-1")
    [result] = await app.ingest.import_paths([file])
    assert result.ok, result.message
    outcomes = await app.send_due()
    assert sorted(o.state for o in outcomes) == ["accepted", "accepted"]

    [original] = sandbox.received("factures@dupont.example")
    [copy] = sandbox.received("gerant@dupont.example")
    msg, cpy = parse(original), parse(copy)
    assert "FA-1" in msg["Subject"] and "Duplicata" not in msg["Subject"]
    assert cpy["Subject"].startswith("[Duplicata / Copy]")
    assert msg["Message-ID"] != cpy["Message-ID"]
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "FA-1.pdf"
    assert attachment.get_content() == file.read_bytes()  # the exact invoice, unmodified

    # the sandbox reported delivery (DSN NOTIFY=SUCCESS): after a poll the invoice is delivered
    await app.poll_bounces()
    assert (await _states(app))["FA-1"] == "delivered"


async def test_exact_bytes_sent_are_archived(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@dupont.example")
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-2")])
    await app.send_due()
    [received] = sandbox.received("factures@dupont.example")
    invoice = await app.queries.find_invoice("FA-2")
    assert invoice.id is not None
    detail = await app.queries.invoice_detail(invoice.id)
    archived = [e for e in detail.events if e.event == "archived"]
    assert len(archived) == 1
    sha = (archived[0].text or "").split()[-1]
    stored = app.ctx.archive.read(sha)
    # what the relay got is what was archived (the relay may only add trace headers)
    assert received.endswith(stored.split(b"\r\n\r\n", 1)[1])


async def test_same_address_in_two_roles_gets_one_message(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@dupont.example", ("factures@dupont.example",))
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-3")])
    await app.send_due()
    assert len(sandbox.received("factures@dupont.example")) == 1


async def test_importing_the_same_file_twice_sends_once(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@dupont.example")
    file = invoice_file(tmp_path / "in", "FA-4")
    await app.ingest.import_paths([file])
    [again] = await app.ingest.import_paths([file])
    assert again.ok and again.duplicate
    await app.send_due()
    await app.send_due()
    assert len(sandbox.received("factures@dupont.example")) == 1


async def test_hard_bounce_marks_address_undeliverable_and_logs_it(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    customer_id = await _customer(app, "compta@martin.invalid", name="Atelier Martin", ident="C-2")
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-5", "Atelier Martin", "C-2")])
    await app.send_due()
    report = await app.poll_bounces()
    assert report.applied == 1
    assert (await _states(app))["FA-5"] == "bounced"
    [address] = await app.customers.addresses(customer_id)
    assert address.undeliverable
    history = await app.customers.history(customer_id)
    assert history[-1].field == "undeliverable" and history[-1].source.startswith("bounce:")
    invoice = await app.queries.find_invoice("FA-5")
    assert invoice.id is not None
    detail = await app.queries.invoice_detail(invoice.id)
    bounced = [e for e in detail.events if e.event == "bounced"]
    assert bounced and bounced[0].status == "5.4.4"
    # polling again applies nothing twice
    again = await app.poll_bounces()
    assert again.fetched == 0


async def test_greylisting_defers_with_a_next_attempt(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@greylist.example", name="Garage", ident="C-3")
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-6", "Garage", "C-3")])
    [outcome] = await app.send_due()
    assert outcome.state == "deferred"
    assert "451" in outcome.detail and "next attempt" in outcome.detail
    assert await app.send_due() == []  # not due again yet
    assert (await _states(app))["FA-6"] == "deferred"


async def test_a_deferral_is_logged_as_information_a_refusal_as_a_warning(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Greylisting is the normal course of mail: the service's log at its default level
    (warnings) stays quiet about it, and says each refusal a person must deal with."""
    await _customer(app, "factures@greylist.example", name="Garage", ident="C-3")
    await _customer(app, "factures@rejects.example", name="Atelier", ident="C-4")
    await app.ingest.import_paths(
        [
            invoice_file(tmp_path / "in", "FA-6", "Garage", "C-3"),
            invoice_file(tmp_path / "in", "FA-7", "Atelier", "C-4"),
        ]
    )
    with caplog.at_level(logging.INFO, logger="daemon.outbound.outcomes"):
        outcomes = await app.send_due()
    assert sorted(o.state for o in outcomes) == ["deferred", "failed"]
    said = {
        r.levelname: r.getMessage() for r in caplog.records if r.name == "daemon.outbound.outcomes"
    }
    assert "greylist.example: deferred" in said["INFO"], said
    assert "rejects.example: failed" in said["WARNING"], said


async def test_one_greylisting_domain_does_not_hold_up_the_others(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@greylist.example", name="Garage", ident="C-3")
    await _customer(app, "factures@dupont.example")
    worker = app.worker()
    try:
        await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-6", "Garage", "C-3")])
        [deferred] = await worker.run_once()
        assert deferred.state == "deferred"
        await app.ingest.import_paths(
            [invoice_file(tmp_path / "in", "FA-16", "Dupont SARL", "C-1")]
        )
        [sent] = await worker.run_once()  # the same worker: no pause after greylisting
        assert sent.state == "accepted"
    finally:
        await worker.close()
    assert len(sandbox.received("factures@dupont.example")) == 1


async def test_unknown_buyer_waits_for_an_address_then_goes(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    [result] = await app.ingest.import_paths(
        [invoice_file(tmp_path / "in", "FA-7", "Nouveau SA", "C-9")]
    )
    assert "needs address" in result.message
    assert (await _states(app))["FA-7"] == "needs_address"
    assert await app.send_due() == []
    customer = await app.customers.find("C-9")
    assert customer.id is not None
    await app.customers.set_invoice_address(
        customer.id, "factures@nouveau.example", changed_by="alice", reason="phoned the customer"
    )
    await app.send_due()
    assert len(sandbox.received("factures@nouveau.example")) == 1
    [change] = await app.customers.history(customer.id)
    assert (change.old_value, change.new_value, change.changed_by) == (
        None,
        "factures@nouveau.example",
        "alice",
    )


async def test_adding_the_customer_an_invoice_made_is_refused_naming_it(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """An invoice from an unknown buyer records the customer; adding "it" again made a second
    customer with the same identifier while its invoices kept waiting on the first."""
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-7", "Nouveau SA", "C-9")])
    [first] = await app.customers.list()
    for again in (
        NewCustomer("Nouveau SA", "factures@nouveau.example", (), None, "C-9"),
        NewCustomer("NOUVEAU SA", "factures@nouveau.example", (), None, None),
        NewCustomer("Nouveau SA", "factures@nouveau.example", (), first.vat_id, "C-10"),
        NewCustomer("Autre nom", "factures@nouveau.example", (), None, "C-9"),
    ):
        with pytest.raises(ValidationError) as refused:
            await app.customers.add(again, changed_by="alice")
        assert f"#{first.id} Nouveau SA (VAT id {first.vat_id}, identifier C-9)" in str(
            refused.value
        )
        assert "customers set-address" in str(refused.value)
    assert [c.id for c in await app.customers.list()] == [first.id]
    # a namesake told apart by an identifier of its own is another customer
    other = await app.customers.add(
        NewCustomer("Nouveau SA", "factures@nouveau-lyon.example", (), None, "C-77"),
        changed_by="alice",
    )
    assert other.id != first.id
    assert other.id is not None and first.id is not None
    with pytest.raises(ValidationError, match=f"identifier C-9 is another customer's: #{first.id}"):
        await app.customers.edit(other.id, changed_by="alice", reason="typo", identifier="C-9")
    assert (await app.queries.find_invoice("FA-7")).customer_id == first.id
    # an invoice to a third namesake, with an identifier of its own, is not sent to either
    await app.ingest.import_paths(
        [invoice_file(tmp_path / "in", "FA-70", "Nouveau SA", "C-78", vat=None)]
    )
    third = (await app.queries.find_invoice("FA-70")).customer_id
    assert third not in (first.id, other.id)
    assert (await app.customers.find("C-78")).id == third


async def test_reminders_once_per_level_never_to_undeliverable(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@dupont.example")
    await _customer(app, "compta@martin.invalid", name="Atelier Martin", ident="C-2")
    await app.ingest.import_paths(
        [
            invoice_file(tmp_path / "in", "FA-8", due_in_days=-10, issued_days_ago=40),
            invoice_file(
                tmp_path / "in",
                "FA-9",
                "Atelier Martin",
                "C-2",
                due_in_days=-10,
                issued_days_ago=40,
            ),
        ]
    )
    await app.send_due()
    await app.poll_bounces()
    # the admin's --dry-run: who would be reminded, and nothing queued
    preview = await app.reminders.run(dry_run=True)
    assert [(s.recipient, s.invoices) for s in preview.sent] == [
        ("factures@dupont.example", ("FA-8",))
    ]
    assert [(h.invoice, h.why) for h in preview.held_back] == [("FA-9", NOT_DELIVERED)]
    assert await app.send_due() == []
    first = await app.reminders.run()
    assert first.queued == 1  # FA-9's address bounced: no reminder there
    assert [s.invoices for s in first.sent] == [s.invoices for s in preview.sent]
    await app.send_due()
    second = await app.reminders.run()
    assert second.queued == 0  # level 1 is sent once
    reminders = [parse(m) for m in sandbox.received("factures@dupont.example")]
    assert sum(m["Subject"].startswith("Relance : facture FA-8") for m in reminders) == 1
    assert sandbox.received("compta@martin.invalid") == []


async def test_paid_invoice_gets_no_reminder(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "factures@dupont.example")
    await app.ingest.import_paths(
        [invoice_file(tmp_path / "in", "FA-10", due_in_days=-30, issued_days_ago=60)]
    )
    await app.send_due()
    await app.mark_paid("FA-10", by="test")
    assert (await app.reminders.run()).queued == 0


async def test_5xx_at_rcpt_fails_with_code_and_text(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app, "nobody@rejects.example", name="Gone SA", ident="C-5")
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-11", "Gone SA", "C-5")])
    [outcome] = await app.send_due()
    assert outcome.state == "failed" and "550" in outcome.detail
    invoice = await app.queries.find_invoice("FA-11")
    assert invoice.id is not None
    detail = await app.queries.invoice_detail(invoice.id)
    failed = [e for e in detail.events if e.event == "failed"]
    assert failed[0].smtp_code == 550 and failed[0].status == "5.1.1"
    assert (await _states(app))["FA-11"] == "failed"
    assert await app.send_due() == []  # a permanent failure is not retried


async def test_untied_message_goes_to_unrecognized(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    import mailbox

    bounce_dir = tmp_path / "mail" / "bounces"
    for sub in ("new", "cur", "tmp"):
        (bounce_dir / sub).mkdir(parents=True, exist_ok=True)
    mailbox.Maildir(bounce_dir).add(b"From: stranger@else.example\r\nSubject: hello\r\n\r\nhi\r\n")
    report = await app.poll_bounces()
    assert (report.fetched, report.unrecognized, report.applied) == (1, 1, 0)
    moved = mailbox.Maildir(bounce_dir).get_folder("unrecognized")
    assert len(moved) == 1 and len(mailbox.Maildir(bounce_dir)) == 0


async def test_a_failed_hand_off_write_sends_nothing_and_loses_no_acceptance(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hand-off mark is written while the envelope goes out: if that write fails, the
    relay must not get the message, and the acceptance written with it is written later."""
    await _customer(app, "factures@dupont.example")
    await _customer(app, "compta@martin.example", name="Atelier Martin", ident="C-2")
    files = [invoice_file(tmp_path / "in", "FA-1"), invoice_file(tmp_path / "in", "FA-2")]
    [first, second] = await app.ingest.import_paths(files)
    assert first.ok and second.ok
    hand_offs = 0
    write = OutcomeRecorder.write

    async def second_mark_fails(
        self: OutcomeRecorder, ends: list[Any], *, hand_off: int | None = None, **kw: Any
    ) -> Any:
        nonlocal hand_offs
        if hand_off is not None:
            hand_offs += 1
            if hand_offs == 2:
                raise RuntimeError("the database went away")
        return await write(self, ends, hand_off=hand_off, **kw)

    monkeypatch.setattr(OutcomeRecorder, "write", second_mark_fails)
    outcomes = await app.send_due()
    sent = [len(sandbox.received(a)) for a in ("factures@dupont.example", "compta@martin.example")]
    assert sorted(sent) == [0, 1]  # the second message was never ended
    assert sorted(o.state for o in outcomes) == ["accepted", "deferred"]
    [deferred] = [o for o in outcomes if o.state == "deferred"]
    assert "the database went away" in deferred.detail
    states = await _states(app)
    # the message never ended: deferred as an unexpected error, tried again later
    assert sorted(states.values()) == ["accepted", "deferred"]
    [done] = [r for r in await app.queries.invoices() if r.state == "accepted"]
    detail = await app.queries.invoice_detail(done.id)
    assert [e.event for e in detail.events].count("accepted") == 1


async def test_an_acceptance_written_with_a_mark_is_not_written_again_when_the_send_breaks(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mark (with the previous acceptance) is committed, then sending the next message
    fails in an unexpected way: that acceptance is recorded once, not a second time."""
    await _customer(app, "factures@dupont.example")
    await _customer(app, "compta@martin.example", name="Atelier Martin", ident="C-2")
    files = [invoice_file(tmp_path / "in", "FA-1"), invoice_file(tmp_path / "in", "FA-2")]
    assert all(r.ok for r in await app.ingest.import_paths(files))
    hand_offs = 0
    hand_off = Sender.hand_off

    async def second_send_breaks(self: Sender, item: Any, relay: Any, marking: Any) -> Any:
        nonlocal hand_offs
        hand_offs += 1
        if hand_offs == 2:
            await marking  # the mark and the first acceptance are committed
            raise RuntimeError("a bug in the sending code")
        return await hand_off(self, item, relay, marking)

    monkeypatch.setattr(Sender, "hand_off", second_send_breaks)
    outcomes = await app.send_due()
    assert sorted(o.state for o in outcomes) == ["accepted", "deferred"]
    [done] = [r for r in await app.queries.invoices() if r.state == "accepted"]
    detail = await app.queries.invoice_detail(done.id)
    assert [e.event for e in detail.events].count("accepted") == 1
    # the broken one had its mark committed: it may have reached the relay, so its re-send
    # carries the "possible duplicate" mark
    [broken] = [r for r in await app.queries.invoices() if r.state == "deferred"]
    [(_, _, state, _, duplicate)] = (await app.queries.invoice_detail(broken.id)).deliveries
    assert (state, duplicate) == ("deferred", True)


async def test_a_batch_goes_to_the_maker_before_the_one_before_it_is_sent(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making messages is the slower half of sending: the next batch is claimed and handed
    to the maker before the batch before it reaches the relay, so the maker never waits for
    a claim. On PostgreSQL the batch after that is claimed while the first is being sent
    (on SQLite, with its one writer, only once it is sent). Every invoice goes out once."""
    await _customer(app, "factures@dupont.example")
    files = [invoice_file(tmp_path / "in", f"FA-{n}") for n in range(1, 6)]
    assert all(r.ok for r in await app.ingest.import_paths(files))
    beside = is_postgres(app.ctx.engine)
    steps: list[str] = []
    make_many, hand_off = type(app.ctx.maker).make_many, Sender.hand_off
    next_batch_asked, third_batch_asked = asyncio.Event(), asyncio.Event()

    async def making(self: Any, orders: list[Any]) -> Any:
        steps.append(f"make {len(orders)}")
        if len(steps) == 1:  # the first batch is done only once the next one is asked for
            await asyncio.wait_for(next_batch_asked.wait(), timeout=5)
        next_batch_asked.set()
        if steps.count("send") > 0:
            third_batch_asked.set()
        return await make_many(self, orders)

    async def handing_off(self: Sender, *args: Any, **kw: Any) -> Any:
        steps.append("send")
        if beside and len(steps) == 3:  # the first send waits for the third batch's claim
            await asyncio.wait_for(third_batch_asked.wait(), timeout=5)
        return await hand_off(self, *args, **kw)

    monkeypatch.setattr(type(app.ctx.maker), "make_many", making)
    monkeypatch.setattr(Sender, "hand_off", handing_off)
    worker = app.worker()
    try:
        outcomes = await worker.run_once(batch=2)
    finally:
        await worker.close()
    assert [o.state for o in outcomes] == ["accepted"] * 5
    if beside:
        assert steps == ["make 2", "make 2", "send", "make 1", "send", "send", "send", "send"]
    else:
        assert steps == ["make 2", "make 2", "send", "send", "make 1", "send", "send", "send"]
    assert len(sandbox.received("factures@dupont.example")) == 5


async def test_an_ambiguous_number_or_customer_is_refused_with_the_candidates(
    app: Facturier, tmp_path: Path
) -> None:
    """Two invoices share a number, two customers share a name: nothing is guessed; the
    refusal lists them, and --id (or #N) picks one."""
    from daemon.domain.errors import AmbiguousError

    first = await _customer(app, "factures@dupont.example", name="Dupont", ident="C-1")
    second = await _customer(app, "compta@dupont-fils.example", name="Dupont", ident="C-2")
    files = [
        invoice_file(tmp_path / "a", "FA-7", buyer_id="C-1", net="100.00"),
        invoice_file(tmp_path / "b", "FA-7", buyer_id="C-2", net="250.00"),
    ]
    results = await app.ingest.import_paths(files)
    assert all(r.ok for r in results) and results[1].held and results[1].invoice_id
    # one seller's number twice: held until a person says they are two documents
    await app.duplicates.decide(
        results[1].invoice_id, Decision.KEEP, by="test", reason="two buyers, two documents"
    )
    with pytest.raises(AmbiguousError) as refused:
        await app.mark_paid("FA-7", by="test")
    assert len(refused.value.candidates) == 2 and "--id" in str(refused.value)
    assert all("FA-7" not in c and c.startswith("#") for c in refused.value.candidates)
    assert {r.payment_state for r in await app.queries.invoices()} == {"unpaid"}
    chosen = int(refused.value.candidates[1].split()[0][1:])
    assert f"FA-7 #{results[0].invoice_id}" in str(refused.value)  # the form lists show
    paid = await app.mark_paid("FA-7", invoice_id=chosen, by="test")
    assert paid.id == chosen and paid.total_with_tax == 300  # 250.00 + 20 % VAT
    # named as a list shows it, as payments assign and the TUI take it
    other = await app.mark_paid(f"FA-7 #{results[0].invoice_id}", by="test")
    assert other.id == results[0].invoice_id != chosen and other.total_with_tax == 120
    with pytest.raises(AmbiguousError, match="#N"):
        await app.customers.find("dupont")
    assert (await app.customers.find(f"#{second}")).identifier == "C-2"
    assert (await app.customers.find("dupont", customer_id=first)).identifier == "C-1"


async def test_a_name_or_number_that_fits_none_lists_those_close_to_it(
    app: Facturier, tmp_path: Path
) -> None:
    """A partial name or number ("Martin", "0101") fits nothing exactly: refused, never
    guessed, with the records that hold it listed for the operator to pick; a wildcard
    character typed is a character, not a pattern."""
    from daemon.domain.errors import NEAR_SHOWN

    martin = await _customer(app, "compta@martin.example", name="Atelier Martin", ident="C-9")
    await _customer(app, "factures@dupont.example", name="Dupont", ident="C-1")
    files = [
        invoice_file(tmp_path / str(n), f"FA-2026-{n:04d}", buyer_id="C-1", net="10.00")
        for n in range(1, NEAR_SHOWN + 3)
    ]
    assert all(r.ok for r in await app.ingest.import_paths(files))

    with pytest.raises(NotFoundError) as refused:
        await app.customers.find("martin")
    assert refused.value.candidates == [f"#{martin} Atelier Martin"]
    with pytest.raises(NotFoundError) as refused:
        await app.customers.find("C-")  # part of two identifiers
    assert len(refused.value.candidates) == 2
    with pytest.raises(NotFoundError) as refused:
        await app.customers.find("%")
    assert refused.value.candidates == []

    with pytest.raises(NotFoundError) as refused:
        await app.mark_paid("0003", by="test")
    assert refused.value.candidates == ["FA-2026-0003"]
    assert "FA-2026-0003" in str(refused.value)
    with pytest.raises(NotFoundError) as refused:
        await app.mark_paid("fa-2026", by="test")
    assert len(refused.value.candidates) == NEAR_SHOWN
    assert "and 2 more" in str(refused.value)
    with pytest.raises(NotFoundError) as refused:
        await app.mark_paid("FA_2026", by="test")  # "_" is LIKE's any-character
    assert refused.value.candidates == []
    assert {r.payment_state for r in await app.queries.invoices()} == {"unpaid"}


async def _mark_undeliverable(app: Facturier, email: str) -> None:
    from sqlalchemy import update

    from daemon.domain.models import CustomerAddress

    async with app.ctx.sessions() as session, session.begin():
        await session.exec(
            update(CustomerAddress)  # type: ignore[call-overload]
            .where(CustomerAddress.email == email)
            .values(undeliverable=True, undeliverable_reason="5.1.1 userunknown: 550 No such user")
        )


async def _invoice_address(app: Facturier, customer: int) -> str:
    [current] = [
        a.email
        for a in await app.customers.addresses(customer)
        if a.active and a.role == "invoice_to"
    ]
    return current


async def test_an_address_known_to_bounce_is_set_only_once_a_person_marks_it_deliverable(
    app: Facturier,
) -> None:
    customer = await _customer(app, "factures@dupont.example")
    await _mark_undeliverable(app, "factures@dupont.example")
    logged = len(await app.customers.history(customer))
    with pytest.raises(ValidationError) as refused:
        await app.customers.set_invoice_address(
            customer, "factures@dupont.example", changed_by="alice", reason="typed again"
        )
    said = str(refused.value)
    assert "factures@dupont.example is the invoice address, marked undeliverable" in said
    assert "550 No such user" in said and "customers deliverable" in said
    [address] = await app.customers.addresses(customer)
    assert address.undeliverable and len(await app.customers.history(customer)) == logged

    # moved to another address, then back to the one that bounced: refused the same way
    await app.customers.set_invoice_address(
        customer, "compta@dupont.example", changed_by="alice", reason="new mailbox"
    )
    with pytest.raises(ValidationError) as refused:
        await app.customers.set_invoice_address(
            customer, "factures@dupont.example", changed_by="alice", reason="back"
        )
    assert "then try again" in str(refused.value)
    with pytest.raises(ValidationError):  # written in capitals: the same mailbox
        await app.customers.set_invoice_address(
            customer, "Factures@dupont.example", changed_by="alice", reason="back"
        )
    assert await _invoice_address(app, customer) == "compta@dupont.example"

    # the person's word that it works again, on the retired address, then the address set
    await app.customers.mark_deliverable(
        customer, "factures@dupont.example", changed_by="alice", reason="mailbox fixed"
    )
    done = await app.customers.set_invoice_address(
        customer, "factures@dupont.example", changed_by="alice", reason="back"
    )
    assert done.changed and not done.address.undeliverable
    history = await app.customers.history(customer)
    assert [(h.field, h.old_value, h.new_value, h.changed_by, h.reason) for h in history][-2:] == [
        ("undeliverable", "true", "false", "alice", "mailbox fixed"),
        ("invoice_to", "compta@dupont.example", "factures@dupont.example", "alice", "back"),
    ]
    again = await app.customers.set_invoice_address(
        customer, "factures@dupont.example", changed_by="alice", reason="again"
    )
    assert not again.changed
    assert len(await app.customers.history(customer)) == len(history)


async def test_a_customer_file_that_still_names_an_address_known_to_bounce_leaves_its_mark(
    app: Facturier, tmp_path: Path
) -> None:
    customer = await _customer(app, "factures@dupont.example")
    await _mark_undeliverable(app, "factures@dupont.example")
    logged = len(await app.customers.history(customer))
    file = tmp_path / "customers.csv"
    header = "name,invoice_email,copy_emails,vat_id,identifier,language\n"
    file.write_text(header + "Boulangerie Dupont,factures@dupont.example,,,C-1,fr\n")
    [row] = await app.customers.import_csv(file, changed_by="nightly")
    assert row.outcome == "unchanged"
    assert "factures@dupont.example is the invoice address, marked undeliverable" in row.detail
    [address] = await app.customers.addresses(customer)
    assert address.undeliverable and len(await app.customers.history(customer)) == logged

    # a file that moves the customer back to an address known to bounce: refused, by line
    await app.customers.set_invoice_address(
        customer, "compta@dupont.example", changed_by="alice", reason="new mailbox"
    )
    file.write_text(
        header
        + "Atelier Martin,compta@martin.example,,,C-2,fr\n"
        + "Boulangerie Dupont,factures@dupont.example,,,C-1,fr\n"
    )
    with pytest.raises(ValidationError) as refused:
        await app.customers.import_csv(file, changed_by="nightly")
    assert f"{file}:3: factures@dupont.example is marked undeliverable" in str(refused.value)
    assert "nothing was imported" in str(refused.value)
    assert await _invoice_address(app, customer) == "compta@dupont.example"
    with pytest.raises(NotFoundError):
        await app.customers.find("C-2")


async def test_a_copy_known_to_bounce_is_not_added_again_unmarked(app: Facturier) -> None:
    customer = await _customer(app, "factures@dupont.example", ("gerant@dupont.example",))
    await _mark_undeliverable(app, "gerant@dupont.example")
    await app.customers.edit(
        customer, changed_by="alice", reason="left", remove_copies=("gerant@dupont.example",)
    )
    with pytest.raises(ValidationError) as refused:
        await app.customers.edit(
            customer, changed_by="alice", reason="back", add_copies=("gerant@dupont.example",)
        )
    assert "gerant@dupont.example is marked undeliverable" in str(refused.value)
    # nor the invoice address that bounced, added as a copy
    await app.customers.set_invoice_address(
        customer, "compta@dupont.example", changed_by="alice", reason="new mailbox"
    )
    await _mark_undeliverable(app, "compta@dupont.example")
    with pytest.raises(ValidationError):
        await app.customers.edit(
            customer, changed_by="alice", reason="cc", add_copies=("compta@dupont.example",)
        )
    assert [(a.email, a.role, a.active) for a in await app.customers.addresses(customer)] == [
        ("factures@dupont.example", "invoice_to", False),
        ("gerant@dupont.example", "copy", False),
        ("compta@dupont.example", "invoice_to", True),
    ]


async def test_an_invoice_is_not_sent_again_to_an_address_known_to_bounce(
    app: Facturier, tmp_path: Path
) -> None:
    """resend refuses the customer's address that bounced, named with --to or not, saying
    the way out; another address is taken."""
    await _customer(app, "factures@dupont.example")
    [imported] = await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-R1")])
    assert imported.invoice_id is not None
    await _mark_undeliverable(app, "factures@dupont.example")
    for to in (None, "factures@dupont.example", "Factures@Dupont.example"):
        with pytest.raises(ValidationError) as refused:
            await app.resend(imported.invoice_id, by="ana", reason="lost", to=to)
        said = str(refused.value)
        assert "invoice FA-R1: factures@dupont.example is the invoice address, marked" in said
        assert "customers deliverable" in said
    delivery = await app.resend(
        imported.invoice_id, by="ana", reason="lost", to="compta@dupont.example"
    )
    assert delivery.recipient == "compta@dupont.example"
