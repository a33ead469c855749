"""Commands for payments received: bank statements imported, payments listed, recorded by
hand, assigned to an invoice, reversed with a reason; an invoice's due day; an invoice
withdrawn before it went."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from daemon.app.cli_base import (
    InvoiceArg,
    InvoiceId,
    JsonOption,
    Reason,
    app,
    fail,
    payments_app,
    refuse_missing_paths,
    row_number,
    user,
    with_app,
)
from daemon.app.reporting import Reporter, mark
from daemon.app.services import Facturier
from daemon.domain.errors import ValidationError
from daemon.domain.formatting import amount as shown_amount
from daemon.domain.formatting import day, money
from daemon.domain.i18n import _, joined, language, ngettext
from daemon.domain.models import PaymentStatus
from daemon.domain.payment_words import shown_how, shown_payment
from daemon.domain.payments import still_owed
from daemon.domain.typed_amounts import read_amount, written_currency
from daemon.intake.payments import PaymentOutcome


def payment_line(file: str, o: PaymentOutcome) -> str:
    """One credit of a statement and what became of it (`payments import`, the demo)."""
    paid = f"{money(Decimal(o.amount), o.currency, language())} " if o.amount else ""
    return _("{file}, {where}: {amount}{outcome}: {detail}").format(
        file=file, where=o.where, amount=paid, outcome=_(o.status), detail=o.detail
    )


@payments_app.command("import")
def payments_import(
    files: Annotated[list[Path], typer.Argument(help="camt.053, camt.054 or CSV statements")],
    as_json: JsonOption = False,
) -> None:
    """Record the credits of bank statements and match them to invoices: by structured
    reference, then invoice number in the text, then amount and customer. Each match says how
    it was made; what matches nothing or pays too much waits for a person. A statement
    imported twice changes nothing."""
    refuse_missing_paths(files, folders=False)

    async def go(app_: Facturier) -> int:
        counts: Counter[str] = Counter()
        failed = 0
        with Reporter(as_json, "importing") as report:
            for result in await app_.payments.import_files(files, by=user()):
                if not result.ok:
                    failed += 1
                    report.item(result, f"{mark(False)} {result.error}")
                    continue
                for o in result.outcomes:
                    counts[o.status] += 1
                    report.item(o, payment_line(result.file, o))
        report.summary(
            {"files_failed": failed, **counts},
            _(
                "{applied} applied, {waiting} waiting for a person, {known} already imported, "
                "{skipped} skipped, {refused}"
            ).format(
                applied=counts["applied"],
                waiting=counts["waiting"],
                known=counts["already imported"],
                skipped=counts["skipped"],
                refused=ngettext("{count} file refused", "{count} files refused", failed).format(
                    count=failed
                ),
            ),
        )
        return failed

    if with_app(go):
        raise typer.Exit(1)


@payments_app.command("list")
def payments_list(
    waiting: Annotated[bool, typer.Option("--waiting", help="Only those waiting")] = False,
    as_json: JsonOption = False,
) -> None:
    """Payments received, newest first, with the invoices each pays and how it was matched."""

    async def go(app_: Facturier) -> None:
        rows = await app_.payments.payments(PaymentStatus.WAITING.value if waiting else None)
        report = Reporter(as_json)
        lang = language()
        for p in rows:
            paid = joined(
                f"{n} {money(a, p.currency, lang)} ({shown_how(how)})" for n, a, how in p.invoices
            )
            why = shown_payment(p.waiting_reason) or p.reversal or paid
            report.item(
                p,
                f"#{p.id} {day(p.received_on, lang)} {money(p.amount, p.currency, lang)} "
                f"{p.payer + ' ' if p.payer else ''}[{_(p.status)}] {why}",
            )
        report.summary(
            {"payments": len(rows)},
            ngettext("{count} payment", "{count} payments", len(rows)).format(count=len(rows)),
        )

    with_app(go)


@payments_app.command("record")
def payments_record(
    invoice: InvoiceArg,
    amount: Annotated[str | None, typer.Argument(help="Amount paid (default: the balance)")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Date received, YYYY-MM-DD")] = None,
    reference: Annotated[str | None, typer.Option(help="The payment's reference")] = None,
    reason: Reason = "",
    invoice_id: Annotated[
        int | None, typer.Option("--id", parser=row_number, help="Which invoice (#N)")
    ] = None,
) -> None:
    """Record a payment by hand for one invoice; partial payments add up."""
    if not reason.strip():
        fail(_("--reason: say where the payment was seen (it is recorded)"))
    try:
        paid = read_amount(amount) if amount else None
        written = written_currency(amount) if amount else None
    except ValidationError as exc:
        fail(str(exc))
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        fail(_("--on: {on} is not a YYYY-MM-DD date").format(on=on))

    async def go(app_: Facturier) -> None:
        inv = await app_.queries.find_invoice(invoice, invoice_id=invoice_id)
        assert inv.id is not None
        payment = await app_.payments.record_by_hand(
            inv.id,
            paid,
            received_on=day or app_.today(),
            reference=reference,
            by=user(),
            reason=reason,
            currency=written,
        )
        now = await app_.queries.invoice(inv.id)
        owed = still_owed(now)
        said = _(
            "payment #{id} of {amount} {currency} on invoice {number}: {state}, "
            "{owed} {currency} owed"
        ).format(
            id=payment.id,
            amount=shown_amount(payment.amount, language()),
            currency=payment.currency,
            number=now.number,
            state=_(now.payment_state),
            owed=shown_amount(owed, language()),
        )
        if owed < 0:  # paid beyond what it owes: the queue's overpaid item says so too
            said += _(
                " ({over} {currency} more than it owed: in the attention queue until paid "
                "back, kept as credit, or the payment reversed)"
            ).format(over=shown_amount(-owed, language()), currency=payment.currency)
        typer.echo(said)

    with_app(go)


@payments_app.command("assign")
def payments_assign(
    payment: Annotated[int, typer.Argument(parser=row_number, help="The waiting payment's #N")],
    invoices: Annotated[
        list[str],
        typer.Argument(help="The invoice number(s) it pays ('NUMBER #N' when several share one)"),
    ],
    reason: Reason,
) -> None:
    """Apply a waiting payment to the invoices it pays."""

    async def go(app_: Facturier) -> None:
        ids = []
        for number in invoices:
            found = await app_.queries.find_invoice_named(number)
            assert found.id is not None
            ids.append(found.id)
        await app_.payments.assign(payment, ids, by=user(), reason=reason)
        typer.echo(
            _("payment #{id} applied to {numbers}").format(id=payment, numbers=", ".join(invoices))
        )

    with_app(go)


@payments_app.command("reverse")
def payments_reverse(
    payment: Annotated[int, typer.Argument(parser=row_number, help="The payment's #N")],
    reason: Reason,
) -> None:
    """Take a payment back (returned, or recorded by mistake): its invoices owe it again."""

    async def go(app_: Facturier) -> None:
        await app_.payments.reverse(payment, by=user(), reason=reason)
        typer.echo(_("payment #{id} reversed").format(id=payment))

    with_app(go)


@app.command("due")
def due_command(
    invoice: InvoiceArg,
    on: Annotated[str, typer.Argument(help="The day payment is due, YYYY-MM-DD")],
    reason: Annotated[
        str, typer.Option(help="Where the day comes from: the invoice's terms, an agreement")
    ],
    invoice_id: InvoiceId = None,
) -> None:
    """Set the day an invoice's payment is due: reminders count the days from it. For an
    invoice that states none (its terms in words only), or terms agreed since; recorded on
    the invoice with who and why."""
    try:
        due = date.fromisoformat(on)
    except ValueError:
        fail(_("{on} is not a YYYY-MM-DD date").format(on=on))

    async def go(app_: Facturier) -> None:
        inv = await app_.queries.find_invoice(invoice, invoice_id=invoice_id)
        assert inv.id is not None
        await app_.set_due_date(inv.id, due, by=user(), reason=reason)
        typer.echo(
            _("invoice {number}: due {day}").format(number=inv.number, day=day(due, language()))
        )

    with_app(go)


@app.command("withdraw")
def withdraw_command(
    invoice: InvoiceArg,
    reason: Annotated[str, typer.Option(help="Why it is withdrawn (recorded on the invoice)")],
    invoice_id: InvoiceId = None,
) -> None:
    """Withdraw an invoice that has not reached its customer (imported by mistake, or
    cancelled by its seller before it went): its messages not yet sent are cancelled, it is
    never sent, reminded or counted as owed, and stays recorded with who and why. One that
    reached the customer is cancelled by a credit note instead."""

    async def go(app_: Facturier) -> None:
        inv = await app_.queries.find_invoice(invoice, invoice_id=invoice_id)
        assert inv.id is not None
        cancelled = await app_.withdraw(inv.id, by=user(), reason=reason)
        typer.echo(
            ngettext(
                "invoice {number}: withdrawn; {count} message not yet sent cancelled",
                "invoice {number}: withdrawn; {count} messages not yet sent cancelled",
                cancelled,
            ).format(number=inv.number, count=cancelled)
        )

    with_app(go)
