"""Small builders shared by the tests."""

from __future__ import annotations

import hashlib
import time
from datetime import date, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from daemon.samples import SampleInvoice, sample_pdf
from mailer.compose import Attachment, MessageSpec

PDF = b"%PDF-1.7 fake invoice"


def message_spec(**over: object) -> MessageSpec:
    """An English invoice message to Client SA with ``PDF`` attached; ``over`` replaces
    any field."""
    base: dict[str, object] = dict(
        message_id="<abc@acme.example>",
        sender_name="ACME",
        sender_address="f@acme.example",
        recipient="Factures@Client.Example",
        recipient_name="Client SA",
        reply_to=None,
        template="invoice",
        language="en",
        context={
            "number": "F-1",
            "seller_name": "ACME",
            "amount": "10.00",
            "currency": "EUR",
            "issue_date": "2026-01-01",
            "due_date": "2026-02-01",
            "invoice_to": "x@y.z",
        },
        attachment=Attachment("F-1.pdf", "application/pdf", PDF, hashlib.sha256(PDF).hexdigest()),
    )
    base.update(over)
    return MessageSpec(**base)  # type: ignore[arg-type]


def invoice_file(
    folder: Path,
    number: str,
    buyer: str = "Boulangerie Dupont",
    buyer_id: str = "C-1",
    vat: str | None = "FR44512345678",
    net: str = "100.00",
    due_in_days: int = 30,
    issued_days_ago: int = 1,
    today: date | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    today = today or date.today()
    pdf = sample_pdf(
        SampleInvoice(
            number,
            buyer,
            buyer_id,
            vat,
            today - timedelta(days=issued_days_ago),
            today + timedelta(days=due_in_days),
            Decimal(net),
        )
    )
    path = folder / f"{number}.pdf"
    path.write_bytes(pdf)
    return path


def parse(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def wait_until_running(log_path: Path, offset: int = 0, timeout: float = 60) -> None:
    """Until a daemon started with ``-v`` has logged that it runs (past ``offset`` in its
    log): a SIGTERM before it has installed its handler is not a clean stop."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with log_path.open("rb") as fh:
            fh.seek(offset)
            if b"facturier running" in fh.read():
                return
        time.sleep(0.2)
    raise AssertionError(f"the daemon did not start within {timeout} s: see {log_path}")
