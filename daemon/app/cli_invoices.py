"""Commands for invoices and their delivery: import, send, poll, remind, paid, dispute, status,
resend, figures (the archive and proof: ``cli_proof``; the attention queue: ``cli_queue``)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from daemon.app.cli_base import (
    DATE_METAVAR,
    InvoiceArg,
    InvoiceId,
    JsonOption,
    app,
    fail,
    refuse_missing_paths,
    user,
    with_app,
)
from daemon.app.invoice_list import InvoiceRow
from daemon.app.invoice_view import detail_lines
from daemon.app.reporting import Reporter, counted, emit, mark
from daemon.app.services import Facturier
from daemon.domain.event_words import reason_label, shown
from daemon.domain.formatting import clipped, day, money
from daemon.domain.i18n import N_, _, joined, language, ngettext
from daemon.domain.labels import state_label
from daemon.domain.states import InvoiceState
from daemon.inbound.bounces import PollReport
from daemon.intake.ingest import ImportResult
from daemon.outbound.outcomes import SendOutcome
from daemon.outbound.reminders import ReminderReport


def import_line(r: ImportResult, file: str) -> str:
    """What importing one file did (`import`, the demo)."""
    return _("{file}: {said}").format(file=file, said=r.message)


def send_line(o: SendOutcome) -> str:
    """What became of one delivery handed to the relay (`send`, the demo)."""
    return _("delivery {id}: {state} {detail}").format(
        id=o.delivery_id, state=state_label(o.state), detail=shown(o.detail)
    )


def poll_line(r: PollReport) -> str:
    """What one reading of the bounce mailbox did (`poll-bounces`, the demo)."""
    return _(
        "fetched {fetched}: applied {applied}, unrecognized {unrecognized}, "
        "quarantined {quarantined}, already seen {skipped}"
    ).format(
        fetched=r.fetched,
        applied=r.applied,
        unrecognized=r.unrecognized,
        quarantined=r.quarantined,
        skipped=r.skipped,
    )


def reminder_lines(r: ReminderReport) -> list[str]:
    """Each reminder sent and each held back, with why (`remind`, the demo)."""
    sent = (
        _("would send: level {level} to {customer} ({email}): {numbers}")
        if r.dry_run
        else _("sent: level {level} to {customer} ({email}): {numbers}")
    )
    lines = [
        sent.format(
            level=s.level, customer=s.customer, email=s.recipient, numbers=", ".join(s.invoices)
        )
        for s in r.sent
    ]
    lines.extend(
        _("held back: invoice {number} of {customer}, level {level}: {why}").format(
            number=h.invoice,
            customer=h.customer,
            level=h.level,
            why=_(h.why) + (f" ({h.detail})" if h.detail else ""),
        )
        for h in r.held_back
    )
    return lines


BY_TERMS = N_("* due by the seller's terms in the settings: the invoice states no due date")


def status_line(r: InvoiceRow) -> str:
    """One invoice, its total, due day and delivery state (`status`, the demo); a day its
    seller's terms give, where it states none, marked with :data:`BY_TERMS`'s star."""
    lang = language()
    total = money(r.total, r.currency, lang)
    due = day(r.due_date, lang)
    if r.due_by_terms is not None:
        due = day(r.due_by_terms, lang) + "*"
    return (
        f"{r.number:<22} {clipped(r.customer, 28):<28} {total:>15} "
        + _("due {day}").format(day=f"{due:<11}")
        + f" {state_label(r.state)}"
    )


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders")],
    as_json: JsonOption = False,
) -> None:
    """Import e-invoices (Factur-X/ZUGFeRD PDF, CII or UBL XML). Failed files stay put.
    Each file is reported as it is done (with a progress bar on a terminal)."""
    refuse_missing_paths(paths)

    async def go(app_: Facturier) -> int:
        with Reporter(as_json, "importing") as report:
            results = await app_.ingest.import_paths(
                paths,
                lambda r, done, total: report.item(
                    r, f"{mark(r.ok)} {import_line(r, r.file)}", done, total
                ),
            )
        failed = sum(not r.ok for r in results)
        held = sum(r.held for r in results)
        amounts = sum(r.amounts_held for r in results)
        customers = sum(r.customer_held for r in results)
        parts = [
            ", ".join(
                (
                    ngettext("{count} imported", "{count} imported", len(results) - failed).format(
                        count=len(results) - failed
                    ),
                    ngettext("{count} rejected", "{count} rejected", failed).format(count=failed),
                )
            )
        ]
        if held:
            parts.append(
                ngettext(
                    "{count} held as a possible duplicate of an invoice already imported "
                    "(facturier duplicates)",
                    "{count} held as possible duplicates of invoices already imported "
                    "(facturier duplicates)",
                    held,
                ).format(count=held)
            )
        if amounts:
            parts.append(
                ngettext(
                    "{count} held because its amounts do not add up (facturier amounts)",
                    "{count} held because their amounts do not add up (facturier amounts)",
                    amounts,
                ).format(count=amounts)
            )
        if customers:
            parts.append(
                ngettext(
                    "{count} held because its buyer fits several customers (facturier buyers)",
                    "{count} held because their buyer fits several customers (facturier buyers)",
                    customers,
                ).format(count=customers)
            )
        line = joined(parts)
        report.summary(
            {
                "imported": len(results) - failed,
                "rejected": failed,
                "held": held,
                "amounts_held": amounts,
                "customer_held": customers,
            },
            line,
        )
        return failed

    if with_app(go):
        raise typer.Exit(1)


@app.command("send")
def send(as_json: JsonOption = False) -> None:
    """Send every delivery that is due now, then exit."""

    async def go(app_: Facturier) -> None:
        with Reporter(as_json, "sending") as report:
            done: list[SendOutcome] = []

            def sent(o: SendOutcome) -> None:
                done.append(o)
                report.item(o, send_line(o), len(done))

            outcomes = await app_.send_due(sent)
        states = {
            s: sum(o.state == s for o in outcomes) for s in sorted({o.state for o in outcomes})
        }
        report.summary(
            {"sent": len(outcomes), **states},
            ngettext(
                "{count} delivery: {outcomes}", "{count} deliveries: {outcomes}", len(outcomes)
            ).format(
                count=len(outcomes),
                outcomes=", ".join(counted(n, state_label(s)) for s, n in states.items())
                or _("none due"),
            ),
        )

    with_app(go)


@app.command("poll-bounces")
def poll_bounces(as_json: JsonOption = False) -> None:
    """Read the bounce mailbox once and apply what it says."""

    async def go(app_: Facturier) -> None:
        with Reporter(as_json, "reading bounces") as report:

            def read(r: PollReport) -> None:
                if report.shows_progress:
                    report.progress(r.fetched)

            r = await app_.poll_bounces(read)
        if as_json:
            return emit(r)
        typer.echo(poll_line(r))

    with_app(go)


@app.command("remind")
def remind(
    today: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], metavar=DATE_METAVAR, help="The day to remind as of (YYYY-MM-DD)"
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say who would be reminded; queue nothing")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Queue the payment reminders due today (each level once per invoice)."""
    day = today.date() if today else None

    async def go(app_: Facturier) -> None:
        r = await app_.reminders.run(day, dry_run=dry_run)
        if as_json:
            return emit(
                {
                    "dry_run": dry_run,
                    "queued": r.queued,
                    "skipped_undeliverable": r.skipped_undeliverable,
                    "sent": [dataclasses.asdict(s) for s in r.sent],
                    "held_back": [dataclasses.asdict(h) for h in r.held_back],
                }
            )
        for line in reminder_lines(r):
            typer.echo(line)
        typer.echo(
            ", ".join(
                (
                    (
                        ngettext(
                            "{count} reminder would be queued",
                            "{count} reminders would be queued",
                            r.queued,
                        )
                        if dry_run
                        else ngettext(
                            "{count} reminder queued", "{count} reminders queued", r.queued
                        )
                    ).format(count=r.queued),
                    ngettext("{count} held back", "{count} held back", len(r.held_back)).format(
                        count=len(r.held_back)
                    ),
                )
            )
        )

    with_app(go)


@app.command("paid")
def paid(
    invoice: InvoiceArg,
    reason: Annotated[str, typer.Option(help="Where the payment was seen (recorded)")] = (
        "marked paid"
    ),
    invoice_id: InvoiceId = None,
) -> None:
    """Record that an invoice was paid in full today (a payment by hand of its balance; for
    a date, an amount or a reference, use `payments record`)."""

    async def go(app_: Facturier) -> None:
        inv = await app_.mark_paid(invoice, invoice_id=invoice_id, by=user(), reason=reason)
        typer.echo(_("invoice {number} marked paid").format(number=inv.number))

    with_app(go)


@app.command("dispute")
def dispute(
    invoice: InvoiceArg,
    reason: Annotated[str, typer.Option(help="What is disputed, or how it was settled")],
    close: Annotated[bool, typer.Option("--close", help="The dispute is over")] = False,
    invoice_id: InvoiceId = None,
) -> None:
    """Mark an invoice in dispute (no reminders go out for it), or close the dispute."""

    async def go(app_: Facturier) -> None:
        inv = await app_.queries.find_invoice(invoice, invoice_id=invoice_id)
        assert inv.id is not None
        await app_.dispute(inv.id, by=user(), reason=reason, close=close)
        said = _("dispute closed") if close else _("in dispute")
        typer.echo(_("invoice {number}: {state}").format(number=inv.number, state=said))

    with_app(go)


@app.command("status")
def status(
    invoice: Annotated[
        str | None,
        typer.Argument(
            help="One invoice, all it went through: recipients, events, what came back, "
            "payments, decisions"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    only: Annotated[
        InvoiceState | None,
        typer.Option("--state", case_sensitive=False, help="Only invoices in this state"),
    ] = None,
    invoice_id: InvoiceId = None,
) -> None:
    """Each invoice's delivery state; or one invoice's, whole."""

    async def one(app_: Facturier) -> None:
        assert invoice is not None
        found = await app_.queries.find_invoice(invoice, invoice_id=invoice_id)
        assert found.id is not None
        detail = await app_.queries.invoice_detail(found.id)
        if as_json:
            emit(detail)
        else:
            typer.echo("\n".join(detail_lines(detail, language(), app_.zone)))

    if invoice is not None:
        with_app(one)
        return

    async def go(app_: Facturier) -> None:
        rows = await app_.queries.invoices(only.value if only else None)
        for r in rows:
            if as_json:
                typer.echo(json.dumps(r.to_json(), ensure_ascii=False))
            else:
                typer.echo(status_line(r))
        if not as_json and any(r.due_by_terms for r in rows):
            typer.echo(_(BY_TERMS))

    with_app(go)


@app.command("resend")
def resend(
    invoice: InvoiceArg,
    reason: Annotated[str, typer.Option(help="Why it is sent again (recorded)")],
    to: Annotated[
        str | None,
        typer.Option("--to", help="Recipient address (default: the customer's invoice address)"),
    ] = None,
    invoice_id: InvoiceId = None,
) -> None:
    """Send an invoice again on purpose; recorded with who asked and why."""
    if not reason.strip():
        fail(_("--reason: say why the invoice is sent again"))

    async def go(app_: Facturier) -> None:
        inv = await app_.queries.find_invoice(invoice, invoice_id=invoice_id)
        assert inv.id is not None
        d = await app_.resend(inv.id, by=user(), reason=reason, to=to)
        typer.echo(
            _("invoice {number}: re-send to {email} queued ({message_id})").format(
                number=inv.number, email=d.recipient, message_id=d.message_id
            )
        )

    with_app(go)


@app.command("figures")
def figures(
    days: Annotated[int, typer.Option(min=1, max=366, help="How many days back")] = 30,
    as_json: JsonOption = False,
) -> None:
    """What became of the messages, day by day, and why bounces bounced."""

    async def go(app_: Facturier) -> None:
        f = await app_.figures.deliveries(days)
        if as_json:
            return emit(
                {"days": [str(d) for d in f.days], "outcomes": f.outcomes, "reasons": f.reasons}
            )
        lang = language()
        typer.echo(
            _("{first} to {last}:").format(first=day(f.days[0], lang), last=day(f.days[-1], lang))
        )
        for outcome, total in f.totals.items():
            typer.echo(f"  {_(outcome):<10} {total:>7}")
        if f.reasons:
            typer.echo(_("bounce reasons:"))
        for reason, count in f.reasons.items():
            typer.echo(f"  {reason_label(reason):<36} {count:>7}")

    with_app(go)
