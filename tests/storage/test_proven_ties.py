"""With VERP off, a report changes a delivery only when the returned message carries our
token or Message-ID and names the delivery's recipient; a guess by recipient and time, a
reply header, another recipient or a replayed copy is quarantined with its reason."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from config import load_settings
from daemon.app.services import Facturier
from daemon.domain import i18n
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer, build_dsn
from tests.helpers import invoice_file, parse, write_config


@pytest.fixture
async def plain_app(tmp_path: Path, db_url: str, sandbox: SandboxServer) -> Facturier:
    config = write_config(tmp_path, db_url, sandbox.port)
    config.write_text(
        config.read_text().replace(
            'return_path = "bounces@acme.example"\n',
            'return_path = "bounces@acme.example"\nverp = false\n',
        )
    )
    app = await Facturier.open(load_settings(config))
    yield app  # type: ignore[misc]
    await app.close()


def _report(recipient: str, returned: bytes, subject: str) -> bytes:
    dsn = build_dsn(
        reporting_mta="mx.elsewhere.example",
        sender="bounces@acme.example",
        recipient=recipient,
        original=returned,
        envid=None,
        headers_only=True,
        queue_id="Q1",
        delivered=False,
    )
    return dsn.replace(b"Subject: ", f"Subject: {subject} ".encode(), 1)


async def test_only_proven_ties_change_a_delivery(
    plain_app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = plain_app
    assert not app.ctx.settings.sender.verp_key_file.exists()  # no VERP, no key made
    for name, email, ident, number in (
        ("Martin", "compta@martin.invalid", "C-2", "V-1"),
        ("Dupont", "f@dupont.example", "C-1", "V-2"),
    ):
        await app.customers.add(NewCustomer(name, email, (), None, ident), changed_by="t")
        [r] = await app.ingest.import_paths([invoice_file(tmp_path / "in", number, name, ident)])
        assert r.ok
    await app.send_due()
    report = await app.poll_bounces()
    assert (report.applied, report.quarantined) == (2, 0)
    states = {i.number: i.state for i in await app.queries.invoices()}
    assert states == {"V-1": "bounced", "V-2": "delivered"}
    v2 = await app.queries.find_invoice("V-2")
    assert v2.id is not None
    events_before = len((await app.queries.invoice_detail(v2.id)).events)

    [sent] = sandbox.received("f@dupont.example")
    mid = parse(sent)["Message-ID"]
    box = mailbox.Maildir(tmp_path / "mail" / "bounces")
    [genuine] = [bytes(m) for m in box.get_folder("processed") if b"martin.invalid" in bytes(m)]
    returned = f"Message-ID: {mid}\r\nTo: f@dupont.example\r\n\r\n".encode()
    forgeries = {
        "guess": (
            _report("f@dupont.example", b"From: a@b.example\r\n\r\n", "guess"),
            "may be about invoice V-2",
        ),
        "other": (
            _report("other@dupont.example", returned, "other"),
            "it names other@dupont.example, but delivery",
        ),
        "reply-header": (
            (
                "From: MAILER-DAEMON@evil.example\r\nTo: bounces@acme.example\r\n"
                f"Subject: reply-header Undelivered Mail\r\nIn-Reply-To: {mid}\r\n\r\n"
                "This is the mail system at host evil.example.\r\n\r\n"
                "<f@dupont.example>: host mx.dupont.example said: 550 5.1.1 User unknown;\r\n"
                "    verify your account at http://evil.example/x\r\n"
            ).encode(),
            "nothing proves what it is about",
        ),
        "replay": (
            b"X-Replayed: yes\r\n" + genuine.replace(b"Subject: ", b"Subject: replay ", 1),
            "a copy is applied once",
        ),
    }
    for raw, _ in forgeries.values():
        box.add(raw)
    report = await app.poll_bounces()
    assert (report.quarantined, report.applied) == (len(forgeries), 0), report

    states = {i.number: i.state for i in await app.queries.invoices()}
    assert states == {"V-1": "bounced", "V-2": "delivered"}
    assert len((await app.queries.invoice_detail(v2.id)).events) == events_before
    dupont = await app.customers.find("C-1")
    assert dupont.id is not None
    assert not any(a.undeliverable for a in await app.customers.addresses(dupont.id))
    quarantined = [i for i in await app.attention.items() if i.kind == "quarantined"]
    for subject, (_, reason) in forgeries.items():
        [item] = [i for i in quarantined if f"{subject} " in i.why]
        assert reason in item.why, (subject, item.why)
    # set aside by a poller that spoke English, read by an operator who reads French
    i18n.use("fr")
    said = {i.why for i in await app.attention.items() if i.kind == "quarantined"}
    i18n.use("en")
    assert any(w.startswith("il nomme other@dupont.example, mais l'envoi") for w in said), said
    assert any("rien ne prouve ce qu'il concerne ; par le seul destinataire" in w for w in said)
    assert any("une copie n'est appliquée qu'une fois" in w for w in said), said

    # a person who reads the suggestion ties it by hand: then, and only then, it applies
    [guess] = [i for i in quarantined if "guess " in i.why]
    await app.tie_message(guess.ref, "V-2", invoice_id=None, by="ana", reason="checked")
    assert (await app.queries.find_invoice("V-2")).state == "bounced"
