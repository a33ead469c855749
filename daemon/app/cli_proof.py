"""Commands for the proof: the archive's check and signed head, an invoice's proof package
and its check without the database; an invoice's PDF, to print."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from daemon.app.cli_base import (
    InvoiceArg,
    InvoiceId,
    JsonOption,
    app,
    archive_app,
    fail,
    guarded,
    refuse_missing_paths,
    user,
    with_app,
)
from daemon.app.reporting import Reporter, checked, emit, problems_found
from daemon.app.services import Facturier
from daemon.domain.i18n import _


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


@app.command("pdf")
def pdf(
    invoice: InvoiceArg,
    out: Annotated[
        Path, typer.Option(help="Folder to write it in, or the file's name (never overwritten)")
    ] = Path("."),
    reason: Annotated[str, typer.Option(help="Why (noted on the invoice)")] = "",
    invoice_id: InvoiceId = None,
) -> None:
    """Write an invoice's PDF, to print it (for a customer on paper): the Factur-X PDF as
    imported, or the readable PDF made from a CII or UBL invoice; noted on the invoice."""

    async def go(app_: Facturier) -> None:
        inv = await app_.queries.find_invoice(invoice, invoice_id=invoice_id)
        assert inv.id is not None
        typer.echo(str(await app_.write_pdf(inv.id, out, by=user(), reason=reason)))

    with_app(go)


def _verify_package(package: Path, key: str | None, as_json: bool) -> int:
    from daemon.outbound.proof_verify import verify_package

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
