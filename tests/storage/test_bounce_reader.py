"""The bounce reader's bookkeeping on SQLite and PostgreSQL: cut off between applying and
filing, renumbered by a UIDVALIDITY change, handed an oversize message."""

from __future__ import annotations

import asyncio
import json
import mailbox
import os
import re
from pathlib import Path

import pytest
from sqlmodel import select

from daemon.app.services import Facturier
from daemon.domain.models import InboundMessage
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from mailer.errors import MailboxError
from mailer.mailbox import FetchedMessage
from tests.helpers import invoice_file
from tests.slow_reader import HOLD, SLOW, held_over_marked, slow_over_marked


class ScriptedMailbox:
    """A bounce folder whose UIDVALIDITY and UIDs the test decides; moves can fail."""

    name = "scripted://bounces"

    def __init__(self, messages: list[bytes], uidvalidity: int, first_uid: int = 1):
        self.uidvalidity = uidvalidity
        self.inbox = {first_uid + i: raw for i, raw in enumerate(messages)}
        self.filed: dict[str, list[bytes]] = {}
        self.fail_moves_after: int | None = None
        self.moves = 0

    async def open(self) -> int:
        return self.uidvalidity

    async def fetch_after(self, last_uid: int, limit: int) -> list[FetchedMessage]:
        uids = sorted(u for u in self.inbox if u > last_uid)[:limit]
        return [FetchedMessage(u, self.inbox[u]) for u in uids]

    async def move(self, uid: int, folder: str) -> None:
        if self.fail_moves_after is not None and self.moves >= self.fail_moves_after:
            raise MailboxError("IMAP MOVE failed: connection lost")
        self.moves += 1
        self.filed.setdefault(folder, []).append(self.inbox.pop(uid))

    def renumber(self, uidvalidity: int, first_uid: int) -> None:
        """What a server does when it rebuilds the folder: new UIDVALIDITY, new UIDs."""
        self.uidvalidity = uidvalidity
        self.inbox = {first_uid + i: raw for i, raw in enumerate(self.inbox.values())}

    async def close(self) -> None:
        pass


async def _three_hard_bounces(app: Facturier, tmp_path: Path) -> list[bytes]:
    """Three invoices to a domain that bounces; the sandbox's DSNs, as bytes."""
    await app.customers.add(
        NewCustomer("Atelier Martin", "compta@martin.invalid", (), None, "C-2"), changed_by="t"
    )
    files = [invoice_file(tmp_path / "in", f"UV-{i}", "Atelier Martin", "C-2") for i in range(3)]
    assert all(r.ok for r in await app.ingest.import_paths(files))
    assert [o.state for o in await app.send_due()] == ["accepted"] * 3
    box = mailbox.Maildir(tmp_path / "mail" / "bounces", create=False)
    return [box.get_bytes(key) for key in sorted(box.iterkeys())]


def _invoice_in(dsn: bytes) -> str:
    """The invoice number in a DSN's returned headers."""
    found = re.search(rb"X-Facturier-Invoice: (UV-\d)", dsn)
    assert found is not None
    return found[1].decode()


async def _bounced_events(app: Facturier) -> list[str]:
    numbers = []
    for row in await app.queries.invoices():
        detail = await app.queries.invoice_detail(row.id)
        numbers += [row.number for e in detail.events if e.event == "bounced"]
    return sorted(numbers)


async def test_cut_off_then_renumbered_applies_each_bounce_once(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    dsns = await _three_hard_bounces(app, tmp_path)
    assert len(dsns) == 3
    folder = ScriptedMailbox(dsns, uidvalidity=100)
    folder.fail_moves_after = 1  # the second bounce is applied, then the connection drops
    with pytest.raises(MailboxError):
        await app.bounces.poll(folder)
    # the folder's first two, whichever invoices they are for
    first_two = sorted(_invoice_in(dsn) for dsn in dsns[:2])
    assert await _bounced_events(app) == first_two

    folder.renumber(uidvalidity=200, first_uid=1)  # the server rebuilt the folder
    folder.fail_moves_after = None
    report = await app.bounces.poll(folder)
    assert (report.fetched, report.skipped, report.applied) == (2, 1, 1)
    assert await _bounced_events(app) == ["UV-0", "UV-1", "UV-2"]  # each once, none skipped
    assert folder.inbox == {}
    assert len(folder.filed["processed"]) == 3


async def test_oversize_message_is_quarantined_with_its_reason(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    limit = app.ctx.settings.imap.max_message_bytes
    huge = b"From: x@y.example\r\nSubject: big\r\n\r\n" + b"A" * (limit + 1)
    folder = ScriptedMailbox([huge], uidvalidity=7)
    report = await app.bounces.poll(folder)
    assert (report.fetched, report.quarantined) == (1, 1)
    assert folder.filed["quarantine"] == [huge]  # set aside, not dropped
    async with app.ctx.sessions() as session:
        [row] = (await session.exec(select(InboundMessage))).all()
    assert row.disposition == "quarantine"
    assert json.loads(row.classification)["quarantine_reason"] == f"over {limit} bytes"


async def test_classifying_runs_beside_sending_not_in_its_way(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Classification runs off the event loop: while a message is being classified, an
    invoice is sent beside it, and the poll then goes on. The classifier here holds on a
    marked message until the test releases it, which the test can only do when its own
    event loop is free."""
    bounces = await _three_hard_bounces(app, tmp_path)
    await app.customers.add(
        NewCustomer("Dupont", "factures@dupont.example", (), None, "C-1"), changed_by="t"
    )
    [imported] = await app.ingest.import_paths([invoice_file(tmp_path / "in2", "FA-BESIDE")])
    assert imported.ok
    await app.bounces.classifier.close()
    app.bounces.classifier.reader = held_over_marked
    app.bounces.classifier.budget = 60.0  # never reached: the hold is what is tested
    hold = tmp_path / "hold"
    hold.mkdir()
    marked = (
        HOLD + b" " + str(hold).encode() + b"\r\nFrom: x@y.example\r\nSubject: hi\r\n\r\nhello\r\n"
    )
    folder = ScriptedMailbox([marked, bounces[0]], uidvalidity=9)

    polling = asyncio.ensure_future(app.bounces.poll(folder))
    for _ in range(2000):  # the worker has started on the marked message
        if (hold / "started").exists() or polling.done():
            break
        await asyncio.sleep(0.01)
    assert (hold / "started").exists() and not polling.done()
    [sent] = await app.send_due()  # a send while the message is being classified
    assert sent.state == "accepted"
    assert not polling.done()  # still held: the send did not wait for it
    (hold / "release").touch()
    report = await polling
    assert (report.fetched, report.quarantined) == (2, 0)
    assert "quarantine" not in folder.filed


async def test_a_message_over_its_budget_is_quarantined_and_the_poll_goes_on(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A message that takes longer to classify than its budget is stopped at the budget
    and quarantined with the reason, and the poll goes on to the next message."""
    bounces = await _three_hard_bounces(app, tmp_path)
    # a message the parser takes longer over than any budget (the parser's own bounds keep
    # every known hostile input under 0.1 s: tests/slow_reader.py stands in for one)
    await app.bounces.classifier.close()
    app.bounces.classifier.reader = slow_over_marked
    app.bounces.classifier.budget = 2.0  # the next message's fresh worker starts within it
    hostile = SLOW + b"\r\nFrom: x@y.example\r\nSubject: hostile\r\n\r\nhello\r\n"
    folder = ScriptedMailbox([hostile, bounces[0]], uidvalidity=9)
    report = await app.bounces.poll(folder)
    assert (report.fetched, report.quarantined, report.applied) == (2, 1, 1)
    assert folder.filed["quarantine"] == [hostile]
    async with app.ctx.sessions() as session:
        rows = (await session.exec(select(InboundMessage))).all()
    [quarantined] = [r for r in rows if r.disposition == "quarantine"]
    reason = json.loads(quarantined.classification)["quarantine_reason"]
    assert reason == "classifying took longer than 2 s: stopped"


async def test_send_and_poll_report_each_item_as_it_is_done(app: Facturier, tmp_path: Path) -> None:
    """What drives the progress bars of `send` and `poll-bounces`: each outcome and each
    message is heard of while the command runs, not only at its end."""
    await app.customers.add(
        NewCustomer("Atelier Martin", "compta@martin.invalid", (), None, "C-2"), changed_by="t"
    )
    files = [invoice_file(tmp_path / "in", f"PB-{i}", "Atelier Martin", "C-2") for i in range(3)]
    assert all(r.ok for r in await app.ingest.import_paths(files))
    heard: list[str] = []
    outcomes = await app.send_due(lambda o: heard.append(o.state))
    assert heard == [o.state for o in outcomes] == ["accepted"] * 3
    counts: list[int] = []
    report = await app.poll_bounces(lambda r: counts.append(r.fetched))
    assert counts == [1, 2, 3] and report.fetched == 3


async def test_what_comes_back_is_kept_as_received_and_never_lost(
    app: Facturier, tmp_path: Path
) -> None:
    """Each message read is kept, write-once, before it is handled: the original a person
    opens. When it cannot be kept (the folder refuses writes: a full disk), the poll stops
    with that error and the message stays in the mailbox; the next poll handles it."""
    dsns = await _three_hard_bounces(app, tmp_path)
    originals = app.ctx.settings.archive.inbound_path
    originals.mkdir(parents=True, exist_ok=True)
    originals.chmod(0o500)
    try:
        if os.access(originals, os.W_OK):  # root writes anyway: refuse another way
            originals.chmod(0o700)
            originals.rmdir()
            originals.write_bytes(b"not a folder")
        with pytest.raises(OSError):
            await app.poll_bounces()
    finally:
        if originals.is_file():
            originals.unlink()
        else:
            originals.chmod(0o700)
    box = mailbox.Maildir(tmp_path / "mail" / "bounces", create=False)
    assert len(box) == 3  # nothing moved, nothing lost
    report = await app.poll_bounces()
    assert report.applied == 3
    [first, *_others] = await app.original_messages(invoice_id=1)
    assert first.text is not None and first.text.encode() in b"".join(dsns).decode().encode()
    assert first.size in {len(d) for d in dsns}
