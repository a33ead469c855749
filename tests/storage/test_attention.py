"""The attention queue on real data made through the daemon: a hard bounce, an invoice
without an address, an undeliverable address with open invoices, a customer's reply, an
unrecognized message; who dealt with an item stays recorded (both databases)."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from sqlmodel import select

from daemon.app.services import Facturier
from daemon.domain.attention import AttentionKind
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.models import AttentionResolution
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, parse


async def test_what_needs_a_person_is_listed_with_why_and_what_to_do(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await app.customers.add(
        NewCustomer("Dupont", "factures@dupont.example", (), None, "C-1"), changed_by="t"
    )
    await app.customers.add(
        NewCustomer("Martin", "compta@martin.invalid", (), None, "C-2"), changed_by="t"
    )
    files = [
        invoice_file(tmp_path / "in", "AQ-1", "Dupont", "C-1"),
        invoice_file(tmp_path / "in", "AQ-2", "Martin", "C-2"),
        invoice_file(tmp_path / "in", "AQ-3", "Leroy", "C-3"),  # an unknown buyer
    ]
    assert all(r.ok for r in await app.ingest.import_paths(files))
    await app.send_due()
    [sent] = sandbox.received("factures@dupont.example")
    bounces = Path(app.ctx.settings.imap.maildir or "")
    box = mailbox.Maildir(bounces)
    box.add(
        b"From: jean@dupont.example\r\nTo: factures@acme.example\r\nSubject: Re: facture\r\n"
        b"In-Reply-To: " + parse(sent)["Message-ID"].encode() + b"\r\n\r\n"
        b"Merci, mais le montant est faux.\r\n"
    )
    box.add(b"From: stranger@else.example\r\nSubject: hello\r\n\r\nhi\r\n")
    await app.poll_bounces()

    items = await app.attention.items()
    kinds = {(i.kind, i.invoice_number) for i in items}
    assert kinds == {
        ("hard-bounce", "AQ-2"),
        ("no-address", "AQ-3"),
        ("undeliverable-address", None),
        ("reply", "AQ-1"),
        ("unrecognized", None),
    }
    assert [i.at for i in items] == sorted((i.at for i in items), reverse=True)
    for n in range(1, len(items) + 2):  # the newest n: the start of the whole list
        assert await app.attention.items(newest=n) == items[:n]
    [reply] = [i for i in items if i.kind == "reply"]
    assert "le montant est faux" in reply.why and "mark it handled" in reply.hint
    [bounce] = [i for i in items if i.kind == "hard-bounce"]
    assert "compta@martin.invalid" in bounce.why and "set-address" in bounce.hint

    # a reply is dealt with by hand: it leaves the queue, who and how are kept
    await app.attention.resolve(AttentionKind.REPLY, reply.ref, by="alice", how="called back")
    assert "reply" not in {i.kind for i in await app.attention.items()}
    async with app.ctx.sessions() as session:
        [done] = (await session.exec(select(AttentionResolution))).all()
    assert (done.kind, done.resolved_by, done.how) == ("reply", "alice", "called back")
    with pytest.raises(NotFoundError, match="no open reply item"):
        await app.attention.resolve(AttentionKind.REPLY, reply.ref, by="bob", how="again")
    # a hard bounce closes when the records change, not by hand
    with pytest.raises(ValidationError, match="leave the queue when"):
        await app.attention.resolve(AttentionKind.HARD_BOUNCE, bounce.ref, by="alice", how="x")
    # the unknown buyer gets an address: its invoice leaves the queue and goes out
    leroy = await app.customers.find("C-3")
    assert leroy.id is not None
    await app.customers.set_invoice_address(
        leroy.id, "compta@leroy.example", changed_by="alice", reason="phoned"
    )
    assert "no-address" not in {i.kind for i in await app.attention.items()}
    only = await app.attention.items(AttentionKind.UNRECOGNIZED)
    assert [i.kind for i in only] == ["unrecognized"]


async def test_the_queue_from_the_command_line(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    import asyncio
    import json

    from typer.testing import CliRunner

    from daemon.app.cli import app as cli

    folder = Path(app.ctx.settings.imap.maildir or "")
    folder.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(folder, create=True)
    box.add(b"From: stranger@else.example\r\nSubject: hello\r\n\r\nhi\r\n")
    await app.poll_bounces()
    config = str(tmp_path / "facturier.toml")

    async def run(*args: str) -> tuple[int, str]:
        # the command runs its own event loop: in a thread, beside the test's
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["--config", config, *args])
        return result.exit_code, result.output

    code, out = await run("queue", "list", "--kind", "UNRECOGNIZED", "--json")
    assert code == 0, out
    [item, summary] = [json.loads(line) for line in out.splitlines()]
    assert item["kind"] == "unrecognized" and summary == {"summary": {"open": 1}}
    code, out = await run("queue", "list")
    # the kind by name, then the word and number `queue dismiss` takes; no invoice and no
    # customer to name: no space before the colon ("(unrecognized #1) : unknown from…")
    assert out.splitlines()[0].endswith(
        f"(unrecognized #{item['ref']}): unrecognized message from stranger@else.example: hello"
    ), out
    # what the message is, in the operator's words, not the classifier's code ("unknown")
    french = Path(config).read_text().replace('language = "en"', 'language = "fr"')
    Path(config).write_text(french)
    code, out = await run("queue", "list")
    assert f"(unrecognized n° {item['ref']}) : message non reconnu de stranger@" in out, out
    Path(config).write_text(french.replace('language = "fr"', 'language = "en"'))
    code, out = await run("queue", "dismiss", "unrecognized", str(item["ref"]), "--reason", "spam")
    assert code == 0 and "dealt with (spam)" in out
    code, out = await run("queue", "list")
    assert code == 0 and "0 items need a person" in out
    code, out = await run("queue", "dismiss", "no-address", "1", "--reason", "x")
    assert code == 2 and "leave the queue when" in out


DSN_FOR_A_FORWARD = (
    b"From: MAILER-DAEMON@mx.dupont.example\r\n"
    b"To: factures@acme.example\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
    b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.dupont.example\r\n\r\n"
    b"Final-Recipient: rfc822; ancienne.compta@dupont.example\r\n"
    b"Action: failed\r\nStatus: 5.1.1\r\n"
    b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
    b"--b--\r\n"
)


async def test_an_unrecognized_message_is_tied_to_its_invoice_by_hand(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A bounce from the address the invoice mailbox forwards to names none of the invoice's
    ids nor recipients: unrecognized. Tied by hand, the bounce is applied to the invoice's
    delivery, who tied it and why is kept, and the item leaves the queue. A note from a
    stranger is tied without effect; a message tied already is refused."""
    await app.customers.add(
        NewCustomer("Dupont", "factures@dupont.example", (), None, "C-1"), changed_by="t"
    )
    files = [invoice_file(tmp_path / "in", n, "Dupont", "C-1") for n in ("TH-1", "TH-2")]
    assert all(r.ok for r in await app.ingest.import_paths(files))
    assert [o.state for o in await app.send_due()] == ["accepted", "accepted"]
    box = mailbox.Maildir(Path(app.ctx.settings.imap.maildir or ""))
    box.add(DSN_FOR_A_FORWARD)
    box.add(b"From: stranger@else.example\r\nSubject: hello\r\n\r\nhi\r\n")
    await app.poll_bounces()
    unrecognized = await app.attention.items(AttentionKind.UNRECOGNIZED)
    assert len(unrecognized) == 2
    [dsn] = [i for i in unrecognized if "MAILER-DAEMON" in i.why]
    [note] = [i for i in unrecognized if "stranger" in i.why]

    with pytest.raises(ValidationError, match="reason"):
        await app.tie_message(dsn.ref, "TH-1", invoice_id=None, by="alice", reason=" ")
    delivery = await app.tie_message(
        dsn.ref, "TH-1", invoice_id=None, by="alice", reason="their mailbox forwards there"
    )
    assert delivery.recipient == "factures@dupont.example"
    [th1] = [r for r in await app.queries.invoices() if r.number == "TH-1"]
    detail = await app.queries.invoice_detail(th1.id)
    [bounced] = [e for e in detail.events if e.event == "bounced"]
    assert "5.1.1" in (bounced.status or "") and "by hand (alice)" in (bounced.text or "")
    assert th1.state == "bounced"
    with pytest.raises(ValidationError, match="tied already"):
        await app.tie_message(dsn.ref, "TH-2", invoice_id=None, by="bob", reason="again")

    [before] = [r for r in await app.queries.invoices() if r.number == "TH-2"]
    await app.tie_message(note.ref, "TH-2", invoice_id=None, by="bob", reason="asked about it")
    [th2] = [r for r in await app.queries.invoices() if r.number == "TH-2"]
    assert th2.state == before.state == "delivered"  # a note changes nothing
    assert await app.attention.items(AttentionKind.UNRECOGNIZED) == []
    async with app.ctx.sessions() as session:
        done = (await session.exec(select(AttentionResolution))).all()
    assert sorted((d.resolved_by, d.how.split(":")[0]) for d in done) == [
        ("alice", f"tied to invoice TH-1 (#{th1.id})"),
        ("bob", f"tied to invoice TH-2 (#{th2.id})"),
    ]


async def test_a_notice_tied_by_hand_goes_to_the_copy_it_names_in_unicode(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A copy address at an internationalised domain is stored in its ASCII form; a notice
    naming it in its Unicode form (RFC 5890 2.3.2.1: one name) and nothing that proves what it
    is about is set aside with that copy's delivery as a suggestion; tied by hand to the
    invoice, it is applied to that copy's delivery, not to the invoice address's."""
    await app.customers.add(
        NewCustomer("Dupont", "factures@dupont.example", ("copie@société.example",), None, "C-1"),
        changed_by="t",
    )
    [file] = [invoice_file(tmp_path / "in", "TU-1", "Dupont", "C-1")]
    assert all(r.ok for r in await app.ingest.import_paths([file]))
    await app.send_due()
    named = DSN_FOR_A_FORWARD.replace(
        b"ancienne.compta@dupont.example", "copie@société.example".encode()
    )
    mailbox.Maildir(Path(app.ctx.settings.imap.maildir or "")).add(named)
    await app.poll_bounces()
    [dsn] = await app.attention.items(AttentionKind.QUARANTINED)
    # nothing proves what it is about: set aside, with the delivery its address suggests
    assert "TU-1" in dsn.why and "copie@xn--socit-esab.example" in dsn.why
    delivery = await app.tie_message(
        dsn.ref, "TU-1", invoice_id=None, by="alice", reason="their copy address bounced"
    )
    assert delivery.recipient == "copie@xn--socit-esab.example"


async def test_the_first_window_ranks_an_old_invoice_by_its_newest_trouble(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """An invoice imported first whose message is refused after later imports is the newest
    item: the first window ranks by the newest activity, not by the import."""
    await app.customers.add(
        NewCustomer("Martin", "compta@martin.invalid", (), None, "C-2"), changed_by="t"
    )
    [refused] = await app.ingest.import_paths(
        [invoice_file(tmp_path / "a", "W-0", "Martin", "C-2")]
    )
    later = [invoice_file(tmp_path / "b", f"W-{n}", f"Buyer {n}", f"C-B{n}") for n in range(1, 7)]
    assert all(r.ok for r in await app.ingest.import_paths(later))
    await app.send_due()
    await app.poll_bounces()  # W-0's bounce is read now, after the six others were imported

    items = await app.attention.items()
    assert items[0].invoice_number == "W-0" and items[0].kind == "hard-bounce"
    for n in range(1, len(items) + 2):
        assert await app.attention.items(newest=n) == items[:n]
    assert refused.invoice_id == items[0].ref


async def test_an_auto_reply_saying_the_address_is_no_longer_read_needs_a_person(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """ "I have left the company, write to …": the address named is shown to a person, who
    decides; the customer's invoice address is not changed by an auto-reply."""
    await app.customers.add(
        NewCustomer("Dupont", "marie@dupont.example", (), None, "C-1"), changed_by="t"
    )
    assert all(
        r.ok
        for r in await app.ingest.import_paths(
            [invoice_file(tmp_path / "in", "AR-1", "Dupont", "C-1")]
        )
    )
    await app.send_due()
    [sent] = sandbox.received("marie@dupont.example")
    box = mailbox.Maildir(Path(app.ctx.settings.imap.maildir or ""))
    box.add(
        b"From: Marie Dupont <marie@dupont.example>\r\nTo: factures@acme.example\r\n"
        b"Subject: =?utf-8?q?R=C3=A9ponse_automatique_=3A_facture?=\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"In-Reply-To: " + parse(sent)["Message-ID"].encode() + b"\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Je ne fais plus partie de la soci\xc3\xa9t\xc3\xa9. Merci d'\xc3\xa9crire "
        b"d\xc3\xa9sormais \xc3\xa0 compta@dupont.example.\r\n"
    )
    await app.poll_bounces()

    [reply] = [i for i in await app.attention.items() if i.kind == "reply"]
    assert reply.invoice_number == "AR-1"
    assert "compta@dupont.example" in reply.why
    [row] = await app.queries.invoices()
    detail = await app.queries.invoice_detail(row.id)
    [note] = [e for e in detail.events if e.event == "autoreply"]
    assert "no longer read; it points to compta@dupont.example" in note.text
    # the address is the customer's to change, by a person: still the one it was
    dupont = await app.customers.find("C-1")
    assert dupont.id is not None
    assert [a.email for a in await app.customers.addresses(dupont.id)] == ["marie@dupont.example"]
