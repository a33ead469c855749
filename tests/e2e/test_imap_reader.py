"""The bounce reader against real Dovecot: IDLE wakes it, a server restart mid-batch loses and
repeats nothing."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlmodel import col, select

from config import load_settings
from daemon.app.runtime import Daemon
from daemon.app.services import Facturier
from daemon.domain.models import ArchiveEntry, Delivery, DeliveryEvent, InboundMessage
from daemon.domain.verp import verp_address
from daemon.inbound.bounces import BounceProcessor
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import build_dsn
from mailer.errors import MailboxError
from mailer.mailbox import ImapConfig, ImapMailbox
from tests.e2e.mailstack import PASSWORD, MailStack
from tests.e2e.test_mail_stack import _write
from tests.helpers import invoice_file

pytestmark = pytest.mark.e2e


def _bounce_box(stack: MailStack) -> ImapMailbox:
    return ImapMailbox(
        ImapConfig("127.0.0.1", stack.imap_port, "bounces@acme.test", PASSWORD, security="none")
    )


async def _sent_invoices(
    app: Facturier, mailstack: MailStack, tmp_path: Path, count: int
) -> list[tuple[int, bytes]]:
    """``count`` invoices sent through Postfix; (delivery id, a hard-bounce DSN for it)."""
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", "invoices@customer.test", (), None, "C-1"),
        changed_by="e2e",
    )
    files = [invoice_file(tmp_path / "in", f"IR-{i:03d}") for i in range(count)]
    assert all(r.ok for r in await app.ingest.import_paths(files))
    assert [o.state for o in await app.send_due()] == ["accepted"] * count
    for _ in range(300):  # Postfix delivers and writes its success reports
        if mailstack.queue_is_empty() and len(mailstack.messages("bounces@acme.test")) >= count:
            break
        await asyncio.sleep(0.2)
    dsns = []
    key = app.ctx.settings.sender.verp_key()
    assert key is not None
    async with app.ctx.sessions() as session:
        rows = (
            await session.exec(
                select(Delivery, ArchiveEntry).join(
                    ArchiveEntry, col(ArchiveEntry.id) == col(Delivery.archive_entry_id)
                )
            )
        ).all()
    for delivery, entry in rows:
        assert delivery.id is not None
        original = app.ctx.archive.read(entry.sha256)
        dsn = build_dsn(
            reporting_mta="mx.customer.test",
            # returned to the delivery's signed return path, as its relay does
            sender=verp_address("bounces@acme.test", delivery.token, key),
            recipient=delivery.recipient,
            original=original,
            envid=delivery.token,
            headers_only=True,
            queue_id=f"Q{delivery.id:05d}",
            delivered=False,
        )
        dsns.append((delivery.id, dsn))
    return dsns


async def _bounce_events(app: Facturier) -> dict[int, int]:
    async with app.ctx.sessions() as session:
        events = (
            await session.exec(
                select(DeliveryEvent.delivery_id).where(DeliveryEvent.event == "bounced")
            )
        ).all()
    counts: dict[int, int] = {}
    for delivery_id in events:
        counts[delivery_id] = counts.get(delivery_id, 0) + 1
    return counts


async def test_dovecot_restart_mid_batch_applies_each_bounce_once(
    mailstack: MailStack, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _write(tmp_path, db_url, mailstack)
    config.write_text(config.read_text().replace("[imap]\n", "[imap]\nbatch_size = 5\n"))
    app = await Facturier.open(load_settings(config))
    try:
        dsns = await _sent_invoices(app, mailstack, tmp_path, 24)
        await app.poll_bounces()  # Postfix's success reports (NOTIFY=SUCCESS) out of the way
        box = _bounce_box(mailstack)
        for _, dsn in dsns:
            await box.append(dsn, "INBOX")
        await box.close()

        handled = 0
        real_handle = BounceProcessor._handle

        async def handle_then_restart(self, *args):  # type: ignore[no-untyped-def]
            nonlocal handled
            folder = await real_handle(self, *args)
            handled += 1
            if handled in (7, 16):  # applied and recorded, not yet moved: the worst moment
                await asyncio.to_thread(mailstack.restart_dovecot)
            return folder

        monkeypatch.setattr(BounceProcessor, "_handle", handle_then_restart)
        report = await app.poll_bounces()
        assert report.reconnects >= 2

        # each bounce applied exactly once, none skipped, nothing left in the inbox
        assert await _bounce_events(app) == {delivery_id: 1 for delivery_id, _ in dsns}
        assert mailstack.messages("bounces@acme.test") == []
        assert len(mailstack.messages("bounces@acme.test", "processed")) >= len(dsns)
        async with app.ctx.sessions() as session:
            inbound = (await session.exec(select(InboundMessage.raw_sha256))).all()
        assert len(inbound) == len(set(inbound))  # no message recorded twice
        states = {r.state for r in await app.queries.invoices()}
        assert states == {"bounced"}
    finally:
        await app.close()


async def test_idle_picks_up_a_bounce_without_waiting_for_the_schedule(
    mailstack: MailStack, tmp_path: Path, db_url: str
) -> None:
    config = _write(tmp_path, db_url, mailstack)
    text = config.read_text().replace(
        "[delivery]", "[schedule]\nbounce_poll_minutes = 600\nsend_poll_seconds = 0.5\n[delivery]"
    )
    config.write_text(text)
    app = await Facturier.open(load_settings(config))
    try:
        [(delivery_id, dsn)] = await _sent_invoices(app, mailstack, tmp_path, 1)
        daemon = Daemon(app)
        running = asyncio.create_task(daemon.run())
        try:
            await asyncio.sleep(3)  # started: the startup poll is done, IDLE is waiting
            assert await _bounce_events(app) == {}
            box = _bounce_box(mailstack)
            await box.append(dsn, "INBOX")
            await box.close()
            for _ in range(100):
                if await _bounce_events(app):
                    break
                await asyncio.sleep(0.2)
            assert await _bounce_events(app) == {delivery_id: 1}
        finally:
            daemon.request_stop()
            assert await asyncio.wait_for(running, 30) == 0
    finally:
        with contextlib.suppress(Exception):
            await app.close()


async def test_idle_reports_a_lost_connection_at_once(mailstack: MailStack) -> None:
    box = _bounce_box(mailstack)
    await box.open()
    assert box.offers_idle()
    assert await box.wait_for_news(1) is False  # nothing new: IDLE ends on time
    waiting = asyncio.create_task(box.wait_for_news(600))
    await asyncio.sleep(0.5)
    await asyncio.to_thread(mailstack.restart_dovecot)
    with pytest.raises(MailboxError, match="connection lost"):
        await asyncio.wait_for(waiting, 20)
    await box.close()


async def test_the_sent_folder_says_whether_it_holds_a_message(mailstack: MailStack) -> None:
    """Before filing a copy again, the folder is searched by Message-ID (Dovecot's UID SEARCH
    HEADER): what is there is found, what is not is not."""
    from mailer.mailbox import ImapSentFolder

    folder = ImapSentFolder(
        ImapConfig(
            "127.0.0.1", mailstack.imap_port, "bounces@acme.test", PASSWORD, security="none"
        ),
        "Sent Invoices",
    )
    raw = b"Message-ID: <filed-1@acme.test>\r\nSubject: x\r\n\r\nbody\r\n"
    assert not await folder.holds("<filed-1@acme.test>")
    await folder.append(raw)
    assert await folder.holds("<filed-1@acme.test>")
    assert not await folder.holds("<other@acme.test>")
    assert len(mailstack.messages("bounces@acme.test", "Sent Invoices")) == 1
