"""Commands for mail that passes filters: the DKIM key, and the sender domain's DNS."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from daemon.app.cli_base import JsonOption, app, fail, guarded, settings
from daemon.app.reporting import TO_FIX, Reporter, mark
from daemon.domain.i18n import _

dkim_app = typer.Typer(help="DKIM signing of outgoing mail.", no_args_is_help=True)
app.add_typer(dkim_app, name="dkim")


@dkim_app.command("keygen")
def dkim_keygen(
    out: Annotated[Path, typer.Option(help="Where to write the private key (owner-only)")],
    selector: Annotated[str, typer.Option(help="The selector the key is published under")],
    kind: Annotated[str, typer.Option("--type", help="rsa or ed25519")] = "rsa",
    bits: Annotated[int, typer.Option(help="RSA key size")] = 2048,
    domain: Annotated[str | None, typer.Option(help="Default: the sender's domain")] = None,
) -> None:
    """Make a DKIM key and print the DNS record to publish. Publish both an RSA and an
    Ed25519 key to sign with Ed25519 (RFC 8463 advises it: not every receiver checks it)."""
    from mailer.dkim import new_key

    if kind not in ("rsa", "ed25519"):
        fail(_("--type: rsa or ed25519"))
    if kind == "rsa" and not 2048 <= bits <= 4096:
        # RFC 8301 3.2: verifiers refuse fewer than 1024 bits and need check no more than
        # 4096; a longer key is a signature some receivers never verify
        fail(_("--bits: 2048 to 4096 (RFC 8301: receivers verify keys of 1024 to 4096 bits)"))
    if out.exists():
        fail(_("{path} exists: a key is never overwritten").format(path=out))
    domain = domain or settings().sender.address.rsplit("@", 1)[-1]
    pem, key = new_key(kind, bits)

    def write() -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)

    guarded(write)
    typer.echo(key.dns_record(selector, domain))
    typer.echo(
        _('then set [dkim] selector = "{selector}" and key_file = "{path}"').format(
            selector=selector, path=out
        ),
        err=True,
    )


@app.command("check-domain")
def check_domain_command(
    ip: Annotated[
        list[str] | None,
        typer.Option(help="The relay's public address (default: the smtp host's addresses)"),
    ] = None,
    nameserver: Annotated[
        str | None,
        typer.Option(help="Ask this DNS server (an address or a name, with :port if not 53)"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Read the sender domain's SPF, DKIM and DMARC records and say whether invoices will
    pass: aligned SPF or DKIM, with what to fix; exit 1 when they will not."""
    from daemon.app.domain_check import check_domain, resolver_for

    for address in ip or []:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            fail(_("--ip: {value} is not an IPv4 or IPv6 address").format(value=address))
    resolver = guarded(lambda: resolver_for(nameserver))  # a name is looked up now
    s = settings()

    def run() -> int:
        ips = ip or sorted(
            {str(a[4][0]) for a in socket.getaddrinfo(s.smtp.host, None, proto=socket.IPPROTO_TCP)}
        )
        found = check_domain(s, ips, resolver)
        report = Reporter(as_json)
        for f in found:
            text = f"{mark(f.ok, TO_FIX)} {f.topic:7} {f.said}" + (
                f"\n     → {f.fix}" if f.fix else ""
            )
            report.item({"topic": f.topic, "ok": f.ok, "said": f.said, "fix": f.fix}, text)
        return 0 if all(f.ok for f in found if f.topic == "verdict") and found else 1

    raise typer.Exit(guarded(run, s))
