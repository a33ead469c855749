"""Commands for the figures and the central-address campaign: `facturier report`,
`facturier campaign …`."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated

import typer

from daemon.app.cli_base import (
    DATE_METAVAR,
    JsonOption,
    app,
    campaign_app,
    fail,
    request_number,
    user,
    with_app,
)
from daemon.app.report import BusinessReport
from daemon.app.reporting import Reporter, emit, mark
from daemon.app.services import Facturier
from daemon.domain.event_words import reason_label
from daemon.domain.formatting import day, days, percent
from daemon.domain.i18n import _, language, ngettext
from daemon.domain.labels import campaign_label, request_state_label
from daemon.domain.models import RequestState

Day = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], metavar=DATE_METAVAR, help="YYYY-MM-DD")
]


def _pct(value: float | None) -> str:
    return percent(value, language())


def _days(value: float | None) -> str:
    return days(value, language())


def report_lines(r: BusinessReport) -> list[str]:
    """The report as the operator reads it, one figure a line."""
    lang = language()
    period = (
        f"{day(r.start, lang) if r.start else '…'} → {day(r.end, lang) if r.end else '…'}"
        if r.start or r.end
        else _("all, from the first invoice to the last")
    )
    lines = [
        _("Period (issue dates): {period}").format(period=period),
        _("E-invoice adoption: {share} of customers ({counts})").format(
            share=_pct(r.adoption),
            counts=", ".join(f"{_(k)} {v}" for k, v in r.customers_by_channel.items()) or "0",
        ),
        _("Invoices by channel: {counts}").format(
            counts=", ".join(f"{_(k)} {v}" for k, v in r.invoices_by_channel.items()) or "0"
        ),
        _("Customers on a central invoice mailbox: {share}").format(share=_pct(r.central_share)),
        _("Central-address campaign: {figures}").format(
            figures=", ".join(f"{campaign_label(k)} {v}" for k, v in r.campaign.items())
        ),
        _("Delivery outcomes: {counts}").format(
            counts=", ".join(f"{_(k)} {v}" for k, v in r.delivery_outcomes.items()) or "0"
        ),
        _("Bounce reasons: {counts}").format(
            counts=", ".join(f"{reason_label(k)} {v}" for k, v in r.bounce_reasons.items()) or "0"
        ),
        _("Days to pay (invoices paid; mean / median from issue; from the due date):"),
    ]
    for d in r.days_to_pay:
        figures = _("{mean_issue} / {median_issue}; {mean_due} / {median_due}").format(
            mean_issue=_days(d.mean_from_issue),
            median_issue=_days(d.median_from_issue),
            mean_due=_days(d.mean_from_due),
            median_due=_days(d.median_from_due),
        )
        lines.append(f"  {_(d.group):<36} {d.invoices:>6}  {figures}")
    lines.append(
        ngettext(
            "Late-payment rate: {rate} of {count} invoice due",
            "Late-payment rate: {rate} of {count} invoices due",
            r.due_counted,
        ).format(rate=_pct(r.late_payment_rate), count=r.due_counted)
    )
    return lines


@app.command("report")
def report(
    start: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], metavar=DATE_METAVAR, help="First issue date"),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], metavar=DATE_METAVAR, help="Last issue date"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The figures the business case rests on: e-invoice adoption, central-mailbox share,
    campaign progress, delivery outcomes and bounce reasons, days to pay (by channel, by
    central versus personal mailbox, before and after a move to a central one), late-payment
    rate."""
    if start and end and start > end:
        fail(_("--from {start} is after --to {end}").format(start=start.date(), end=end.date()))

    async def go(app_: Facturier) -> None:
        r = await app_.report.build(start.date() if start else None, end.date() if end else None)
        if as_json:
            emit(dataclasses.asdict(r))
            return
        for line in report_lines(r):
            typer.echo(line)

    with_app(go)


@campaign_app.command("central-address")
def campaign_central_address(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say whom, send nothing")] = False,
    as_json: JsonOption = False,
) -> None:
    """Ask each customer whose invoices go to a person for a shared invoice mailbox; ask
    again those who have not answered after [campaign] ask_again_after_days, at most
    max_requests times. Answers are read from the bounce mailbox."""

    async def go(app_: Facturier) -> int:
        r = await app_.campaign.run(by=user(), dry_run=dry_run)
        out = Reporter(as_json)
        for a in r.asked:
            out.item(
                a,
                _("asked: {customer} at {email} (request {n})").format(
                    customer=a.customer, email=a.email, n=a.attempt
                ),
            )
        for customer, why in r.held_back:
            said = _("{customer}: {why}").format(customer=customer, why=why)
            out.item({"customer": customer, "held_back": why}, f"  {said}")
        for customer, why in r.failed:
            said = _("{customer}: {why}").format(customer=customer, why=why)
            out.item({"customer": customer, "failed": why}, f"{mark(False)} {said}")
        out.summary(
            {"asked": len(r.asked), "held_back": len(r.held_back), "failed": len(r.failed)},
            _("{asked} asked, {held} not this time, {failed} failed").format(
                asked=len(r.asked), held=len(r.held_back), failed=len(r.failed)
            ),
        )
        return len(r.failed)

    if with_app(go):
        raise typer.Exit(1)


@campaign_app.command("list")
def campaign_list(
    answered: Annotated[
        bool, typer.Option("--answered", help="Only answers waiting for a person")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Every request: to whom, how many times, and what came of it."""

    async def go(app_: Facturier) -> None:
        rows = await app_.campaign.requests()
        if answered:
            waiting = (RequestState.PROPOSED.value, RequestState.ANSWERED.value)
            rows = [r for r in rows if r.state in waiting]
        out = Reporter(as_json)
        for r in rows:
            said = f" → {r.proposed_email}" if r.proposed_email else ""
            state = request_state_label(r.state)
            out.item(r, f"R{r.id} {r.customer} <{r.sent_to}> x{r.attempts} [{state}]{said}")
        out.summary(
            {"requests": len(rows)},
            ngettext("{count} request", "{count} requests", len(rows)).format(count=len(rows)),
        )

    with_app(go)


@campaign_app.command("confirm")
def campaign_confirm(
    request: Annotated[
        int,
        typer.Argument(
            parser=request_number,
            help="The request's number, as campaign list writes it (R12, or 12)",
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why the address is right (logged)")],
    email: Annotated[
        str | None, typer.Option(help="The address, where the answer gives none to propose")
    ] = None,
) -> None:
    """The proposed address becomes the customer's invoice address (a shared mailbox),
    logged with the customer's answer as its source."""

    async def go(app_: Facturier) -> None:
        row, done = await app_.campaign.confirm(request, by=user(), reason=reason, email=email)
        typer.echo(_("{customer}: {said}").format(customer=row.customer, said=done.said()))

    with_app(go)


@campaign_app.command("reject")
def campaign_reject(
    request: Annotated[
        int,
        typer.Argument(
            parser=request_number,
            help="The request's number, as campaign list writes it (R12, or 12)",
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why (logged)")],
) -> None:
    """The answer's address is not taken."""

    async def go(app_: Facturier) -> None:
        row = await app_.campaign.reject(request, by=user(), reason=reason)
        typer.echo(_("request R{id} rejected").format(id=row.id))

    with_app(go)
