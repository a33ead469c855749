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
from daemon.app.cli_report import report_lines
from daemon.app.demo_samples import SampleCredit, SampleInvoice, sample_camt053, sample_pdf
from daemon.app.services import Facturier
from daemon.domain.errors import ValidationError
from daemon.domain.formatting import clipped
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


def _late_invoice(number: str, buyer: str, buyer_id: str, vat: str | None, net: Decimal) -> bytes:
    """A Factur-X invoice issued 40 days ago, due 10 days ago."""
    today = date.today()
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
                customer, changed_by="demo", source="demo", reason="demo customer"
            )
        inbox = workdir / "to-import"
        inbox.mkdir()
        today = date.today()
        for number, buyer, buyer_id, vat, net in INVOICES:
            (inbox / f"{number}.pdf").write_bytes(_late_invoice(number, buyer, buyer_id, vat, net))
        for r in await app.ingest.import_paths([inbox]):
            print(f"imported  {Path(r.file).name}: {r.message}")
        # the same invoice re-exported with another amount: held for a person, not sent
        number, buyer, buyer_id, vat, net = INVOICES[0]
        again = workdir / "re-exported"
        again.mkdir()
        (again / f"{number}-v2.pdf").write_bytes(
            _late_invoice(number, buyer, buyer_id, vat, net + Decimal("100"))
        )
        for r in await app.ingest.import_paths([again]):
            print(f"imported  {Path(r.file).name}: {r.message}")
        for pair in await app.duplicates.held():
            differs = ", ".join(
                f"{f.label} {clipped(f.earlier, 40, middle=True)} → "
                f"{clipped(f.later, 40, middle=True)}"
                for f in pair.differences
            )
            print(f"duplicate #{pair.held_id} beside #{pair.earlier_id}: {differs}")
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
            print(f"imported  {Path(r.file).name}: {r.message}")
        for o in await app.send_due():
            print(f"sent      delivery {o.delivery_id}: {o.state} — {o.detail}")
        report = await app.poll_bounces()
        print(
            f"bounces   {report.fetched} read: {report.applied} applied, "
            f"{report.unrecognized} unrecognized"
        )
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
        for result in await app.payments.import_files([statement], by="demo"):
            for paid in result.outcomes:
                print(
                    f"payment   {statement.name}, {paid.where}: {paid.amount} {paid.status}: "
                    f"{paid.detail}"
                )
        reminders = await app.reminders.run()
        for sent in reminders.sent:
            print(
                f"reminder  level {sent.level} to {sent.customer} <{sent.recipient}>: "
                f"{', '.join(sent.invoices)}"
            )
        for held in reminders.held_back:
            print(f"reminder  held back: {held.invoice} ({held.customer}): {held.why}")
        await app.send_due()
        await app.poll_bounces()
        print()
        for line in report_lines(await app.report.build()):
            print(f"report    {line}")
        lines = []
        for row in await app.queries.invoices():
            due = row.due_date.isoformat() if row.due_date else "-"
            lines.append(
                f"{row.number:<14} {row.customer:<20} {row.total:>9} {row.currency}  "
                f"due {due}  {row.state.upper()}  {row.payment_state}"
            )
        return lines
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
    sandbox = SandboxServer(
        workdir / "mail" / "customers", workdir / "mail" / "bounces", defer_domains={GREYLISTED}
    ).start()
    try:
        settings = demo_settings(workdir, sandbox.port)
        lines = asyncio.run(_demo(workdir, settings, sandbox))
    finally:
        sandbox.stop()
    print("\nFinal state of each invoice:")
    for line in lines:
        print("  " + line)
    command = sys.argv[0] if Path(sys.argv[0]).name == "facturier" else "facturier"
    print(
        f"\nEverything is in {workdir}; look around with:\n"
        f"  {shlex.quote(command)} --config {shlex.quote(str(workdir / 'facturier.toml'))} tui"
    )
    return settings
