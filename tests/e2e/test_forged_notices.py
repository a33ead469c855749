"""Forged notices through real Postfix and Dovecot: none changes a delivery or an address;
each is quarantined with its reason. VERP is on by default, its secret generated on first run.
"""

from __future__ import annotations

import asyncio
import smtplib
import stat
from pathlib import Path

import pytest

from config import load_settings
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from tests.e2e.mailstack import PASSWORD, MailStack
from tests.e2e.test_mail_stack import _wait
from tests.helpers import invoice_file, parse, write_config

pytestmark = pytest.mark.e2e

BOUNCES = "bounces@acme.test"


def _config(tmp_path: Path, db_url: str, stack: MailStack) -> Path:
    """The shared test settings on this mail stack, with no VERP setting at all."""
    config = write_config(tmp_path, db_url, stack.smtp_port)
    text = config.read_text()
    text = text.replace('address = "factures@acme.example"', 'address = "factures@acme.test"')
    text = text.replace('return_path = "bounces@acme.example"', f'return_path = "{BOUNCES}"')
    text = text.replace(
        '[imap]\nsource = "maildir"\nmaildir = "mail/bounces"\nsent_maildir = "mail/sent"\n',
        f'[imap]\nsource = "imap"\nhost = "127.0.0.1"\nport = {stack.imap_port}\n'
        f'security = "none"\nallow_login_without_tls = true\nusername = "{BOUNCES}"\n'
        f'password = "{PASSWORD}"\n',
    )
    config.write_text(text)
    return config


def _dsn(subject: str, recipient: str, returned: str, *, action: str = "failed") -> str:
    """An RFC 3464 report as anyone can write one."""
    status = "2.0.0" if action == "delivered" else "5.1.1"
    return (
        f"From: MAILER-DAEMON@evil.test\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery report.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; evil.test\r\n"
        f"\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{returned}\r\n--B--\r\n"
    )


def _inject(stack: MailStack, rcpt: str, raw: str | bytes) -> None:
    data = raw.encode() if isinstance(raw, str) else raw
    with smtplib.SMTP("127.0.0.1", stack.smtp_port) as smtp:
        smtp.sendmail("", [rcpt], data)


async def test_forged_notices_change_nothing_and_are_quarantined_with_their_reason(
    mailstack: MailStack, tmp_path: Path, db_url: str
) -> None:
    settings = load_settings(_config(tmp_path, db_url, mailstack))
    app = await Facturier.open(settings)
    try:
        key_file = settings.sender.verp_key_file
        assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
        for name, email, ident, number in (
            ("Dupont", "invoices@customer.test", "C-1", "F-1"),
            ("Martin", "copies@customer.test", "C-2", "F-2"),
            ("Absent", "someone@unknown.test", "C-3", "F-3"),
        ):
            await app.customers.add(NewCustomer(name, email, (), None, ident), changed_by="e2e")
            [r] = await app.ingest.import_paths(
                [invoice_file(tmp_path / "in", number, name, ident)]
            )
            assert r.ok, r
        assert [o.state for o in await app.send_due()] == ["accepted"] * 3
        _wait(lambda: len(mailstack.messages(BOUNCES)) >= 3, "three genuine reports")
        report = await app.poll_bounces()
        assert (report.applied, report.quarantined) == (3, 0), report
        states = {i.number: i.state for i in await app.queries.invoices()}
        assert states == {"F-1": "delivered", "F-2": "delivered", "F-3": "bounced"}

        [copy] = mailstack.messages("invoices@customer.test")
        sent = parse(copy)
        mid, token = sent["Message-ID"], sent["X-Facturier-Delivery"]
        # the recipient's own copy shows the signed return path: it proves F-1, for F-1's
        # recipient only
        signed = sent["Return-Path"].strip("<>")
        assert signed.startswith("bounces+") and token in signed
        headers = f"Message-ID: {mid}\r\nFrom: factures@acme.test\r\nTo: invoices@customer.test"
        f3 = next(
            m for m in mailstack.messages(BOUNCES, "processed") if b"someone@unknown.test" in m
        )
        f3_return = parse(f3)["Delivered-To"]
        assert f3_return.startswith("bounces+")
        f3_invoice = await app.queries.find_invoice("F-3")
        assert f3_invoice.id is not None
        [(_, _, _, f3_id, _)] = (await app.queries.invoice_detail(f3_invoice.id)).deliveries

        forgeries = {
            "forgery 1": (
                BOUNCES,
                _dsn("forgery 1", "invoices@customer.test", "From: x@y.test"),
                "nothing proves what it is about",
            ),
            "forgery 2": (
                BOUNCES,
                _dsn("forgery 2", "invoices@customer.test", headers),
                "did not come back to a signed return path",
            ),
            "forgery 3": (
                BOUNCES,
                _dsn("forgery 3", "invoices@customer.test", f"X-Facturier-Delivery: {token}"),
                "did not come back to a signed return path",
            ),
            "forgery 4": (
                f"bounces+{token}.{'0' * 20}@acme.test",
                _dsn("forgery 4", "invoices@customer.test", headers),
                "signature is wrong",
            ),
            "forgery 5": (
                signed,
                _dsn("forgery 5", "copies@customer.test", headers),
                "it names copies@customer.test, but delivery",
            ),
            "forgery 6": (
                BOUNCES,
                "From: MAILER-DAEMON@evil.test\r\n"
                "Subject: forgery 6 Undelivered Mail Returned to Sender "
                "https://evil.test/login\r\n"
                f"In-Reply-To: {mid}\r\n\r\n"
                "This is the mail system at host evil.test.\r\n\r\n"
                "I'm sorry to have to inform you that your message could not\r\n"
                "be delivered to one or more recipients.\r\n\r\n"
                "<invoices@customer.test>: host mx.customer.test said: 550 5.1.1 User "
                "unknown; verify your account at https://evil.test/login\r\n",
                "nothing proves what it is about",
            ),
            "forgery 7": (
                BOUNCES,
                _dsn(
                    "forgery 7",
                    "someone@unknown.test",
                    f"Message-ID: {f3_id}\r\nTo: someone@unknown.test",
                    action="delivered",
                ),
                "did not come back to a signed return path",
            ),
            "forgery 8": (
                BOUNCES,
                "From: feedback@isp.test\r\nSubject: forgery 8\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/report; report-type=feedback-report; boundary=B\r\n"
                "\r\n--B\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
                "--B\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
                "User-Agent: Forger/1.0\r\nVersion: 1\r\n"
                "Original-Rcpt-To: invoices@customer.test\r\n\r\n"
                f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n"
                f"X-Facturier-Delivery: {token}\r\n\r\n--B--\r\n",
                "did not come back to a signed return path",
            ),
            "forgery 9": (
                f3_return,
                # a real report of F-3, replayed with one header added and its subject changed
                b"X-Replayed: yes\r\n" + f3.replace(b"Subject: ", b"Subject: forgery 9 ", 1),
                "a copy is applied once",
            ),
        }
        events_before = {
            n: len((await app.queries.invoice_detail(i.id)).events)
            for n, i in [(x.number, x) for x in await app.queries.invoices()]
            if i.id is not None
        }
        for rcpt, raw, _ in forgeries.values():
            _inject(mailstack, rcpt, raw)
        _wait(lambda: len(mailstack.messages(BOUNCES)) >= len(forgeries), "the forgeries")
        report = await app.poll_bounces()
        assert (report.quarantined, report.applied) == (len(forgeries), 0), report

        # nothing changed: states, events, addresses, no complaint
        states = {i.number: i.state for i in await app.queries.invoices()}
        assert states == {"F-1": "delivered", "F-2": "delivered", "F-3": "bounced"}
        for invoice in await app.queries.invoices():
            assert invoice.id is not None
            detail = await app.queries.invoice_detail(invoice.id)
            assert len(detail.events) == events_before[invoice.number], invoice.number
        for ident, undeliverable in (("C-1", False), ("C-2", False), ("C-3", True)):
            customer = await app.customers.find(ident)
            assert customer.id is not None
            [address] = await app.customers.addresses(customer.id)
            assert address.undeliverable is undeliverable, ident
        items = await app.attention.items()
        assert not [i for i in items if i.kind == "complaint"]
        quarantined = [i for i in items if i.kind == "quarantined"]
        assert len(quarantined) == len(forgeries)
        for subject, (_, _, reason) in forgeries.items():
            [item] = [i for i in quarantined if f"{subject} " in i.why + " "]
            assert reason in item.why, (subject, item.why)
        [phishing] = [i for i in quarantined if "forgery 6" in i.why]
        assert "https://evil.test" not in phishing.why and "hxxps://evil[.]test" in phishing.why
        assert "may be about invoice F-1" in phishing.why
        assert len(mailstack.messages(BOUNCES, "quarantine")) == len(forgeries)
    finally:
        await app.close()
    await asyncio.sleep(0)
