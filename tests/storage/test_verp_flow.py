"""VERP on: genuine bounces tie by signed return path; a forged one is quarantined."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from config import load_settings
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer, build_dsn
from tests.helpers import invoice_file, parse, write_config


@pytest.fixture
async def verp_app(tmp_path: Path, db_url: str, sandbox: SandboxServer) -> Facturier:
    config = write_config(tmp_path, db_url, sandbox.port)
    text = config.read_text().replace(
        'return_path = "bounces@acme.example"\n',
        'return_path = "bounces@acme.example"\nverp = true\nverp_secret = "s3cret-verp-key"\n',
    )
    config.write_text(text)
    app = await Facturier.open(load_settings(config))
    yield app  # type: ignore[misc]
    await app.close()


async def test_genuine_bounce_ties_by_verp_and_forgery_is_quarantined(
    verp_app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = verp_app
    await app.customers.add(
        NewCustomer("Martin", "compta@martin.invalid", (), None, "C-2"), changed_by="t"
    )
    await app.customers.add(
        NewCustomer("Dupont", "f@dupont.example", (), None, "C-1"), changed_by="t"
    )
    await app.ingest.import_paths(
        [
            invoice_file(tmp_path / "in", "V-1", "Martin", "C-2"),
            invoice_file(tmp_path / "in", "V-2", "Dupont", "C-1"),
        ]
    )
    await app.send_due()
    report = await app.poll_bounces()
    assert report.applied == 2
    inv = await app.queries.find_invoice("V-1")
    assert inv.id is not None and inv.state == "bounced"
    detail = await app.queries.invoice_detail(inv.id)
    assert any("[tied by verp]" in (e.text or "") for e in detail.events if e.event == "bounced")

    # a forged failure report for V-2: right shape, wrong signature, no other evidence
    [sent] = sandbox.received("f@dupont.example")
    token = parse(sent)["X-Facturier-Delivery"]
    forged_to = f"bounces+{token}.{'0' * 20}@acme.example"
    original = b"From: someone@else.example\r\nSubject: hi\r\n\r\nbody\r\n"
    dsn = build_dsn(
        reporting_mta="evil.example",
        sender=forged_to,
        recipient="f@dupont.example",
        original=original,
        envid=None,
        headers_only=True,
        queue_id="EVIL",
        delivered=False,
    )
    box = tmp_path / "mail" / "bounces"
    mailbox.Maildir(box).add(dsn)
    report = await app.poll_bounces()
    assert (report.fetched, report.quarantined, report.applied) == (1, 1, 0)
    inv2 = await app.queries.find_invoice("V-2")
    assert inv2.state == "delivered"  # untouched by the forgery
    customer = await app.customers.find("C-1")
    assert customer.id is not None
    assert not any(a.undeliverable for a in await app.customers.addresses(customer.id))
    assert len(mailbox.Maildir(box).get_folder("quarantine")) == 1


async def _sent_with_verp(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path, number: str
) -> tuple[bytes, str]:
    """Invoice ``number`` sent to Dupont, as the relay received it, and its signed return path."""
    from daemon.domain.verp import verp_address

    await app.customers.add(
        NewCustomer("Dupont", "f@dupont.example", (), None, "C-1"), changed_by="t"
    )
    await app.ingest.import_paths([invoice_file(tmp_path / "in", number, "Dupont", "C-1")])
    await app.send_due()
    [sent] = sandbox.received("f@dupont.example")
    token = parse(sent)["X-Facturier-Delivery"]
    return sent, verp_address("bounces@acme.example", token, b"s3cret-verp-key")


def _feedback(to: str, feedback_type: str, original: bytes) -> bytes:
    """An RFC 5965 report from the recipient's provider, to the message's return path."""
    return (
        (
            f"From: fbl@provider.example\r\nTo: {to}\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain\r\n\r\nA report.\r\n\r\n"
            "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
            f"Feedback-Type: {feedback_type}\r\nUser-Agent: fbl/1.0\r\nVersion: 1\r\n"
            "Original-Rcpt-To: <f@dupont.example>\r\n\r\n"
            "--b\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + original
        + b"\r\n--b--\r\n"
    )


@pytest.mark.parametrize(
    ("feedback_type", "said", "attention"),
    [
        ("abuse", "complaint (abuse)", True),
        ("not-spam", "marked as not spam", False),
        ("auth-failure", "failed its SPF, DKIM or DMARC check", True),
    ],
)
async def test_a_providers_report_says_what_it_reports(
    verp_app: Facturier,
    sandbox: SandboxServer,
    tmp_path: Path,
    feedback_type: str,
    said: str,
    attention: bool,
) -> None:
    """RFC 6430's not-spam (the recipient took it out of the spam folder) needs nobody; RFC
    6591's auth-failure is about our domain's SPF/DKIM/DMARC, not the recipient's complaint."""
    app = verp_app
    sent, to = await _sent_with_verp(app, sandbox, tmp_path, "V-2")
    box = tmp_path / "mail" / "bounces"
    mailbox.Maildir(box).add(_feedback(to, feedback_type, sent))
    report = await app.poll_bounces()
    assert report.quarantined == 0
    inv = await app.queries.find_invoice("V-2")
    assert inv.id is not None
    detail = await app.queries.invoice_detail(inv.id)
    assert any(said in (e.text or "") for e in detail.events)
    listed = {i.invoice_number for i in await app.attention.items()}
    assert ("V-2" in listed) == attention


async def test_a_complaint_whose_complainant_is_redacted_is_tied_by_the_signed_return_path(
    verp_app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """RFC 6590: a feedback loop may redact who complained (AOL's "redacted@…", in the report
    and in the returned message). A redacted address names no one; the report is tied by the
    signed return path it carries and applied, not quarantined as naming another recipient."""
    app = verp_app
    sent, to = await _sent_with_verp(app, sandbox, tmp_path, "V-3")
    redacted = sent.replace(b"f@dupont.example", b"redacted@dupont.example")
    report = _feedback(to, "abuse", redacted).replace(
        b"Original-Rcpt-To: <f@dupont.example>", b"Original-Rcpt-To: <redacted@dupont.example>"
    )
    box = tmp_path / "mail" / "bounces"
    mailbox.Maildir(box).add(report)
    polled = await app.poll_bounces()
    assert polled.quarantined == 0
    inv = await app.queries.find_invoice("V-3")
    assert inv.id is not None
    detail = await app.queries.invoice_detail(inv.id)
    assert any("complaint (abuse)" in (e.text or "") for e in detail.events)
