"""The proof package: one zip a third party checks without the database, and that names what
was changed in it."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from daemon.app.cli import app as cli
from daemon.app.services import Facturier
from daemon.domain.signing import fingerprint, public_hex, sign
from daemon.intake.customers import NewCustomer
from daemon.outbound.proof_verify import verify_package
from daemon.store.keys import signing_key
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file

Members = dict[str, bytes]


async def _package(app: Facturier, tmp_path: Path) -> Path:
    """The package of an invoice sent to a dead domain: the message, the bounce as received,
    and the address changes (added, then marked undeliverable by the bounce)."""
    await app.customers.add(
        NewCustomer("Martin", "c@martin.invalid", (), None, "C-2"), changed_by="t"
    )
    [r] = await app.ingest.import_paths([invoice_file(tmp_path / "in", "PP-1", "Martin", "C-2")])
    await app.send_due()
    await app.poll_bounces()
    [package] = await app.export_proof(r.invoice_id or 0, tmp_path / "out", by="t", reason="x")
    return package


def _members(package: Path) -> Members:
    with zipfile.ZipFile(package) as z:
        return {n: z.read(n) for n in z.namelist()}


def _rewrite(package: Path, members: Members) -> None:
    with zipfile.ZipFile(package, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def _manifest(members: Members) -> dict:  # type: ignore[type-arg]
    return json.loads(members["manifest.json"])  # type: ignore[no-any-return]


def _eml(members: Members) -> str:
    return next(n for n in members if n.startswith("messages/"))


def _changed_message(m: Members) -> None:
    name = _eml(m)
    m[name] = m[name].replace(b"Subject: ", b"Subject: [altered] ", 1)


def _changed_and_relisted(m: Members) -> None:
    _changed_message(m)
    signed = _manifest(m)
    name = _eml(m)
    signed["manifest"]["files"][name] = hashlib.sha256(m[name]).hexdigest()
    m["manifest.json"] = json.dumps(signed).encode()


def _resigned_by_another_key(m: Members) -> None:
    """Everything made consistent again, signed with a key that is not the installation's."""
    name = _eml(m)
    _changed_message(m)
    proof = json.loads(m["proof.json"])
    proof["deliveries"][0]["archived"]["sha256"] = hashlib.sha256(m[name]).hexdigest()
    m["proof.json"] = json.dumps(proof).encode()
    signed = _manifest(m)
    other = Ed25519PrivateKey.generate()
    manifest = signed["manifest"]
    manifest["public_key"] = public_hex(other)
    manifest["files"] = {
        n: hashlib.sha256(d).hexdigest() for n, d in m.items() if n != "manifest.json"
    }
    m["manifest.json"] = json.dumps(
        {"manifest": manifest, "signature": sign(manifest, other)}
    ).encode()


def _notice_removed(m: Members) -> None:
    del m[next(n for n in m if n.startswith("notices/"))]


def _file_added(m: Members) -> None:
    m["messages/extra.eml"] = b"Subject: slipped in\r\n\r\n"


def _address_history_changed(m: Members) -> None:
    m["proof.json"] = m["proof.json"].replace(b'"c@martin.invalid"', b'"c@other.example"', 1)


def _proof_edited(edit: Callable[[dict], object]) -> Callable[[Members], None]:  # type: ignore[type-arg]
    """A change by hand of proof.json's content, any JSON at all."""

    def tamper(m: Members) -> None:
        proof = json.loads(m["proof.json"])
        m["proof.json"] = json.dumps(edit(proof)).encode()

    return tamper


def _archived_hash_dropped(proof: dict) -> dict:  # type: ignore[type-arg]
    del proof["deliveries"][0]["archived"]["sha256"]
    return proof


def _key_not_hex(m: Members) -> None:
    signed = _manifest(m)
    signed["manifest"]["public_key"] = "zz"
    m["manifest.json"] = json.dumps(signed).encode()


def _file_list_not_a_table(m: Members) -> None:
    signed = _manifest(m)
    signed["manifest"]["files"] = ["proof.json"]
    m["manifest.json"] = json.dumps(signed).encode()


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (_changed_message, "messages/delivery-1-c@martin.invalid.eml: changed since"),
        # what a hand may write into the package, any JSON: named, never a crash
        (_proof_edited(_archived_hash_dropped), "proof.json: deliveries entry 1 is not as"),
        (_proof_edited(lambda proof: [1, 2]), "proof.json: not as a package writes it"),
        (_proof_edited(lambda proof: {**proof, "notices": "x"}), "its notices are not as"),
        (
            _proof_edited(lambda proof: {**proof, "address_changes": [{"id": 1}]}),
            "proof.json: address_changes entry 1 is not as",
        ),
        (_key_not_hex, "manifest.json: its signature does not match"),
        (_file_list_not_a_table, "manifest.json: its list of files is not as"),
        (_changed_and_relisted, "manifest.json: its signature does not match"),
        (_resigned_by_another_key, "manifest.json: signed by key"),
        (_notice_removed, "listed in the manifest, missing from the package"),
        (_file_added, "messages/extra.eml: not in the manifest"),
        (_address_history_changed, "proof.json: changed since the package was signed"),
    ],
)
async def test_proof_verify_accepts_an_untouched_package_and_names_what_changed(
    app: Facturier,
    sandbox: SandboxServer,
    tmp_path: Path,
    tamper: Callable[[Members], None],
    named: str,
) -> None:
    package = await _package(app, tmp_path)
    ours = public_hex(signing_key(app.ctx.settings.archive.signing_key_file))
    check = verify_package(package, ours)
    assert (check.invoice, check.problems, check.key) == ("PP-1", [], fingerprint(ours))
    members = _members(package)
    proof = json.loads(members["proof.json"])
    assert [n["kind"] for n in proof["notices"]] == ["bounce"]
    assert [c["field"] for c in proof["address_changes"]] == ["invoice_to", "undeliverable"]
    assert proof["verification"]["problems"] == []

    tamper(members)
    _rewrite(package, members)
    problems = verify_package(package, ours).problems
    assert any(named in str(p) for p in problems), problems


async def test_the_summary_and_the_check_speak_the_operators_language_the_json_english(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Exported by a French operator: the readable summary says states and events in French;
    a check of the package tampered with names each problem in French for them, while
    proof.json, for any reader, keeps English."""
    from daemon.domain import i18n

    i18n.use("fr")
    package = await _package(app, tmp_path)
    members = _members(package)
    summary = members["summary.html"].decode()
    assert "(invoice, bounced)" not in summary and "(facture, rebond)" in summary, summary
    assert "<td>rebond</td>" in summary and "Envoi n° 1 : c@martin.invalid" in summary
    assert "injoignable : non → oui" in summary and "rebond définitif 5.4.4" in summary
    # a reader's amounts, dates and times: not the stored ISO forms with their microseconds
    assert "Total : 120,00\xa0€" in summary, summary
    assert re.search(r"émise le\s+\d\d/\d\d/\d{4}", summary), summary
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</td>", summary), summary
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", summary), summary
    members[_eml(members)] += b"\r\n"
    _rewrite(package, members)
    problem = verify_package(package).problems[0]
    assert problem.shown() == f"{_eml(members)} : modifié depuis la signature du paquet"
    assert str(problem) == f"{_eml(members)}: changed since the package was signed"


def test_proof_verify_needs_no_database_nor_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run where no settings file exists: a broken package is named, in one line each."""
    monkeypatch.setenv("FACTURIER_UI__LANGUAGE", "en")
    broken = tmp_path / "p.zip"
    broken.write_bytes(b"not a zip")
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "none.toml"), "proof", "verify", str(broken)]
    )
    assert result.exit_code == 1 and "not a readable proof package" in result.output
    # the summary names no invoice nor key it could not read
    assert f"{broken}: not read as a proof package: 1 problem" in result.output
    assert "None" not in result.output
    result = CliRunner().invoke(cli, ["proof", "verify", str(broken), "--key", "xyz"])
    assert result.exit_code == 2 and "64 hexadecimal digits" in result.output


async def test_a_bounce_read_before_the_export_is_in_it_as_received(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    package = await _package(app, tmp_path)
    members = _members(package)
    [notice] = json.loads(members["proof.json"])["notices"]
    received = members[notice["file"]]
    [original] = await app.original_messages(inbound_id=notice["id"])
    assert hashlib.sha256(received).hexdigest() == original.sha256 == notice["raw_sha256"]
    assert b"Undelivered Mail Returned to Sender" in received


async def test_the_proof_says_what_was_decided_about_the_invoice(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """An invoice whose buyer fits two customers goes out once a person says which: its
    proof carries that decision (who, when, why) beside the import's hold, in proof.json
    and the summary; the summary names an address's role as a word, not 'invoice_to'."""
    for address, identifier in (("f@paris.example", "C-1"), ("f@lyon.example", "C-2")):
        await app.customers.add(
            NewCustomer("Dupont", address, (), None, identifier), changed_by="t"
        )
    file = invoice_file(tmp_path / "in", "PP-9", "Dupont", "", vat=None)
    [r] = await app.ingest.import_paths([file])
    assert r.customer_held and r.invoice_id is not None
    lyon = await app.customers.find("C-2")
    await app.buyers.choose(r.invoice_id, lyon.id or 0, by="ana", reason="Lyon's order")
    await app.send_due()
    [package] = await app.export_proof(r.invoice_id, tmp_path / "out", by="t", reason="x")
    members = _members(package)
    proof = json.loads(members["proof.json"])
    assert [(d["what"], d["by"]) for d in proof["decisions"]] == [
        ("customer-held", "import"),
        ("customer-chosen", "ana"),
    ]
    assert proof["decisions"][1]["why"] == f"for customer #{lyon.id} Dupont: Lyon's order"
    summary = members["summary.html"].decode()
    assert "Decisions about the invoice" in summary
    assert f"for customer #{lyon.id} Dupont: Lyon&#39;s order" in summary, summary
    assert "invoice address: - → f@lyon.example" in summary and "invoice_to" not in summary
    assert verify_package(package).problems == []


async def test_exporting_the_proof_leaves_what_the_queue_says_of_the_invoice(
    app: Facturier, tmp_path: Path
) -> None:
    """The export is noted on the invoice's newest delivery. It also became that
    delivery's last outcome: the hard bounce in the attention queue turned into a
    "rejected" item, dated at the export, whose why was "proof exported by …"."""
    await app.customers.add(
        NewCustomer("Martin", "c@martin.invalid", (), None, "C-2"), changed_by="t"
    )
    [r] = await app.ingest.import_paths([invoice_file(tmp_path / "in", "PP-1", "Martin", "C-2")])
    await app.send_due()
    await app.poll_bounces()
    before = [(i.kind, i.at, i.why) for i in await app.attention.items() if i.invoice_id]
    assert [k for k, _at, _why in before] == ["hard-bounce"], before
    await app.export_proof(r.invoice_id or 0, tmp_path / "out", by="t", reason="dispute")
    after = [(i.kind, i.at, i.why) for i in await app.attention.items() if i.invoice_id]
    assert after == before
    # the export stays on the invoice's history
    detail = await app.queries.invoice_detail(r.invoice_id or 0)
    assert any(e.event == "proof-exported" for e in detail.events)
