"""Commands for the attention queue: what needs a person, an item dealt with, a message tied
by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from daemon.app.cli_base import (
    JsonOption,
    queue_app,
    row_number,
    user,
    with_app,
)
from daemon.app.reporting import Reporter
from daemon.app.services import Facturier
from daemon.domain.attention import AttentionKind
from daemon.domain.formatting import moment
from daemon.domain.i18n import _, ngettext
from daemon.domain.labels import kind_label


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
                    at=moment(i.at, app_.zone),
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
