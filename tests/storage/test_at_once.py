"""Two operators act at the same moment (two instances, two connections), on SQLite and
PostgreSQL: of two decisions about a held invoice (one sending it, the other discarding
it), one is applied and the other refused, and what went out agrees with the decision that
stood (both were applied: an invoice could be recorded discarded while its message went
out); of two re-sends, one goes out; of two address changes, one invoice address stays."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from config import Settings
from daemon.app.services import Facturier
from daemon.domain.errors import ValidationError
from daemon.domain.models import Invoice
from daemon.intake.amounts import AmountsDecision
from daemon.intake.customers import NewCustomer
from daemon.intake.duplicates import Decision
from mailer.demo_relay import SandboxServer
from tests.helpers import at_once, invoice_file

ADDRESS = "factures@dupont.example"


async def _held_for_amounts(app: Facturier, folder: Path) -> int:
    file = invoice_file(folder, "FA-1", net="100.00", quantity="3", unit_price="30.00")
    [held] = await app.ingest.import_paths([file])
    assert held.amounts_held and held.invoice_id is not None
    return held.invoice_id


async def _held_as_duplicate(app: Facturier, folder: Path) -> int:
    await app.ingest.import_paths([invoice_file(folder / "a", "FA-1")])
    [held] = await app.ingest.import_paths([invoice_file(folder / "b", "FA-1", net="120.00")])
    assert held.held and held.invoice_id is not None
    return held.invoice_id


def _amounts(app: Facturier, held: int, send: bool) -> Awaitable[Invoice]:
    decision = AmountsDecision.SEND if send else AmountsDecision.DISCARD
    return app.amounts.decide(held, decision, by="ana" if send else "bob", reason="checked")


def _duplicate(app: Facturier, held: int, send: bool) -> Awaitable[Invoice]:
    decision = Decision.KEEP if send else Decision.DISCARD
    return app.duplicates.decide(held, decision, by="ana" if send else "bob", reason="seen")


@pytest.mark.parametrize(
    ("hold", "decide", "sent"),
    [(_held_for_amounts, _amounts, 0), (_held_as_duplicate, _duplicate, 1)],
    ids=["amounts", "duplicate"],
)
async def test_two_decisions_at_once_one_stands(
    app: Facturier,
    settings: Settings,
    sandbox: SandboxServer,
    tmp_path: Path,
    hold: Callable[[Facturier, Path], Awaitable[int]],
    decide: Callable[[Facturier, int, bool], Awaitable[Invoice]],
    sent: int,
) -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", ADDRESS, (), None, "C-1"), changed_by="test"
    )
    held = await hold(app, tmp_path / "in")
    [stood], refused = await at_once(
        app,
        settings,
        lambda mine: decide(mine, held, True),
        lambda theirs: decide(theirs, held, False),
    )
    assert len(refused) == 1 and isinstance(refused[0], ValidationError), refused
    await app.send_due()
    now = await app.queries.invoice(held)
    assert (now.state == "discarded") == (stood.state == "discarded"), (now, stood)
    went = len(sandbox.received(ADDRESS)) - sent  # besides an earlier file's message
    assert went == (0 if now.state == "discarded" else 1), (now.state, went)


async def test_a_resend_while_a_message_is_on_its_way_is_refused(
    app: Facturier, settings: Settings, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A re-send asked while a message of the invoice to that address is still queued (or
    deferred) is refused, naming it: it would arrive twice. Two people resending at once
    (two instances): one re-send goes out, the other is refused."""
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", ADDRESS, (), None, "C-1"), changed_by="test"
    )
    [imported] = await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-7")])
    assert imported.invoice_id is not None
    with pytest.raises(ValidationError, match=r"on its way already \(delivery #1, queued\)"):
        await app.resend(imported.invoice_id, by="ana", reason="lost")
    await app.send_due()
    _done, refused = await at_once(
        app,
        settings,
        lambda mine: mine.resend(imported.invoice_id or 0, by="ana", reason="lost"),
        lambda theirs: theirs.resend(imported.invoice_id or 0, by="bob", reason="lost too"),
    )
    assert len(refused) == 1 and "on its way already" in str(refused[0]), refused
    await app.send_due()
    assert len(sandbox.received(ADDRESS)) == 2  # the invoice, then one re-send
    await app.resend(imported.invoice_id, by="ana", reason="asked again")  # sent: may go again


async def test_two_address_changes_at_once_leave_one_invoice_address(
    app: Facturier, settings: Settings, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Two operators set a customer's invoice address to two different mailboxes at the
    same moment: the customer keeps one invoice address (the later change replaces the
    earlier, both logged), and its invoice goes there alone."""
    customer = await app.customers.add(
        NewCustomer("Boulangerie Dupont", ADDRESS, (), None, "C-1"), changed_by="test"
    )
    assert customer.id is not None
    await at_once(
        app,
        settings,
        lambda mine: mine.customers.set_invoice_address(
            customer.id or 0, "compta@dupont.example", changed_by="ana", reason="phoned"
        ),
        lambda theirs: theirs.customers.set_invoice_address(
            customer.id or 0, "factures-2@dupont.example", changed_by="bob", reason="mail"
        ),
    )
    current = [
        a.email
        for a in await app.customers.addresses(customer.id)
        if a.active and a.role == "invoice_to"
    ]
    assert len(current) == 1, current
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-8")])
    await app.send_due()
    assert len(sandbox.received(current[0])) == 1
    assert sandbox.received(ADDRESS) == []


async def test_one_copy_address_added_by_two_people_at_once_is_added_once(
    app: Facturier, settings: Settings, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Two operators add the same copy address at the same moment: both are told it is done
    (the second finds it there), the customer has it once, logged once, and it gets one
    copy of the invoice."""
    customer = await app.customers.add(
        NewCustomer("Boulangerie Dupont", ADDRESS, (), None, "C-1"), changed_by="test"
    )
    assert customer.id is not None
    done, refused = await at_once(
        app,
        settings,
        lambda mine: mine.customers.edit(
            customer.id or 0, changed_by="ana", reason="phoned", add_copies=("boss@dupont.example",)
        ),
        lambda theirs: theirs.customers.edit(
            customer.id or 0, changed_by="bob", reason="mail", add_copies=("boss@dupont.example",)
        ),
    )
    assert refused == [] and sorted(done) == [[], ["copy boss@dupont.example added"]]
    copies = [a for a in await app.customers.addresses(customer.id) if a.role == "copy"]
    assert [(a.email, a.active) for a in copies] == [("boss@dupont.example", True)]
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-9")])
    await app.send_due()
    assert len(sandbox.received("boss@dupont.example")) == 1


async def test_two_invoices_of_a_new_buyer_imported_at_once_make_one_customer(
    app: Facturier, settings: Settings, tmp_path: Path
) -> None:
    """Two instances import two invoices of a buyer nobody recorded yet at the same moment:
    the buyer becomes one customer, and both invoices are its (two would hold its next
    invoice for a person to choose between them)."""
    first = invoice_file(tmp_path / "a", "FA-31", "Fromagerie Neuve", "C-31")
    second = invoice_file(tmp_path / "b", "FA-32", "Fromagerie Neuve", "C-31")
    done, refused = await at_once(
        app,
        settings,
        lambda mine: mine.ingest.import_paths([first]),
        lambda theirs: theirs.ingest.import_paths([second]),
    )
    assert refused == [] and all(r.ok for [r] in done), done
    customers = [c for c in await app.customers.list() if c.name == "Fromagerie Neuve"]
    assert len(customers) == 1, customers
    owners = {(await app.queries.find_invoice(n)).customer_id for n in ("FA-31", "FA-32")}
    assert owners == {customers[0].id}


async def test_one_customer_added_by_two_people_at_once_is_added_once(
    app: Facturier, settings: Settings
) -> None:
    new = NewCustomer("Fromagerie Neuve", "factures@fromagerie.example", (), None, "C-33")
    done, refused = await at_once(
        app,
        settings,
        lambda mine: mine.customers.add(new, changed_by="ana"),
        lambda theirs: theirs.customers.add(new, changed_by="bob"),
    )
    assert len(done) == 1 and len(refused) == 1, (done, refused)
    assert "Fromagerie Neuve is already a customer" in str(refused[0])
    assert [c.name for c in await app.customers.list()].count("Fromagerie Neuve") == 1
