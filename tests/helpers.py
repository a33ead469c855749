"""Small builders shared by the tests."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from daemon.app.demo_samples import SampleInvoice, sample_pdf, sample_xml
from daemon.outbound.compose_workers import ComposedMessage, MessageMaker, MessageOrder
from mailer.compose import Attachment, Composer, MessageSpec

if TYPE_CHECKING:
    from config import Settings
    from daemon.app.services import Facturier

T = TypeVar("T")

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
            "payment_reference": None,
            "credit_note": False,
            "corrects": None,
            "total": "10.00",
            "owes": "all",
            "refund": "-10.00",
            "days_overdue": 0,
        },
        attachment=Attachment("F-1.pdf", "application/pdf", PDF, hashlib.sha256(PDF).hexdigest()),
    )
    base.update(over)
    return MessageSpec(**base)  # type: ignore[arg-type]


def cii_xml(
    number: str,
    buyer_id: str = "C-1",
    vat: str | None = "FR44512345678",
    remittance: str | None = None,
) -> bytes:
    """A CII invoice of 100.00 net (120.00 with VAT) to Boulangerie Dupont, a buyer in
    France, issued yesterday and due in 30 days; ``buyer_id`` "" names the buyer only."""
    today = date.today()
    return sample_xml(
        SampleInvoice(
            number,
            "Boulangerie Dupont",
            buyer_id,
            vat,
            today - timedelta(days=1),
            today + timedelta(days=30),
            Decimal("100.00"),
            remittance=remittance,
        )
    )


def invoice_file(
    folder: Path,
    number: str,
    buyer: str = "Boulangerie Dupont",
    buyer_id: str = "C-1",
    vat: str | None = "FR44512345678",
    net: str = "100.00",
    due_in_days: int | None = 30,
    issued_days_ago: int = 1,
    today: date | None = None,
    type_code: str = "380",
    preceding: str | None = None,
    name: str | None = None,
    remittance: str | None = None,
    quantity: str = "1",
    unit_price: str | None = None,
    payment_means: str | None = None,
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
            today + timedelta(days=due_in_days) if due_in_days is not None else None,
            Decimal(net),
            type_code=type_code,
            preceding=preceding,
            remittance=remittance,
            quantity=Decimal(quantity),
            unit_price=Decimal(unit_price) if unit_price is not None else None,
            payment_means=payment_means,
        )
    )
    path = folder / (name or f"{number}.pdf")
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


def write_config(tmp_path: Path, db_url: str, smtp_port: int = 2525, extra: str = "") -> Path:
    config = tmp_path / "facturier.toml"
    config.write_text(
        f"""
[database]
url = "{db_url}"
[sender]
name = "ACME Facturation"
address = "factures@acme.example"
reply_to = "compta@acme.example"
return_path = "bounces@acme.example"
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
timeout_seconds = 10
[imap]
source = "maildir"
maildir = "mail/bounces"
sent_maildir = "mail/sent"
[archive]
path = "archive"
[ingest]
watch = "inbox"
rejected = "rejected"
store = "invoices"
[ui]
language = "en"
[campaign]
secret = "test-campaign-secret"
[delivery]
retry_base_seconds = 60
{extra}
""",
        encoding="utf-8",
    )
    return config


def compose(spec: MessageSpec, *, max_bytes: int | None = None) -> bytes:
    """The message as the exact bytes the daemon hands to SMTP."""
    return Composer().compose_for_wire(spec, max_bytes=max_bytes)[0]


async def make_one(maker: MessageMaker, order: MessageOrder) -> ComposedMessage:
    """One message made by ``maker``; its failure raised."""
    [made] = await maker.make_many([order])
    if isinstance(made, BaseException):
        raise made
    return made


def with_database(config: Path) -> Path:
    """The settings file ``config``, its database created (as `facturier db upgrade` does:
    no other command creates one). Runs its own event loop in a thread, so a test that has
    one running may call it too."""
    import threading

    from config import load_settings
    from daemon.app.services import Facturier

    async def create() -> None:
        app = await Facturier.open(load_settings(config))
        await app.close()

    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(create())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return config


@contextlib.contextmanager
def pipe_let_go_after(fifo: Path, seconds: float = 10.0) -> Iterator[None]:
    """Fails, rather than hangs, a test whose code waits on the named pipe ``fifo``: after
    ``seconds`` a writer opens and closes it, so a reader stuck there reaches its end."""
    done = threading.Event()
    waited: list[Path] = []

    def let_go() -> None:
        while not done.wait(seconds):
            waited.append(fifo)
            with contextlib.suppress(OSError):  # no reader waiting (yet)
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    watcher = threading.Thread(target=let_go, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
    assert not waited, f"{fifo} was waited on for more than {seconds} s"


async def at_once(
    app: Facturier,
    settings: Settings,
    mine: Callable[[Facturier], Awaitable[T]],
    theirs: Callable[[Facturier], Awaitable[T]],
) -> tuple[list[T], list[BaseException]]:
    """Two operators acting at the same moment: ``mine`` on ``app``, ``theirs`` on a second
    instance (its own connections) on the same database. What went through, what was
    refused."""
    from daemon.app.services import Facturier

    other = await Facturier.open(settings, migrate=False)
    try:
        outcomes = await asyncio.gather(mine(app), theirs(other), return_exceptions=True)
    finally:
        await other.close()
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    return done, [o for o in outcomes if isinstance(o, BaseException)]
