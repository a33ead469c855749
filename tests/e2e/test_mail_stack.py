"""End to end on real Postfix and Dovecot: send, let Postfix bounce, read Dovecot, check."""

from __future__ import annotations

import asyncio
import hashlib
import json
import smtplib
import time
from pathlib import Path

import pytest

from config import load_settings
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from tests.e2e.mailstack import PASSWORD, MailStack
from tests.helpers import invoice_file, parse, write_config

pytestmark = pytest.mark.e2e

CUSTOMERS = [
    ("Boulangerie Dupont", "invoices@customer.test", ("copies@customer.test",), "C-1"),
    ("Atelier Martin", "someone@unknown.test", (), "C-2"),
    ("Spam Filter SA", "billing@spam.test", (), "C-3"),
    ("Full Box SARL", "billing@full.test", (), "C-4"),
]


def _write(tmp_path: Path, db_url: str, stack: MailStack) -> Path:
    config = write_config(tmp_path, db_url, stack.smtp_port)
    text = config.read_text()
    text = text.replace('address = "factures@acme.example"', 'address = "factures@acme.test"')
    text = text.replace(
        'return_path = "bounces@acme.example"',
        'return_path = "bounces@acme.test"\nverp = true\nverp_secret = "e2e-verp-secret"',
    )
    text = text.replace(
        '[imap]\nsource = "maildir"\nmaildir = "mail/bounces"\nsent_maildir = "mail/sent"\n',
        f'[imap]\nsource = "imap"\nhost = "127.0.0.1"\nport = {stack.imap_port}\n'
        f'security = "none"\nallow_login_without_tls = true\nusername = "bounces@acme.test"\n'
        f'password = "{PASSWORD}"\n'
        'sent_folder = "Sent Invoices"\n',
    )
    config.write_text(text)
    return config


def _wait(condition, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _inject(stack: MailStack, raw: bytes) -> None:
    """A message from the outside world into the bounce mailbox, through Postfix."""
    with smtplib.SMTP("127.0.0.1", stack.smtp_port) as smtp:
        smtp.sendmail("someone@customer.test", ["bounces@acme.test"], raw)


async def test_invoices_through_postfix_and_dovecot(
    mailstack: MailStack, tmp_path: Path, db_url: str
) -> None:
    settings = load_settings(_write(tmp_path, db_url, mailstack))
    app = await Facturier.open(settings)
    before = len(mailstack.messages("bounces@acme.test"))
    try:
        files = []
        for i, (name, email, copies, ident) in enumerate(CUSTOMERS, start=1):
            await app.customers.add(NewCustomer(name, email, copies, None, ident), changed_by="e2e")
            files.append(invoice_file(tmp_path / "in", f"E2E-{i}", name, ident))
        results = await app.ingest.import_paths(files)
        assert all(r.ok for r in results), results
        outcomes = await app.send_due()
        assert [o.state for o in outcomes] == ["accepted"] * 5, outcomes

        # Postfix reports: 2 successes (NOTIFY=SUCCESS) and 3 failures, into Dovecot
        _wait(
            lambda: len(mailstack.messages("bounces@acme.test")) >= before + 5,
            "five delivery reports in the bounce mailbox",
        )
        report = await app.poll_bounces()
        assert report.applied == 5 and report.unrecognized == 0, report

        states = {r.number: r for r in await app.queries.invoices()}
        assert states["E2E-1"].state == "delivered"
        assert states["E2E-2"].state == "bounced"
        assert states["E2E-3"].state == "attention"
        assert states["E2E-4"].state == "deferred"  # soft bounce: retried later

        async def bounce_of(number: str) -> tuple[str | None, str | None]:
            inv = await app.queries.find_invoice(number)
            assert inv.id is not None
            detail = await app.queries.invoice_detail(inv.id)
            [event] = [e for e in detail.events if e.event == "bounced"]
            return event.status, event.text

        status, text = await bounce_of("E2E-2")
        assert status == "5.1.1" and "hard bounce" in (text or "")
        status, text = await bounce_of("E2E-3")
        assert status == "5.7.1" and "hint:" in (text or "")
        status, text = await bounce_of("E2E-4")
        assert status == "5.2.2" and "mailboxfull" in (text or "")
        martin = await app.customers.find("C-2")
        assert martin.id is not None
        [address] = await app.customers.addresses(martin.id)
        assert address.undeliverable

        # what the customer's mailbox in Dovecot received is the invoice, byte for byte
        [received] = mailstack.messages("invoices@customer.test")
        msg = parse(received)
        [attachment] = list(msg.iter_attachments())
        assert (
            hashlib.sha256(attachment.get_content()).hexdigest()
            == hashlib.sha256(files[0].read_bytes()).hexdigest()
        )
        [copy] = mailstack.messages("copies@customer.test")
        assert parse(copy)["Subject"].startswith("[Duplicata / Copy]")

        # a copy of each accepted message was filed over IMAP in "Sent Invoices"
        assert len(mailstack.messages("bounces@acme.test", "Sent Invoices")) == 5
        # the reports were moved out of INBOX into "processed"
        assert len(mailstack.messages("bounces@acme.test", "processed")) == 5

        # Postfix returned every report to the signed VERP return path
        evidence = set()
        for number in ("E2E-1", "E2E-2", "E2E-3", "E2E-4"):
            inv = await app.queries.find_invoice(number)
            assert inv.id is not None
            detail = await app.queries.invoice_detail(inv.id)
            evidence |= {
                (e.text or "").rsplit("[tied by ", 1)[-1]
                for e in detail.events
                if e.event in ("bounced", "delivered")
            }
        assert evidence == {"verp]"}

        # a forged bounce: VERP-shaped return path with a bad signature, nothing else
        token = msg["X-Facturier-Delivery"]
        forged = (
            "From: MAILER-DAEMON@evil.test\r\nTo: bounces+{t}.{s}@acme.test\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
            "--B\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; evil.test"
            "\r\n\r\nFinal-Recipient: rfc822; invoices@customer.test\r\nAction: failed\r\n"
            "Status: 5.1.1\r\n\r\n--B--\r\n"
        ).format(t=token, s="0" * 20)
        with smtplib.SMTP("127.0.0.1", mailstack.smtp_port) as smtp:
            smtp.sendmail("", [f"bounces+{token}.{'0' * 20}@acme.test"], forged.encode())
        _wait(lambda: len(mailstack.messages("bounces@acme.test")) >= 1, "the forged bounce")
        report = await app.poll_bounces()
        assert (report.quarantined, report.applied) == (1, 0), report
        assert (await app.queries.find_invoice("E2E-1")).state == "delivered"
        assert len(mailstack.messages("bounces@acme.test", "quarantine")) == 1

        # an out-of-office reply: noted, state unchanged; a human reply: shown
        original_id = msg["Message-ID"]
        _inject(
            mailstack,
            (
                f"From: Marie <invoices@customer.test>\r\nTo: bounces@acme.test\r\n"
                f"Subject: Absence du bureau\r\nAuto-Submitted: auto-replied\r\n"
                f"In-Reply-To: {original_id}\r\nMessage-ID: <ooo-1@customer.test>\r\n\r\n"
                "Je suis absente jusqu'au 15/12/2026.\r\n"
            ).encode(),
        )
        _inject(
            mailstack,
            (
                f"From: Paul <invoices@customer.test>\r\nTo: bounces@acme.test\r\n"
                # in words a notice's subject has too: a reply all the same
                f"Subject: Re: Facture E2E-1 rejected\r\nIn-Reply-To: {original_id}\r\n"
                f"Message-ID: <reply-1@customer.test>\r\n\r\n"
                "Bonjour, le bon de commande manque. Merci.\r\n"
            ).encode(),
        )
        _wait(lambda: len(mailstack.messages("bounces@acme.test")) >= 2, "the two replies")
        report = await app.poll_bounces()
        assert report.applied == 2, report
        inv = await app.queries.find_invoice("E2E-1")
        assert inv.id is not None
        detail = await app.queries.invoice_detail(inv.id)
        assert detail.row.state == "delivered"
        auto = [e for e in detail.events if e.event == "autoreply"]
        assert auto and "absent until 2026-12-15" in (auto[0].text or "")
        assert [m[2] for m in detail.customer_messages] == [
            "Bonjour, le bon de commande manque. Merci."
        ]
        assert len(mailstack.messages("bounces@acme.test", "replies")) == 1
        rows = [json.loads(json.dumps(r.to_json())) for r in await app.queries.invoices()]
        assert {r["number"] for r in rows} == {"E2E-1", "E2E-2", "E2E-3", "E2E-4"}
    finally:
        await app.close()
    await asyncio.sleep(0)
