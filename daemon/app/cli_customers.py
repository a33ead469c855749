"""Commands for customers and their invoice addresses: add, import, set the invoice address,
mark an address deliverable or shared, the channel, edit, show, list; each change recorded with
who, when and why."""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Annotated

import typer

from daemon.app.cli_base import (
    DATE_METAVAR,
    CustomerArg,
    CustomerId,
    JsonOption,
    customers_app,
    refuse_missing_paths,
    user,
    with_app,
)
from daemon.app.queries import CustomerRow
from daemon.app.reporting import Reporter, counted, emit
from daemon.app.services import Facturier
from daemon.domain.event_words import shown
from daemon.domain.formatting import moment
from daemon.domain.i18n import _, joined
from daemon.domain.labels import change_value, field_label
from daemon.domain.models import Channel
from daemon.intake.customer_records import described

log = logging.getLogger(__name__)


@customers_app.command("add")
def customers_add(
    name: Annotated[str, typer.Argument(help="The customer's name, as its invoices name it")],
    email: Annotated[str | None, typer.Option(help="Central invoice mailbox")] = None,
    copy: Annotated[list[str] | None, typer.Option(help="Copy recipient (repeatable)")] = None,
    vat_id: Annotated[str | None, typer.Option(help="Its VAT id (BT-48)")] = None,
    identifier: Annotated[
        str | None, typer.Option(help="The identifier the seller gives it (BT-46)")
    ] = None,
    language: Annotated[str, typer.Option(help="fr or en: the language of its emails")] = "fr",
) -> None:
    """Create a customer with its invoice address and copies. A customer already recorded
    (the same identifier or VAT id, or the same name with nothing to tell them apart) is
    refused, naming it: give it its address with set-address."""
    from daemon.intake.customers import NewCustomer

    async def go(app_: Facturier) -> None:
        c = await app_.customers.add(
            NewCustomer(name, email, tuple(copy or ()), vat_id, identifier, language),
            changed_by=user(),
        )
        typer.echo(_("customer #{id} {name}").format(id=c.id, name=c.name))

    with_app(go)


@customers_app.command("import")
def customers_import(
    file: Annotated[Path, typer.Argument(help="The CSV file (UTF-8)")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what it would do; write nothing")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create or update customers from a CSV (, or ; separated, UTF-8):
    name,invoice_email,copy_emails,vat_id,identifier,language. A row matches a known customer
    by identifier, VAT id, then name and invoice address; all rows are written, or none."""
    refuse_missing_paths([file], folders=False)

    async def go(app_: Facturier) -> None:
        rows = await app_.customers.import_csv(file, changed_by=user(), dry_run=dry_run)
        report = Reporter(as_json)
        for r in rows:
            said = f"{_(r.outcome)} #{r.customer_id} {r.name}"
            if r.detail:
                said = _("{customer}: {why}").format(customer=said, why=r.detail)
            report.item(r, _("{file}: {said}").format(file=f"{file}:{r.line}", said=said))
        counts = {o: sum(r.outcome == o for r in rows) for o in ("created", "updated", "unchanged")}
        summary = ", ".join(counted(n, _(o)) for o, n in counts.items())
        report.summary(
            {**counts, "dry_run": dry_run},
            summary + (" " + _("(dry run: nothing was written)") if dry_run else ""),
        )

    with_app(go)


@customers_app.command("set-address")
def customers_set_address(
    customer: CustomerArg,
    email: Annotated[str, typer.Argument(help="Its new central invoice mailbox")],
    reason: Annotated[str, typer.Option(help="Why the address changes (logged)")],
    customer_id: CustomerId = None,
) -> None:
    """Change a customer's central invoice mailbox (logged with who, when and why).
    CUSTOMER is a VAT id, an identifier, a name, or #N."""

    async def go(app_: Facturier) -> None:
        c = await app_.customers.find(customer, customer_id=customer_id)
        assert c.id is not None
        done = await app_.customers.set_invoice_address(
            c.id, email, changed_by=user(), reason=reason
        )
        if done.changed or done.on_paper:
            typer.echo(_("{customer}: {said}").format(customer=c.name, said=done.said()))
        else:
            typer.echo(
                _("{customer}: {email} is already the invoice address; unchanged").format(
                    customer=c.name, email=done.address.email
                )
            )

    with_app(go)


@customers_app.command("deliverable")
def customers_deliverable(
    customer: CustomerArg,
    email: Annotated[str, typer.Argument(help="The address that takes mail again")],
    reason: Annotated[str, typer.Option(help="Why it works again (logged)")],
    customer_id: CustomerId = None,
) -> None:
    """Mark an address that bounced deliverable again (logged with who, when and why)."""

    async def go(app_: Facturier) -> None:
        c = await app_.customers.find(customer, customer_id=customer_id)
        assert c.id is not None
        address = await app_.customers.mark_deliverable(
            c.id, email, changed_by=user(), reason=reason
        )
        typer.echo(
            _("{customer}: {email} is deliverable again").format(
                customer=c.name, email=address.email
            )
        )

    with_app(go)


@customers_app.command("shared")
def customers_shared(
    customer: CustomerArg,
    email: Annotated[str, typer.Argument(help="Its invoice address")],
    reason: Annotated[str, typer.Option(help="How you know who reads it (logged)")],
    person: Annotated[
        bool, typer.Option("--person", help="It is a person's mailbox, not a shared one")
    ] = False,
    customer_id: CustomerId = None,
) -> None:
    """Say whether an invoice address is a shared invoice mailbox (the default) or a
    person's (--person); logged with who, when and why."""

    async def go(app_: Facturier) -> None:
        c = await app_.customers.find(customer, customer_id=customer_id)
        assert c.id is not None
        changed = await app_.customers.mark_shared(
            c.id, email, not person, changed_by=user(), reason=reason
        )
        what = _("a person's mailbox") if person else _("a shared invoice mailbox")
        said = (
            _("{customer}: {email} is now {what}")
            if changed
            else _("{customer}: {email} was {what} already")
        )
        typer.echo(said.format(customer=c.name, email=email, what=what))

    with_app(go)


@customers_app.command("channel")
def customers_channel(
    customer: CustomerArg,
    channel: Annotated[
        Channel, typer.Argument(case_sensitive=False, help="email (e-invoices) or paper")
    ],
    reason: Annotated[str, typer.Option(help="Why (logged)")],
    consent_on: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            metavar=DATE_METAVAR,
            help="When it agreed to e-invoices (YYYY-MM-DD)",
        ),
    ] = None,
    consent_source: Annotated[
        str | None, typer.Option(help="Where its agreement is (a signed form, an email…)")
    ] = None,
    customer_id: CustomerId = None,
) -> None:
    """Record how a customer receives invoices: email (e-invoices, with its consent) or
    paper."""

    async def go(app_: Facturier) -> None:
        c = await app_.customers.find(customer, customer_id=customer_id)
        assert c.id is not None
        _customer, invoices = await app_.customers.set_channel(
            c.id,
            channel,
            consent_on=consent_on.date() if consent_on else None,
            consent_source=consent_source,
            changed_by=user(),
            reason=reason,
        )
        said = _("{customer}: invoices by {channel}").format(customer=c.name, channel=_(channel))
        typer.echo(
            _("{said}; {more}").format(said=said, more=joined(invoices)) if invoices else said
        )

    with_app(go)


@customers_app.command("show")
def customers_show(
    customer: CustomerArg, customer_id: CustomerId = None, as_json: JsonOption = False
) -> None:
    """One customer: addresses by role (central, undeliverable, retired) and their history.
    CUSTOMER is a VAT id, an identifier, a name, or #N."""

    async def go(app_: Facturier) -> None:
        c = await app_.customers.find(customer, customer_id=customer_id)
        assert c.id is not None
        for row in await app_.queries.customers(c.id):
            if as_json:
                emit(row)
            else:
                _print_customer(row, app_.zone)

    with_app(go)


@customers_app.command("edit")
def customers_edit(
    customer: CustomerArg,
    reason: Annotated[str, typer.Option(help="Why the customer changes (logged)")],
    language: Annotated[
        str | None, typer.Option(help="fr or en: the language of its emails")
    ] = None,
    identifier: Annotated[str | None, typer.Option(help="The seller's identifier for it")] = None,
    add_copy: Annotated[
        list[str] | None, typer.Option(help="Copy address to add (repeatable)")
    ] = None,
    remove_copy: Annotated[
        list[str] | None, typer.Option(help="Copy address to remove (repeatable)")
    ] = None,
    customer_id: CustomerId = None,
) -> None:
    """Change a customer's language, identifier or copy addresses (logged with who, when
    and why). The invoice address changes with set-address."""

    async def go(app_: Facturier) -> None:
        c = await app_.customers.find(customer, customer_id=customer_id)
        assert c.id is not None
        changes = await app_.customers.edit(
            c.id,
            changed_by=user(),
            reason=reason,
            language=language,
            identifier=identifier,
            add_copies=tuple(add_copy or ()),
            remove_copies=tuple(remove_copy or ()),
        )
        typer.echo(
            _("{name}: {why}").format(
                name=c.name, why=joined(changes) if changes else _("nothing changed")
            )
        )

    with_app(go)


@customers_app.command("list")
def customers_list(as_json: JsonOption = False) -> None:
    """Customers, their addresses and the address-change log."""

    async def go(app_: Facturier) -> None:
        for c in await app_.queries.customers():
            if as_json:
                emit(c)
                continue
            _print_customer(c, app_.zone)

    with_app(go)


def _print_customer(c: CustomerRow, zone: tzinfo) -> None:
    """``c`` and its addresses, and its address-change log, times in ``zone`` (the business's)."""
    on_paper = " — " + _("invoices on paper") if c.channel == "paper" else ""
    typer.echo(f"{described(c)} — {c.language}{on_paper}")
    for a in c.addresses:
        flags = (
            [field_label(a.role)]
            + ([_("central mailbox")] if a.central_mailbox else [])
            + ([_("undeliverable").upper()] if a.undeliverable else [])
            + ([] if a.active else [_("retired")])
        )
        typer.echo(f"    {a.email} [{', '.join(flags)}]")
    for h in c.history:
        typer.echo(
            f"    {moment(h.at, zone)} "
            + _("{field}: {old} → {new} by {who} ({source}) {why}").format(
                field=field_label(h.field),
                old=change_value(h.old, h.field),
                new=change_value(h.new, h.field),
                who=h.who,
                source=h.source,
                why=shown(h.why),
            )
        )
