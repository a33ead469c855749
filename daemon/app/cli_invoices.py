"""Commands for invoices and their delivery: import, send, poll, remind, status, proof."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from daemon.app.cli_base import (
    DATE_METAVAR,
    InvoiceArg,
    JsonOption,
    app,
    archive_app,
    fail,
    guarded,
    queue_app,
    refuse_missing_paths,
    row_number,
    user,
    with_app,
)
from daemon.app.invoice_list import InvoiceRow
from daemon.app.invoice_view import detail_lines
from daemon.app.reporting import Reporter, checked, counted, emit, mark, problems_found
from daemon.app.services import Facturier
from daemon.domain.attention import AttentionKind
from daemon.domain.event_words import reason_label, shown
from daemon.domain.formatting import clipped, day, money
from daemon.domain.i18n import _, joined, language, ngettext
from daemon.domain.labels import kind_label, state_label
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


def status_line(r: InvoiceRow) -> str:
    """One invoice, its total, due day and delivery state (`status`, the demo)."""
    lang = language()
    total = money(r.total, r.currency, lang)
    return (
        f"{r.number:<22} {clipped(r.customer, 28):<28} {total:>15} "
        + _("due {day}").format(day=f"{day(r.due_date, lang):<10}")
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


InvoiceId = Annotated[
    int | None,
    typer.Option(
        "--id", parser=row_number, help="Which invoice, when several share the number (their #N)"
    ),
]


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
            typer.echo("\n".join(detail_lines(detail, language())))

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

    with_app(go)


@archive_app.command("verify")
def archive_verify(as_json: JsonOption = False) -> None:
    """Check every archived message, the chains of what went out and what came in (notices,
    address changes), and both against the signed heads exported outside the database;
    exit 1 naming any bad entry."""

    async def go(app_: Facturier) -> int:
        count, links, problems = await app_.verify_chains()
        report = Reporter(as_json)
        report.problems(problems)
        report.summary(
            {"checked": count, "ledger": links, "problems": len(problems)},
            f"{checked(count, links)}, {problems_found(len(problems))}",
        )
        return len(problems)

    if with_app(go):
        raise typer.Exit(1)


@archive_app.command("export-head")
def archive_export_head(as_json: JsonOption = False) -> None:
    """Write the signed head of the chains to [archive] head_export now (the daemon does it
    every head_export_minutes), and mail it to head_auditor when one is set."""

    async def go(app_: Facturier) -> None:
        path = await app_.export_head()
        if as_json:
            emit({"file": str(path) if path else None})
        else:
            typer.echo(str(path) if path else _("nothing new since the last head"))

    with_app(go)


@app.command("proof")
def proof(
    invoice: Annotated[str, typer.Argument(help="The invoice's number, or verify")],
    package: Annotated[
        Path | None, typer.Argument(help="With verify: the proof package to check")
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Folder for the proof package, or the package's name (….zip)")
    ] = Path("proof"),
    reason: Annotated[str, typer.Option(help="Why it is exported (noted on the invoice)")] = "",
    key: Annotated[
        str | None,
        typer.Option(help="With verify: the public key (hex) the package must be signed with"),
    ] = None,
    invoice_id: InvoiceId = None,
    as_json: JsonOption = False,
) -> None:
    """Write the proof package of an invoice: one zip with the messages sent, every notice
    received for them, the relay's replies, the address history in effect at each send, the
    chain entries and their check, a readable summary, and a signed manifest. Who exported
    it, where and why is noted on the invoice's timeline.

    `facturier proof verify FILE` checks a package without the database (an invoice
    numbered "verify" is exported with --id)."""
    if invoice == "verify" and package is not None:
        raise typer.Exit(_verify_package(package, key, as_json))

    async def go(app_: Facturier) -> None:
        inv = await app_.queries.find_invoice(invoice, invoice_id=invoice_id)
        assert inv.id is not None
        for path in await app_.export_proof(inv.id, out, by=user(), reason=reason):
            if as_json:
                emit({"file": str(path)})
            else:
                typer.echo(str(path))

    with_app(go)


def _verify_package(package: Path, key: str | None, as_json: bool) -> int:
    from daemon.outbound.proof_package import verify_package

    if key is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", key):
        fail(_("--key: an Ed25519 public key is 64 hexadecimal digits"))
    refuse_missing_paths([package], folders=False)
    check = guarded(lambda: verify_package(package, key.lower() if key else None))
    report = Reporter(as_json)
    report.problems(check.problems)
    verdict = _("intact") if not check.problems else problems_found(len(check.problems))
    if check.invoice is None:  # no manifest read: nothing in it to name
        said = _("{file}: not read as a proof package: {verdict}").format(
            file=package, verdict=verdict
        )
    else:
        said = _("{file}: invoice {invoice}, {files} files, signed by key {key}: {verdict}")
        said = said.format(
            file=package, invoice=check.invoice, files=check.files, key=check.key, verdict=verdict
        )
    report.summary(
        {
            "invoice": check.invoice,
            "files": check.files,
            "key": check.key,
            "problems": len(check.problems),
        },
        said,
    )
    return 1 if check.problems else 0


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


@queue_app.command("list")
def queue_list(
    kind: Annotated[
        AttentionKind | None, typer.Option(case_sensitive=False, help="Only items of this kind")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Everything that needs a person, newest first: why, and what to do."""

    async def go(app_: Facturier) -> None:
        items = await app_.attention.items(kind)
        report = Reporter(as_json)
        for i in items:
            about = " ".join(
                part
                for part in (
                    _("invoice {number}").format(number=i.invoice_number)
                    if i.invoice_number
                    else "",
                    i.customer or "",
                )
                if part
            )
            # the kind by name, and as the word `queue dismiss` and `--kind` take
            line = (
                _("{at} {kind} ({word} #{ref}) {about}: {why}")
                if about
                else _("{at} {kind} ({word} #{ref}): {why}")
            )
            report.item(
                i,
                line.format(
                    at=f"{i.at:%Y-%m-%d %H:%M}",
                    kind=kind_label(i.kind),
                    word=i.kind,
                    ref=i.ref,
                    about=about,
                    why=i.why,
                )
                + "\n"
                f"    → {_(i.hint)}",
            )
        report.summary(
            {"open": len(items)},
            ngettext(
                "{count} item needs a person", "{count} items need a person", len(items)
            ).format(count=len(items)),
        )

    with_app(go)


@queue_app.command("dismiss")
def queue_dismiss(
    kind: Annotated[
        AttentionKind,
        typer.Argument(case_sensitive=False, help="The item's kind, as queue list shows it"),
    ],
    ref: Annotated[
        int, typer.Argument(parser=row_number, help="The item's #N, as queue list shows it")
    ],
    reason: Annotated[str, typer.Option(help="How it was dealt with (recorded)")],
) -> None:
    """Take an item out of the queue: a reply handled, a message dismissed, a tie checked.
    Recorded with who, when and how."""

    async def go(app_: Facturier) -> None:
        await app_.attention.resolve(kind, ref, by=user(), how=reason)
        typer.echo(
            _("{kind} #{ref}: dealt with ({reason})").format(
                kind=kind.value, ref=ref, reason=reason
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


@queue_app.command("tie")
def queue_tie(
    message: Annotated[
        int, typer.Argument(parser=row_number, help="The unrecognized or quarantined item's #N")
    ],
    number: Annotated[str, typer.Argument(help="The invoice number it is about")],
    reason: Annotated[str, typer.Option(help="Why it is about this invoice (recorded)")],
    invoice_id: Annotated[
        int | None,
        typer.Option("--id", parser=row_number, help="The invoice's #N when the number is shared"),
    ] = None,
) -> None:
    """Tie an inbound message the reader could not tie to the invoice it is about: what it
    says is applied, and who tied it and why is recorded."""

    async def go(app_: Facturier) -> None:
        delivery = await app_.tie_message(
            message, number, invoice_id=invoice_id, by=user(), reason=reason
        )
        typer.echo(
            _("message #{ref} tied to invoice {number}, recipient {email}").format(
                ref=message, number=number, email=delivery.recipient
            )
        )

    with_app(go)
