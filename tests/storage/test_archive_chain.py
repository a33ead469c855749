"""Archive integrity and proof: `facturier archive verify`, `proof`, `resend`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import select
from typer.testing import CliRunner

from config import Settings
from daemon.app.cli import app as cli
from daemon.app.services import Facturier
from daemon.domain.models import ArchiveEntry, Delivery
from daemon.intake.customers import NewCustomer
from daemon.outbound.proof import append_entries, verify_archive
from daemon.store.db import transaction
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file


async def _three_sent(app: Facturier, tmp_path: Path) -> None:
    await app.customers.add(
        NewCustomer("Dupont", "f@dupont.example", (), None, "C-1"), changed_by="t"
    )
    await app.ingest.import_paths([invoice_file(tmp_path / "in", f"AR-{i}") for i in range(3)])
    await app.send_due()


async def _flip_a_byte_of_the_second(app: Facturier) -> ArchiveEntry:
    """Alter the second archived message by one bit, as a disk or a hand would."""
    async with app.ctx.sessions() as session:
        second = (await session.exec(select(ArchiveEntry).where(ArchiveEntry.seq == 2))).one()
    path = Path(second.path)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return second


async def test_verify_passes_then_names_a_flipped_byte(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _three_sent(app, tmp_path)
    count, problems = await verify_archive(app.ctx.sessions, app.ctx.archive)
    assert (count, problems) == (3, [])
    await _flip_a_byte_of_the_second(app)
    _, problems = await verify_archive(app.ctx.sessions, app.ctx.archive)
    assert [p.seq for p in problems] == [2] and "altered" in str(problems[0].problem)


async def test_archive_verify_names_each_problem_in_the_admins_language_and_json_in_english(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A French admin reads what `archive verify` found in French; the JSON a script reads
    says the same in English whatever the admin's language."""
    await _three_sent(app, tmp_path)
    second = await _flip_a_byte_of_the_second(app)
    config = tmp_path / "facturier.toml"
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), "archive", "verify", *args])
        assert result.exit_code == 1, result.output
        return result.output

    said = await asyncio.to_thread(run)
    assert f"BAD entrée n° 2 ({second.sha256[:16]}…) : l'entrée d'archive" in said
    assert "a été modifiée" in said and "altered" not in said
    as_json = [json.loads(line) for line in (await asyncio.to_thread(run, "--json")).splitlines()]
    assert as_json[0] == {
        "problem": f"entry #2 ({second.sha256[:16]}…): archive entry {second.sha256} "
        "has been altered"
    }


async def test_verify_names_a_removed_and_an_inserted_entry(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _three_sent(app, tmp_path)
    # removing the middle entry's file and row: the chain breaks at the entry after it
    async with app.ctx.sessions() as session:
        middle = (await session.exec(select(ArchiveEntry).where(ArchiveEntry.seq == 2))).one()
    async with transaction(app.ctx.sessions) as session:
        await session.exec(
            update(Delivery)
            .where(Delivery.archive_entry_id == middle.id)  # type: ignore[call-overload]
            .values(archive_entry_id=None)
        )
        await session.exec(delete(ArchiveEntry).where(ArchiveEntry.id == middle.id))  # type: ignore[call-overload]
    _, problems = await verify_archive(app.ctx.sessions, app.ctx.archive)
    assert any(p.seq == 3 and "missing" in str(p.problem) for p in problems)
    assert any(p.seq is None and "not in the chain" in str(p.problem) for p in problems)

    # an extra file slipped into the archive folder is named too
    stray = app.ctx.archive.store(b"forged message")
    _, problems = await verify_archive(app.ctx.sessions, app.ctx.archive)
    assert any(stray.sha256 == p.sha256 for p in problems)


async def test_verify_names_a_delivery_pointed_at_another_ones_message(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A delivery pointed at another delivery's archive entry (the chain itself intact):
    named, since ``proof`` would export that other message as this delivery's."""
    await app.customers.add(
        NewCustomer("Dupont", "f@dupont.example", (), None, "C-1"), changed_by="t"
    )
    await app.customers.add(
        NewCustomer("Martin", "compta@martin.example", (), None, "C-2"), changed_by="t"
    )
    await app.ingest.import_paths(
        [
            invoice_file(tmp_path / "in", "AP-1", "Dupont", "C-1"),
            invoice_file(tmp_path / "in", "AP-2", "Martin", "C-2"),
        ]
    )
    await app.send_due()
    assert (await verify_archive(app.ctx.sessions, app.ctx.archive))[1] == []
    async with app.ctx.sessions() as session:
        first, second = (await session.exec(select(Delivery).order_by(Delivery.id))).all()  # type: ignore[arg-type]
    async with transaction(app.ctx.sessions) as session:
        await session.exec(
            update(Delivery)
            .where(Delivery.id == second.id)  # type: ignore[call-overload]
            .values(archive_entry_id=first.archive_entry_id)
        )
    _, problems = await verify_archive(app.ctx.sessions, app.ctx.archive)
    [problem] = problems
    assert f"delivery #{second.id} points at it" in str(problem.problem)
    assert "Message-ID" in str(problem.problem)

    # the same Message-ID (taken from the first, which is given another), another recipient:
    # named too, and the first no longer matches its own entry either
    async with transaction(app.ctx.sessions) as session:
        await session.exec(
            update(Delivery)
            .where(Delivery.id == first.id)  # type: ignore[call-overload]
            .values(message_id="<moved@acme.example>")
        )
        await session.exec(
            update(Delivery)
            .where(Delivery.id == second.id)  # type: ignore[call-overload]
            .values(message_id=first.message_id)
        )
    _, problems = await verify_archive(app.ctx.sessions, app.ctx.archive)
    assert len(problems) == 2
    problem = next(p for p in problems if f"delivery #{second.id}" in str(p.problem))
    assert "to compta@martin.example points at it" in str(problem.problem)
    assert "addressed to f@dupont.example" in str(problem.problem)


def test_cli_verify_exit_codes_proof_and_resend(
    settings_path: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        r = runner.invoke(cli, ["--config", str(settings_path), *args])
        return r.exit_code, r.output

    assert (
        run("customers", "add", "Dupont", "--email", "f@dupont.example", "--identifier", "C-1")[0]
        == 0
    )
    assert run("import", str(invoice_file(tmp_path / "in", "PR-1")))[0] == 0
    code, out = run("send")
    assert code == 0 and out.splitlines()[-1] == "1 delivery: 1 accepted", out  # not "deliveries"
    assert run("poll-bounces")[0] == 0
    code, out = run("archive", "verify")
    # one message out; in: its delivery report; address changes: the one address added
    assert code == 0 and "1 entry checked, 2 ledger links checked, no problems" in out

    code, out = run("proof", "PR-1", "--out", str(tmp_path / "proof"))
    assert code == 0, out
    package = tmp_path / "proof" / "proof-PR-1.zip"
    assert out.strip() == str(package) and stat.S_IMODE(package.stat().st_mode) == 0o600
    with zipfile.ZipFile(package) as z:
        proof = json.loads(z.read("proof.json"))
        [delivery] = proof["deliveries"]
        assert delivery["archived"]["seq"] == 1
        assert delivery["relay_reply"]["code"] == 250
        assert "queued as" in delivery["relay_reply"]["text"]
        assert [e["event"] for e in delivery["events"]][-1] == "delivered"
        eml = z.read(delivery["archived"]["file"])
        assert hashlib.sha256(eml).hexdigest() == delivery["archived"]["sha256"]
        [notice] = proof["notices"]  # the delivery report, as received
        assert "Successful Mail Delivery Report" in z.read(notice["file"]).decode()
        assert delivery["address_changes_in_effect"] == [proof["address_changes"][0]["id"]]
        assert "PR-1" in z.read("summary.html").decode()
    code, out = run("proof", "verify", str(package))
    assert code == 0 and "intact" in out, out
    # named as a zip, the package is written under that name, not in a folder of it
    named = tmp_path / "dispute" / "PR-1 for the court.zip"
    code, out = run("proof", "PR-1", "--out", str(named))
    assert code == 0 and out.strip() == str(named) and zipfile.is_zipfile(named), out
    assert run("proof", "verify", str(named))[0] == 0

    code, out = run("resend", "PR-1", "--to", "f@dupont.example", "--reason", "")
    assert code == 2 and "--reason" in out
    code, out = run("resend", "PR-1", "--to", "f@dupont.example", "--reason", "lost by customer")
    assert code == 0, out
    assert run("send")[0] == 0
    assert len(sandbox.received("f@dupont.example")) == 2
    code, out = run("archive", "verify")
    assert "2 entries checked, 2 ledger links checked, no problems" in out


async def test_two_instances_appending_at_once_keep_one_unbroken_chain(
    app: Facturier, settings: Settings
) -> None:
    """Two instances (separate connections) archive at the same moment: no position is
    taken twice and the chain verifies."""
    other = await Facturier.open(settings, migrate=False)
    try:

        async def archive_many(instance: Facturier, tag: str) -> None:
            for i in range(40):
                copy = instance.ctx.archive.store(f"message {tag}-{i}".encode())
                async with transaction(instance.ctx.sessions) as session:
                    await append_entries(session, [(copy, f"<{tag}-{i}@acme.example>")])

        await asyncio.gather(archive_many(app, "a"), archive_many(other, "b"))
    finally:
        await other.close()
    count, problems = await verify_archive(app.ctx.sessions, app.ctx.archive)
    assert (count, problems) == (80, [])


def test_every_reporting_command_speaks_json_lines(
    settings_path: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """For scripts: --json gives one JSON object per line on every command that reads or
    reports, with a summary object where the command counts."""
    runner = CliRunner()

    def lines(*args: str) -> list[dict[str, Any]]:
        r = runner.invoke(cli, ["--config", str(settings_path), *args, "--json"])
        assert r.exit_code == 0, r.output
        return [json.loads(line) for line in r.output.splitlines()]

    runner.invoke(
        cli,
        [
            "--config",
            str(settings_path),
            "customers",
            "add",
            "Dupont",
            "--email",
            "f@dupont.example",
            "--identifier",
            "C-1",
        ],
    )
    imported = lines("import", str(invoice_file(tmp_path / "in", "JS-1")))
    assert imported[0]["ok"] and imported[0]["number"] == "JS-1"
    assert imported[-1] == {
        "summary": {
            "imported": 1,
            "rejected": 0,
            "held": 0,
            "amounts_held": 0,
            "customer_held": 0,
        }
    }
    sent = lines("send")
    assert sent[0]["state"] == "accepted" and sent[-1]["summary"]["accepted"] == 1
    [polled] = lines("poll-bounces")
    assert polled["applied"] == 1
    [reminded] = lines("remind")
    assert reminded["queued"] == 0
    [status] = lines("status")
    assert status["number"] == "JS-1" and status["state"] == "delivered"
    assert lines("archive", "verify") == [{"summary": {"checked": 1, "ledger": 2, "problems": 0}}]
    proof = lines("proof", "JS-1", "--out", str(tmp_path / "proof"))
    assert all(Path(p["file"]).exists() for p in proof)
    [figures] = lines("figures", "--days", "7")
    assert len(figures["days"]) == 7 and sum(figures["outcomes"]["delivered"]) == 1
    [customer] = lines("customers", "list")
    assert customer["name"] == "Dupont" and customer["addresses"][0]["email"] == "f@dupont.example"
    assert lines("buyers") == [{"summary": {"held": 0}}]


async def test_proof_names_its_files_safely_whatever_the_address_and_number(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """An address holding "/" (RFC 5322 atext allows it) and a long number with "/" in it:
    the proof's files are written inside the folder asked for, each name short enough."""
    await app.customers.add(
        NewCustomer("Dupont", "compta/factures@dupont.example", (), None, "C-1"), changed_by="t"
    )
    number = "FA/2026/" + "7" * 92  # 100 characters, the longest number taken
    [result] = await app.ingest.import_paths([invoice_file(tmp_path / "in", number, name="x.pdf")])
    assert result.ok, result.message
    await app.send_due()
    out = tmp_path / "proof"
    [package] = await app.export_proof(result.invoice_id or 0, out, by="t", reason="dispute")
    assert package.parent == out and len(package.name) <= 100
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
    [eml] = [n for n in names if n.endswith(".eml")]
    assert eml.startswith("messages/") and "compta_factures@dupont.example" in eml
    assert all(".." not in n and not n.startswith("/") and len(n) <= 120 for n in names)
