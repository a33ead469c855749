"""`make demo`: the whole loop on SQLite and the built-in sandbox mail server.

Customers and Factur-X invoices are generated here; the sandbox stores mail for the
customers' domains in Maildirs, greylists one domain (→ deferred) and bounces mail to
``*.invalid`` with an RFC 3464 DSN into the bounce Maildir (→ hard bounce).
"""

from __future__ import annotations

import asyncio
import shlex
import shutil
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from config import Settings, load_settings
from daemon.app.cli_billing import differences_line
from daemon.app.cli_invoices import (
    import_line,
    poll_line,
    reminder_lines,
    send_line,
    status_line,
)
from daemon.app.cli_payments import payment_line
from daemon.app.cli_report import report_lines
from daemon.app.demo_samples import SampleCredit, SampleInvoice, sample_camt053, sample_pdf
from daemon.app.services import Facturier
from daemon.domain.errors import ValidationError
from daemon.domain.i18n import _
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer

GREYLISTED = "garage-leroy.example"

CUSTOMERS = [
    NewCustomer(
        "Boulangerie Dupont",
        "factures@boulangerie-dupont.example",
        ("gerant@boulangerie-dupont.example",),
        "FR44512345678",
        "C-1001",
        "fr",
    ),
    NewCustomer(
        "Atelier Martin", "compta@atelier-martin.invalid", (), "FR67598765432", "C-1002", "fr"
    ),
    NewCustomer("Garage Leroy", f"invoices@{GREYLISTED}", (), None, "C-1003", "en"),
]
INVOICES = [
    ("FA-2026-0101", "Boulangerie Dupont", "C-1001", "FR44512345678", Decimal("1250.00")),
    ("FA-2026-0102", "Atelier Martin", "C-1002", "FR67598765432", Decimal("480.50")),
    ("FA-2026-0103", "Garage Leroy", "C-1003", None, Decimal("3999.99")),
    ("FA-2026-0104", "Librairie Nouvelle", "C-1004", None, Decimal("89.90")),
]


def _late_invoice(
    today: date, number: str, buyer: str, buyer_id: str, vat: str | None, net: Decimal
) -> bytes:
    """A Factur-X invoice issued 40 days before ``today``, due 10 days before."""
    return sample_pdf(
        SampleInvoice(
            number,
            buyer,
            buyer_id,
            vat,
            today - timedelta(days=40),
            today - timedelta(days=10),
            net,
        )
    )


def _heading(title: str) -> None:
    print(f"\n{title}")


def _line(text: str, depth: int = 1) -> None:
    print("  " * depth + text)


def demo_settings(workdir: Path, smtp_port: int) -> Settings:
    config = workdir / "facturier.toml"
    config.write_text(
        f"""# written by `facturier demo`
[database]
url = "sqlite+aiosqlite:///facturier.db"
[sender]
name = "ACME SARL — Facturation"
address = "factures@acme.example"
reply_to = "comptabilite@acme.example"
return_path = "bounces@acme.example"
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
[imap]
source = "maildir"
maildir = "mail/bounces"
sent_maildir = "mail/sent-invoices"
[archive]
path = "archive"
[ingest]
watch = "inbox"
rejected = "rejected"
store = "invoices"
[payments]
reference = "rf"
[campaign]
secret = "demo-campaign-secret"
""",
        encoding="utf-8",
    )
    return load_settings(config)


async def _demo(workdir: Path, settings: Settings, sandbox: SandboxServer) -> list[str]:
    app = await Facturier.open(settings)
    try:
        for customer in CUSTOMERS:
            await app.customers.add(
                customer, changed_by="demo", source="demo", reason=_("customer of the demo")
            )
        inbox = workdir / "to-import"
        inbox.mkdir()
        today = app.today()
        for number, buyer, buyer_id, vat, net in INVOICES:
            (inbox / f"{number}.pdf").write_bytes(
                _late_invoice(today, number, buyer, buyer_id, vat, net)
            )
        _heading(_("Import of the invoices"))
        for r in await app.ingest.import_paths([inbox]):
            _line(import_line(r, Path(r.file).name))
        # the same invoice re-exported with another amount: held for a person, not sent
        number, buyer, buyer_id, vat, net = INVOICES[0]
        again = workdir / "re-exported"
        again.mkdir()
        (again / f"{number}-v2.pdf").write_bytes(
            _late_invoice(today, number, buyer, buyer_id, vat, net + Decimal("100"))
        )
        for r in await app.ingest.import_paths([again]):
            _line(import_line(r, Path(r.file).name))
        for pair in await app.duplicates.held():
            _line(
                _("#{held} beside #{earlier}: {differs}").format(
                    held=pair.held_id, earlier=pair.earlier_id, differs=differences_line(pair)
                ),
                depth=2,
            )
        # an invoice whose line says 4 × 110.00 but whose amount is 480.50: held, not sent
        odd = workdir / "odd-amounts"
        odd.mkdir()
        (odd / "FA-2026-0105.pdf").write_bytes(
            sample_pdf(
                SampleInvoice(
                    "FA-2026-0105",
                    "Atelier Martin",
                    "C-1002",
                    "FR67598765432",
                    today - timedelta(days=2),
                    today + timedelta(days=28),
                    Decimal("480.50"),
                    quantity=Decimal(4),
                    unit_price=Decimal("110.00"),
                )
            )
        )
        for r in await app.ingest.import_paths([odd]):
            _line(import_line(r, Path(r.file).name))
        _heading(_("Sending"))
        for o in await app.send_due():
            _line(send_line(o))
        _heading(_("The bounce mailbox"))
        _line(poll_line(await app.poll_bounces()))
        # the bank's end-of-day statement: Leroy paid by its RF reference, a stranger paid
        # something that matches nothing
        leroy = await app.queries.find_invoice("FA-2026-0103")
        statement = workdir / "statement-camt053.xml"
        statement.write_bytes(
            sample_camt053(
                "STMT-DEMO-1",
                "FR7630006000011234567890189",
                [
                    SampleCredit(
                        leroy.total_with_tax,
                        today,
                        "BANK-0001",
                        "Garage Leroy",
                        reference=(leroy.payment_reference or "").replace(" ", ""),
                    ),
                    SampleCredit(Decimal("75.00"), today, "BANK-0002", "M. Inconnu", text="don"),
                ],
            )
        )
        _heading(_("The bank statement"))
        for result in await app.payments.import_files([statement], by="demo"):
            for paid in result.outcomes:
                _line(payment_line(statement.name, paid))
        _heading(_("Reminders"))
        for line in reminder_lines(await app.reminders.run()):
            _line(line)
        await app.send_due()
        await app.poll_bounces()
        _heading(_("Report"))
        for line in report_lines(await app.report.build()):
            _line(line)
        return [
            f"{status_line(row)}, {_(row.payment_state)}" for row in await app.queries.invoices()
        ]
    finally:
        await app.close()


MARK = ".facturier-demo"
"""The file that says a folder is a demo's own, which the next demo may replace."""


def _fresh(workdir: Path) -> None:
    """An empty ``workdir``: a folder a demo made is replaced; any other that holds files is
    left alone and refused (``--workdir`` may name a folder of the user's)."""
    if workdir.exists() and not workdir.is_dir():
        raise ValidationError(
            _("{path} is a file, not a folder: give --workdir a new folder").format(path=workdir)
        )
    if workdir.is_dir() and any(workdir.iterdir()):
        if not (workdir / MARK).is_file():
            raise ValidationError(
                _(
                    "{path} holds files the demo did not make: it replaces only its own "
                    "folder; give --workdir a new or empty folder"
                ).format(path=workdir)
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARK).write_text("made by facturier demo; the next demo replaces this folder\n")


def run_demo(workdir: Path) -> Settings:
    workdir = workdir.resolve()
    _fresh(workdir)
    (workdir / "inbox").mkdir(mode=0o700)  # the watched folder: files dropped while `run` runs
    sandbox = SandboxServer(
        workdir / "mail" / "customers", workdir / "mail" / "bounces", defer_domains={GREYLISTED}
    ).start()
    try:
        settings = demo_settings(workdir, sandbox.port)
        lines = asyncio.run(_demo(workdir, settings, sandbox))
    finally:
        sandbox.stop()
    _heading(_("Final state of each invoice"))
    for line in lines:
        _line(line)
    command = sys.argv[0] if Path(sys.argv[0]).name == "facturier" else "facturier"
    print()
    print(_("Everything is in {folder}; look around with:").format(folder=workdir))
    _line(f"{shlex.quote(command)} --config {shlex.quote(str(workdir / 'facturier.toml'))} tui")
    return settings
