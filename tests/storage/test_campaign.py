"""Central invoice mailboxes, on SQLite and PostgreSQL: shared mailboxes told from people's
by name or by hand; the campaign asks those on a person's address, reads the answer from the
bounce mailbox, and a person confirms the address it gives."""

from __future__ import annotations

import asyncio
import mailbox
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlmodel import select

from config import Settings
from daemon.app.services import Facturier
from daemon.domain import i18n
from daemon.domain.errors import ValidationError
from daemon.domain.models import AddressChange, AddressRequest, CustomerAddress, utcnow
from daemon.intake.customers import NewCustomer
from daemon.store.db import transaction
from mailer.demo_relay import SandboxServer
from tests.helpers import at_once, parse


async def _customers(app: Facturier) -> None:
    for name, email, ident in (
        ("Boulangerie Dupont", "jean.dupont@dupont.example", "C-1"),
        ("Atelier Martin", "factures@martin.example", "C-2"),
    ):
        await app.customers.add(NewCustomer(name, email, (), None, ident, "fr"), changed_by="t")


def _reply(app: Facturier, request: EmailMessage, body: str, subject: str | None = None) -> None:
    """The customer's answer, as it lands in the mailbox facturier reads."""
    answer = EmailMessage()
    answer["From"] = request["To"]
    answer["To"] = request["Reply-To"]
    answer["Subject"] = subject if subject is not None else f"RE: {request['Subject']}"
    answer["Message-ID"] = make_msgid(domain="dupont.example")
    answer["In-Reply-To"] = request["Message-ID"]
    answer.set_content(body)
    box = mailbox.Maildir(Path(app.ctx.settings.imap.maildir or ""))
    box.add(answer.as_bytes())


async def test_shared_mailboxes_are_told_from_people(app: Facturier) -> None:
    await _customers(app)
    async with app.ctx.sessions() as session:
        shared = dict(
            (
                await session.exec(select(CustomerAddress.email, CustomerAddress.central_mailbox))
            ).all()
        )
    assert shared == {"jean.dupont@dupont.example": False, "factures@martin.example": True}
    dupont = await app.customers.find("C-1")
    assert dupont.id is not None
    assert await app.customers.mark_shared(
        dupont.id, "jean.dupont@dupont.example", True, changed_by="ana", reason="it is a team"
    )
    async with app.ctx.sessions() as session:
        [change] = (
            await session.exec(
                select(AddressChange).where(AddressChange.field == "central_mailbox")
            )
        ).all()
    assert (change.old_value, change.new_value, change.changed_by) == ("false", "true", "ana")


async def test_a_customer_is_asked_and_its_answer_becomes_its_invoice_address(
    app: Facturier, sandbox: SandboxServer
) -> None:
    await _customers(app)
    report = await app.campaign.run(by="t")
    assert [(a.customer, a.attempt) for a in report.asked] == [("Boulangerie Dupont", 1)]
    [sent] = sandbox.received("jean.dupont@dupont.example")
    request = parse(sent)
    token = request["X-Facturier-Request"]
    assert token in request["Subject"] and request["Reply-To"] == "bounces@acme.example"
    assert sandbox.received("factures@martin.example") == []  # already a shared mailbox

    _reply(
        app, request, "Bonjour,\nmerci d'écrire à compta-fournisseurs@dupont.example\n\n> Bonjour"
    )
    await app.poll_bounces()
    [item] = await app.attention.items()
    assert item.kind == "address-answer" and "compta-fournisseurs@dupont.example" in item.why
    [row] = await app.campaign.requests()
    assert row.state == "proposed" and row.proposed_email == "compta-fournisseurs@dupont.example"
    assert row.asked_by == "t"  # who ran the campaign is kept with the request

    with pytest.raises(ValidationError, match="reason"):
        await app.campaign.confirm(row.id, by="ana", reason="")
    await app.campaign.confirm(row.id, by="ana", reason="confirmed by phone")
    # decided once: again, it is refused, naming its state as one request's (French said
    # "la demande R1 est confirmées", English "is confirmed")
    said = r"is not waiting for a decision \(its state: address confirmed\)"
    with pytest.raises(ValidationError, match=said):
        await app.campaign.confirm(row.id, by="ana", reason="again")
    i18n.use("fr")
    try:
        with pytest.raises(ValidationError, match=r"\(son état : adresse confirmée\)"):
            await app.campaign.confirm(row.id, by="ana", reason="encore")
    finally:
        i18n.use("en")
    dupont = await app.customers.find("C-1")
    assert dupont.id is not None
    [address] = [
        a for a in await app.customers.addresses(dupont.id) if a.active and a.role == "invoice_to"
    ]
    assert address.email == "compta-fournisseurs@dupont.example" and address.central_mailbox
    async with app.ctx.sessions() as session:
        changes = (
            await session.exec(select(AddressChange).where(AddressChange.customer_id == dupont.id))
        ).all()
    moved = [c for c in changes if c.new_value == "compta-fournisseurs@dupont.example"]
    assert moved and moved[0].source.startswith("reply:") and moved[0].changed_by == "ana"
    assert await app.attention.items() == []
    assert (await app.campaign.run(by="t")).asked == []  # on a shared mailbox now: not asked again


async def test_no_answer_is_asked_again_after_the_set_days_at_most_the_set_times(
    app: Facturier, sandbox: SandboxServer
) -> None:
    await _customers(app)
    await app.campaign.run(by="t")
    again = await app.campaign.run(by="t")
    asked = utcnow().date()
    due = asked + timedelta(days=14)
    assert again.asked == [] and again.held_back[0][1] == (
        f"asked on {asked:%d/%m/%Y}; again from {due:%d/%m/%Y}"
    )
    i18n.use("fr")  # what a French admin reads
    assert (await app.campaign.run(by="t")).held_back[0][1] == (
        f"demandé le {asked:%d/%m/%Y} ; de nouveau à partir du {due:%d/%m/%Y}"
    )
    i18n.use("en")
    for attempt in (2, 3):
        async with transaction(app.ctx.sessions) as session:
            [request] = (await session.exec(select(AddressRequest))).all()
            request.last_sent_at = utcnow() - timedelta(days=15)
            session.add(request)
        report = await app.campaign.run(by="t")
        assert [a.attempt for a in report.asked] == [attempt]
    async with transaction(app.ctx.sessions) as session:
        [request] = (await session.exec(select(AddressRequest))).all()
        request.last_sent_at = utcnow() - timedelta(days=30)
        session.add(request)
    last = await app.campaign.run(by="t")
    assert last.asked == [] and "asked 3 times" in last.held_back[0][1]
    assert len(sandbox.received("jean.dupont@dupont.example")) == 3


async def test_a_forged_reference_proposes_nothing(app: Facturier, sandbox: SandboxServer) -> None:
    await _customers(app)
    await app.campaign.run(by="t")
    [sent] = sandbox.received("jean.dupont@dupont.example")
    request = parse(sent)
    forged = EmailMessage()
    forged["From"] = "mallory@evil.example"
    forged["To"] = request["Reply-To"]
    forged["Subject"] = "RE: [réf. R1-0000000000000000]"
    forged.set_content("please use pay@evil.example")
    mailbox.Maildir(Path(app.ctx.settings.imap.maildir or "")).add(forged.as_bytes())
    await app.poll_bounces()
    [row] = await app.campaign.requests()
    assert row.state == "asked" and row.proposed_email is None
    [item] = await app.attention.items()
    assert item.kind == "quarantined" and "not one we signed" in item.why


async def test_a_request_that_bounces_fails_and_is_not_sent_there_again(app: Facturier) -> None:
    await app.customers.add(
        NewCustomer("Atelier Ferme", "paul@ferme.invalid", (), None, "C-9", "fr"),
        changed_by="t",
    )
    await app.campaign.run(by="t")
    await app.poll_bounces()  # the relay's report that the address does not exist
    [row] = await app.campaign.requests()
    assert row.state == "failed"
    again = await app.campaign.run(by="t")
    assert again.asked == [] and "failed" in again.held_back[0][1]
    assert await app.attention.items() == []  # a report about a request is not a guess


async def test_the_campaign_from_the_command_line_in_french(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """An admin who reads French: the requests' states and why a customer is not asked
    again are said in French, the day as they write it."""

    from typer.testing import CliRunner

    from daemon.app.cli import app as cli

    await _customers(app)
    config = tmp_path / "facturier.toml"
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))

    async def run(*args: str) -> str:
        # the command runs its own event loop: in a thread, beside the test's
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "demandé : Boulangerie Dupont" in await run("campaign", "central-address")
    asked = utcnow().date()
    again = await run("campaign", "central-address")
    assert f"Boulangerie Dupont : demandé le {asked:%d/%m/%Y} ; de nouveau à partir du" in again
    listed = await run("campaign", "list")
    assert "<jean.dupont@dupont.example> x1 [en attente de réponse]" in listed, listed
    assert "[asked]" not in listed


async def test_an_answer_confirmed_and_rejected_at_once_is_decided_once(
    app: Facturier, settings: Settings, sandbox: SandboxServer
) -> None:
    """One operator confirms the address a customer gave while another rejects it (two
    instances): one decision stands, the other is refused saying so, and the customer's
    invoice address is what the decision that stood says. Before, both applied: the request
    read "confirmed" with the rejecting operator's name and reason as its decision."""
    await _customers(app)
    await app.campaign.run(by="t")
    [sent] = sandbox.received("jean.dupont@dupont.example")
    _reply(app, parse(sent), "Écrivez à compta-fournisseurs@dupont.example")
    await app.poll_bounces()
    [row] = await app.campaign.requests()
    _done, refused = await at_once(
        app,
        settings,
        lambda mine: mine.campaign.confirm(row.id, by="ana", reason="phoned"),
        lambda theirs: theirs.campaign.reject(row.id, by="bob", reason="not theirs"),
    )
    assert len(refused) == 1 and "meanwhile" in str(refused[0]), refused
    [now] = await app.campaign.requests()
    dupont = await app.customers.find("C-1")
    [address] = [
        a.email
        for a in await app.customers.addresses(dupont.id or 0)
        if a.active and a.role == "invoice_to"
    ]
    expected = {
        "confirmed": "compta-fournisseurs@dupont.example",
        "rejected": "jean.dupont@dupont.example",
    }
    assert address == expected[now.state], (now.state, address)
