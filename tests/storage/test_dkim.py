"""Mail that passes filters: every message signed with DKIM before it is archived (the
archived bytes are the bytes sent), the signature checked by dkimpy and by OpenDKIM, an
independent verifier, against a DNS server the test starts; check-domain reads SPF, DKIM and
DMARC from it and says what to fix."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import dkim
import dns.resolver
import pytest
from typer.testing import CliRunner

from config import load_settings
from daemon.app.cli import app as cli
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from mailer.dkim import new_key
from tests.conftest import unavailable
from tests.dns_server import dns_server
from tests.helpers import invoice_file, write_config

SELECTOR = "inv2026"
VERIFIER_DNS = "127.0.53.53"  # OpenDKIM asks the system resolver: port 53 only


def _config(tmp_path: Path, db_url: str, port: int, kind: str) -> tuple[Path, str]:
    pem, key = new_key(kind)
    key_file = tmp_path / f"dkim-{kind}.pem"
    key_file.write_bytes(pem)
    config = write_config(
        tmp_path,
        db_url,
        port,
        extra=f'[dkim]\nselector = "{SELECTOR}"\nkey_file = "{key_file.name}"\n',
    )
    record = key.dns_record(SELECTOR, "acme.example").split('"')[1]
    return config, record


def _opendkim_verifies(
    message: bytes, record: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """OpenDKIM's own verifier (opendkim-testmsg, libopendkim) on ``message``, its resolver
    pointed at a DNS server holding ``record``, in a mount namespace of its own."""
    missing = [t for t in ("opendkim-testmsg", "unshare", "mount") if shutil.which(t) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed (apt-get install opendkim-tools)")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {VERIFIER_DNS}\n")
    try:
        server = dns_server(
            {(f"{SELECTOR}._domainkey.acme.example", "TXT"): [record]}, VERIFIER_DNS, 53
        )
        running = server.__enter__()
    except OSError as exc:
        unavailable(f"cannot serve DNS on {VERIFIER_DNS}:53 ({exc}): needs root")
    try:
        return subprocess.run(
            [
                "unshare",
                "--mount",
                "sh",
                "-c",
                f"mount --bind {resolv} /etc/resolv.conf && exec opendkim-testmsg",
            ],
            input=message.decode("latin-1"),
            capture_output=True,
            text=True,
            timeout=30,
            encoding="latin-1",
        )
    finally:
        running.stop()


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
async def test_every_message_is_signed_before_it_is_archived(
    tmp_path: Path, db_url: str, sandbox: SandboxServer, kind: str
) -> None:
    config, record = _config(tmp_path, db_url, sandbox.port, kind)
    app = await Facturier.open(load_settings(config))
    try:
        await app.customers.add(
            NewCustomer("Dupont", "f@dupont.example", ("copie@dupont.example",), None, "C-1"),
            changed_by="t",
        )
        await app.ingest.import_paths([invoice_file(tmp_path / "in", "DK-1")])
        await app.send_due()
        sent = sandbox.received("f@dupont.example")[0]
        inv = await app.queries.find_invoice("DK-1")
        assert inv.id is not None
        [archived, _copy] = await app.archived_messages(inv.id)
        assert app.ctx.archive.read(archived.sha256) == sent  # the bytes sent, signed
    finally:
        await app.close()
    assert sent.startswith(b"DKIM-Signature: ")
    algorithm = b"a=ed25519-sha256" if kind == "ed25519" else b"a=rsa-sha256"
    assert algorithm in sent.split(b"\r\n\r\n", 1)[0]

    def lookup(name: bytes, timeout: int = 5) -> bytes:
        assert name == f"{SELECTOR}._domainkey.acme.example.".encode()
        return record.encode()

    assert dkim.verify(sent, dnsfunc=lookup)
    assert not dkim.verify(sent.replace(b"DK-1", b"DK-2"), dnsfunc=lookup)
    checked = _opendkim_verifies(sent, record, tmp_path)
    assert checked.returncode == 0 and checked.stdout == "", checked
    tampered = _opendkim_verifies(sent.replace(b"Dupont", b"Durand"), record, tmp_path)
    assert tampered.returncode != 0


def test_check_domain_says_what_passes_and_what_to_fix(
    tmp_path: Path, db_url: str, sandbox: SandboxServer
) -> None:
    config, record = _config(tmp_path, db_url, sandbox.port, "ed25519")
    runner = CliRunner()
    zone: dict[tuple[str, str], list[str]] = {
        ("acme.example", "TXT"): ["v=spf1 ip4:192.0.2.10 -all"],
        (f"{SELECTOR}._domainkey.acme.example", "TXT"): [record],
        ("_dmarc.acme.example", "TXT"): ["v=DMARC1; p=reject; adkim=s"],
    }

    def check(*ips: str) -> tuple[int, str]:
        with dns_server(zone) as server:
            args = ["--config", str(config), "check-domain", "--nameserver", server.address]
            result = runner.invoke(cli, [*args, *(a for ip in ips for a in ("--ip", ip))])
        dns.resolver.default_resolver = None  # what check-domain set, for the next tests
        return result.exit_code, result.output

    code, out = check("192.0.2.10")
    assert code == 0 and "DMARC passes: SPF and DKIM aligned with acme.example" in out, out
    code, out = check("198.51.100.7")  # not in the SPF record: DKIM alone carries it
    assert code == 0 and "SPF for bounces@acme.example from 198.51.100.7: fail" in out, out
    assert "add ip4:198.51.100.7" in out and "DMARC passes: DKIM aligned" in out
    del zone[(f"{SELECTOR}._domainkey.acme.example", "TXT")]
    code, out = check("198.51.100.7")
    assert code == 1 and "DMARC fails" in out and f"publish: {SELECTOR}._domainkey" in out, out
    del zone[("acme.example", "TXT")], zone[("_dmarc.acme.example", "TXT")]
    code, out = check("192.0.2.10")
    assert code == 1 and "no SPF record at acme.example" in out and "no DMARC record" in out


@pytest.mark.parametrize(
    ("option", "value"), [("--ip", "not-an-ip"), ("--nameserver", "127.0.0.1:notaport")]
)
def test_check_domain_names_a_bad_option(settings_path: Path, option: str, value: str) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(settings_path), "check-domain", option, value]
    )
    assert result.exit_code == 2 and f"{option}: {value}" in result.output, result.output
