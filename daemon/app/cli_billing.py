"""Commands for whether an invoice is one and whose it is: duplicates, invoices whose amounts do
not add up and invoices whose customer is to choose, held for a person (payments:
``cli_payments``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, TypeVar

import typer

from daemon.app.cli_base import (
    CustomerArg,
    CustomerId,
    JsonOption,
    Reason,
    amounts_app,
    buyers_app,
    duplicates_app,
    fail,
    row_number,
    user,
    with_app,
)
from daemon.app.reporting import Reporter
from daemon.app.services import Facturier
from daemon.domain import finding_words
from daemon.domain.formatting import clipped
from daemon.domain.i18n import _, language, ngettext
from daemon.domain.identity import ComparedField, shown_value
from daemon.domain.labels import state_label
from daemon.domain.models import Invoice
from daemon.intake.amounts import DONE as AMOUNTS_DONE
from daemon.intake.amounts import AmountsDecision, HeldInvoice
from daemon.intake.buyers import HeldForCustomer
from daemon.intake.customer_records import described, told_apart
from daemon.intake.duplicates import DONE, Decision, DuplicatePair

H = TypeVar("H")

HeldId = Annotated[
    int,
    typer.Argument(parser=row_number, help="The held file's invoice #N (duplicates lists them)"),
]


def _side_by_side(pair: DuplicatePair) -> str:
    width = max(len(_(f.label)) for f in pair.fields)
    lines = [
        _("#{held} (held) beside #{earlier} ({state}), invoice {number}, {customer}").format(
            held=pair.held_id,
            earlier=pair.earlier_id,
            state=state_label(pair.earlier_state),
            number=pair.number,
            customer=pair.customer,
        ),
        f"  {'':{width}}  {_('Earlier invoice'):<30}  {_('Held file'):<30}",
    ]
    for f in pair.fields:
        sign = "≠" if f.differs else " "
        earlier, later = _shown_values(pair, f, 30)
        lines.append(f"{sign} {_(f.label):{width}}  {earlier:<30}  {later:<30}")
    differs = ", ".join(_(f.label) for f in pair.differences) or _("nothing but the file")
    lines.append(_("differs in: {fields}").format(fields=differs))
    return "\n".join(lines)


def _shown_values(pair: DuplicatePair, f: ComparedField, width: int) -> tuple[str, str]:
    """``f``'s earlier and later values as the operator reads them (amounts in each side's
    own currency), each cut to ``width``."""
    currency = {c.field: (c.earlier, c.later) for c in pair.fields}.get("currency", ("", ""))
    earlier, later = (
        clipped(shown_value(f.field, value, money, language()), width, middle=True)
        for value, money in ((f.earlier, currency[0]), (f.later, currency[1]))
    )
    return earlier, later


def differences_line(pair: DuplicatePair) -> str:
    """What a held file changes beside the earlier invoice, on one line (the demo)."""
    return ", ".join(
        "{label} {} → {}".format(*_shown_values(pair, f, 40), label=_(f.label))
        for f in pair.differences
    ) or _("nothing but the file")


@duplicates_app.callback(invoke_without_command=True)
def duplicates_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Files held because an invoice with the same seller, number and type was imported
    before: each beside the earlier one, with what differs."""
    if ctx.invoked_subcommand is None:
        _held_duplicates(as_json)


@duplicates_app.command("list")
def duplicates_list_command(as_json: JsonOption = False) -> None:
    """Files held because an invoice with the same seller, number and type was imported
    before: each beside the earlier one, with what differs."""
    _held_duplicates(as_json)


def _held_duplicates(as_json: bool) -> None:
    async def go(app_: Facturier) -> None:
        pairs = await app_.duplicates.held()
        report = Reporter(as_json)
        for pair in pairs:
            report.item(pair, _side_by_side(pair) + "\n")
        report.summary(
            {"held": len(pairs)},
            ngettext(
                "{count} file held as a possible duplicate",
                "{count} files held as possible duplicates",
                len(pairs),
            ).format(count=len(pairs)),
        )

    with_app(go)


@duplicates_app.command("show")
def duplicates_show(held: HeldId, as_json: JsonOption = False) -> None:
    """One held file beside the earlier invoice, field by field."""

    async def go(app_: Facturier) -> None:
        pair = await app_.duplicates.pair(held)
        Reporter(as_json).item(pair, _side_by_side(pair))

    with_app(go)


def _record(
    held: int, reason: str, done: str, decide: Callable[[Facturier], Awaitable[Invoice]]
) -> None:
    """A person's decision about a held invoice: ``decide`` applies it, then what it did
    (``done``, to translate) and where the invoice now stands are said."""
    if not reason.strip():
        fail(_("--reason: say why (it is kept with the decision)"))

    async def go(app_: Facturier) -> None:
        invoice = await decide(app_)
        typer.echo(
            _("invoice {number} (#{id}): {done}; now {state}").format(
                number=invoice.number, id=held, done=_(done), state=state_label(invoice.state)
            )
        )

    with_app(go)


def _decide(held: int, decision: Decision, reason: str) -> None:
    _record(
        held,
        reason,
        DONE[decision],
        lambda app_: app_.duplicates.decide(held, decision, by=user(), reason=reason),
    )


@duplicates_app.command("replace")
def duplicates_replace(held: HeldId, reason: Reason) -> None:
    """The held file replaces the earlier invoice: the earlier one is withdrawn (its unsent
    messages cancelled, no more reminders, its payments moved) and the held one is sent."""
    _decide(held, Decision.REPLACE, reason)


@duplicates_app.command("keep")
def duplicates_keep(held: HeldId, reason: Reason) -> None:
    """Two distinct documents that share a number: the held one is sent too."""
    _decide(held, Decision.KEEP, reason)


@duplicates_app.command("discard")
def duplicates_discard(held: HeldId, reason: Reason) -> None:
    """The held file is not sent; it stays on record with the decision."""
    _decide(held, Decision.DISCARD, reason)


HeldForAmounts = Annotated[
    int,
    typer.Argument(parser=row_number, help="The held invoice's #N (facturier amounts lists them)"),
]


def _lines(held: HeldInvoice) -> str:
    head = _("#{id} invoice {number}, {customer}").format(
        id=held.invoice_id, number=held.number, customer=held.customer
    )
    return "\n".join([head, *(f"  {finding_words.said(f)}" for f in held.findings)])


@amounts_app.callback(invoke_without_command=True)
def amounts_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Invoices held because a line's net amount is not its price times its quantity
    (allowances and charges applied): each with the lines that do not add up."""
    if ctx.invoked_subcommand is None:
        _held_for_amounts(as_json)


@amounts_app.command("list")
def amounts_list_command(as_json: JsonOption = False) -> None:
    """Invoices held because a line's net amount is not its price times its quantity
    (allowances and charges applied): each with the lines that do not add up."""
    _held_for_amounts(as_json)


def _held_for_amounts(as_json: bool) -> None:
    _list_held(
        as_json,
        lambda app_: app_.amounts.held(),
        _lines,
        lambda n: ngettext(
            "{count} invoice held because its amounts do not add up",
            "{count} invoices held because their amounts do not add up",
            n,
        ).format(count=n),
    )


def _list_held(
    as_json: bool,
    held: Callable[[Facturier], Awaitable[Sequence[H]]],
    lines: Callable[[H], str],
    count: Callable[[int], str],
) -> None:
    """Invoices held for a person, each as ``lines`` says it, then how many, as ``count``
    says a number of them."""

    async def go(app_: Facturier) -> None:
        found = await held(app_)
        report = Reporter(as_json)
        for one in found:
            report.item(one, lines(one) + "\n")
        report.summary({"held": len(found)}, count(len(found)))

    with_app(go)


def _decide_amounts(invoice_id: int, decision: AmountsDecision, reason: str) -> None:
    _record(
        invoice_id,
        reason,
        AMOUNTS_DONE[decision],
        lambda app_: app_.amounts.decide(invoice_id, decision, by=user(), reason=reason),
    )


@amounts_app.command("send")
def amounts_send(held: HeldForAmounts, reason: Reason) -> None:
    """The amounts are right as they stand (checked with the seller): the invoice goes out."""
    _decide_amounts(held, AmountsDecision.SEND, reason)


@amounts_app.command("discard")
def amounts_discard(held: HeldForAmounts, reason: Reason) -> None:
    """The invoice is not sent (the seller issues a corrected one); it stays on record."""
    _decide_amounts(held, AmountsDecision.DISCARD, reason)


HeldForCustomerId = Annotated[
    int,
    typer.Argument(parser=row_number, help="The held invoice's #N (facturier buyers lists them)"),
]


def _buyer_lines(held: HeldForCustomer) -> str:
    head = told_apart(
        _("#{id} invoice {number}, buyer {buyer}").format(
            id=held.invoice_id, number=held.number, buyer=held.buyer
        ),
        held.buyer_vat_id,
        held.buyer_identifier,
    )
    fits = [_("  fits {customer}").format(customer=c) for c in held.candidates] or [
        _("  fits no customer now: add it (customers add), then choose it")
    ]
    return "\n".join([head, *fits])


@buyers_app.callback(invoke_without_command=True)
def buyers_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Invoices held because their buyer fits several customers that nothing in the invoice
    tells apart (the same name, no identifier or VAT id to choose by): each with the
    customers it fits."""
    if ctx.invoked_subcommand is None:
        _held_for_customer(as_json)


@buyers_app.command("list")
def buyers_list_command(as_json: JsonOption = False) -> None:
    """Invoices held because their buyer fits several customers that nothing in the invoice
    tells apart (the same name, no identifier or VAT id to choose by): each with the
    customers it fits."""
    _held_for_customer(as_json)


def _held_for_customer(as_json: bool) -> None:
    _list_held(
        as_json,
        lambda app_: app_.buyers.held(),
        _buyer_lines,
        lambda n: ngettext(
            "{count} invoice held until a person says which customer it is for",
            "{count} invoices held until a person says which customer each is for",
            n,
        ).format(count=n),
    )


@buyers_app.command("choose")
def buyers_choose(
    held: HeldForCustomerId,
    customer: CustomerArg,
    reason: Reason,
    customer_id: CustomerId = None,
) -> None:
    """Say which customer a held invoice is for: it becomes that customer's and goes out to
    its invoice address, as an import would have sent it."""

    if not reason.strip():
        fail(_("--reason: say why (it is kept with the decision)"))

    async def go(app_: Facturier) -> None:
        found = await app_.customers.find(customer, customer_id=customer_id)
        assert found.id is not None
        invoice = await app_.buyers.choose(held, found.id, by=user(), reason=reason)
        typer.echo(
            _("invoice {number} (#{id}) is for {customer}; now {state}").format(
                number=invoice.number,
                id=held,
                customer=described(found),
                state=state_label(invoice.state),
            )
        )

    with_app(go)
