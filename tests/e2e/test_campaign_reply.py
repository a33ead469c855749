"""The central-address campaign end to end on real Postfix and Dovecot: the request goes out
through Postfix into the customer's Dovecot mailbox; the customer's reply goes back through
Postfix into the mailbox facturier reads over IMAP; a person confirms the address it gives."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from config import load_settings
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from tests.e2e.mailstack import MailStack
from tests.e2e.test_mail_stack import _inject, _wait, _write
from tests.helpers import parse

pytestmark = pytest.mark.e2e


async def test_a_request_and_its_answer_through_postfix_and_dovecot(
    mailstack: MailStack, tmp_path: Path, db_url: str
) -> None:
    settings = load_settings(_write(tmp_path, db_url, mailstack))
    app = await Facturier.open(settings)
    try:
        # a person's mailbox: the customer is asked for a shared one
        await app.customers.add(
            NewCustomer("Boulangerie Dupont", "copies@customer.test", (), None, "C-1"),
            changed_by="e2e",
        )
        before = len(mailstack.messages("copies@customer.test"))
        report = await app.campaign.run(by="e2e")
        assert [a.email for a in report.asked] == ["copies@customer.test"], report
        _wait(
            lambda: len(mailstack.messages("copies@customer.test")) > before,
            "the request in the customer's mailbox",
        )
        request = parse(mailstack.messages("copies@customer.test")[-1])
        token = request["X-Facturier-Request"]
        assert token and token in request["Subject"]

        answer = EmailMessage()
        answer["From"] = "Jean Dupont <copies@customer.test>"
        answer["To"] = request["Reply-To"]
        answer["Subject"] = f"Re: {request['Subject']}"
        answer["Message-ID"] = make_msgid(domain="customer.test")
        answer["In-Reply-To"] = request["Message-ID"]
        answer["References"] = request["Message-ID"]
        answer.set_content(
            "Bonjour,\n\nNotre boîte pour les factures est invoices@customer.test.\n\n"
            "Jean\n\n> Bonjour,\n> Nous vous adressons nos factures par courriel\n"
        )
        inbox = len(mailstack.messages("bounces@acme.test"))
        _inject(mailstack, answer.as_bytes())
        _wait(
            lambda: len(mailstack.messages("bounces@acme.test")) > inbox,
            "the answer in the mailbox facturier reads",
        )
        await app.poll_bounces()
        [row] = await app.campaign.requests()
        assert (row.state, row.proposed_email) == ("proposed", "invoices@customer.test")
        [item] = [i for i in await app.attention.items() if i.kind == "address-answer"]
        assert item.customer == "Boulangerie Dupont"

        await app.campaign.confirm(row.id, by="e2e", reason="the customer's own answer")
        customer = await app.customers.find("C-1")
        assert customer.id is not None
        [current] = [
            a
            for a in await app.customers.addresses(customer.id)
            if a.active and a.role == "invoice_to"
        ]
        assert current.email == "invoices@customer.test" and current.central_mailbox
        assert (await app.campaign.run(by="e2e")).asked == []
    finally:
        await app.close()
