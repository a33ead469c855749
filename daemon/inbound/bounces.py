"""Reading the bounce mailbox: classify each message (``classifier``, off the event loop),
tie it to its delivery (``tying``), apply it (``effects``).

Each message is recorded once per (mailbox, UIDVALIDITY, UID), then moved to the
processed, replies, unrecognized or quarantine folder. A message that cannot be handled
is quarantined with its reason; it never stops the loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bounce_parser import Classification, Kind
from config import Settings
from daemon.domain.event_words import event_text
from daemon.domain.metrics import BOUNCES, bounce_mailbox_read
from daemon.domain.models import (
    AddressRequest,
    Invoice,
    MailboxCursor,
    utcnow,
)
from daemon.domain.retry import RetryPolicy
from daemon.inbound.classifier import Classifier, ClassifierUnavailable, OverBudget
from daemon.inbound.effects import Effects
from daemon.inbound.inbound_records import (
    Arrival,
    applied_before,
    inbound_record,
    says_address_abandoned,
    seen_before,
)
from daemon.inbound.requests import find_request, record_answer, record_report
from daemon.inbound.tying import REPORT_KINDS, Tie, Verp, notice_key, tie
from daemon.store.db import SessionFactory, transaction
from daemon.store.ledger import chain_inbound
from mailer.archive import Archive
from mailer.errors import MailboxError
from mailer.mailbox import BounceMailbox

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    """What one poll did; counted as it goes, so a poll cut off midway still tells."""

    fetched: int = 0
    applied: int = 0
    unrecognized: int = 0
    quarantined: int = 0
    skipped: int = 0
    reconnects: int = 0


class BounceProcessor:
    def __init__(self, sessions: SessionFactory, settings: Settings):
        self.sessions = sessions
        self.settings = settings
        key = settings.sender.verp_key() if settings.sender.verp else None
        self.verp = Verp(settings.sender.envelope_sender(), key) if key else None
        self.effects = Effects(RetryPolicy.from_settings(settings), settings.sender.address)
        self.classifier = Classifier(settings.imap.classify_seconds)
        self.originals = Archive(settings.archive.inbound_path)
        self.campaign_key = settings.campaign.key()
        own = {settings.sender.address, settings.sender.envelope_sender()}
        own |= {settings.campaign.reply_to or "", settings.sender.reply_to or ""}
        self.own_domains = {a.rsplit("@", 1)[-1].lower() for a in own if "@" in a}

    async def close(self) -> None:
        await self.classifier.close()

    async def poll(
        self,
        mailbox: BounceMailbox,
        report: PollReport | None = None,
        on_message: Callable[[PollReport], None] | None = None,
    ) -> PollReport:
        """Read, apply and file every new message once; counts go into ``report``, and
        ``on_message`` hears of each message done (a progress bar)."""
        report = report if report is not None else PollReport()
        imap = self.settings.imap
        uidvalidity = await mailbox.open()
        try:
            async with transaction(self.sessions) as session:
                cursor = await session.get(MailboxCursor, mailbox.name)
                if cursor is None or cursor.uidvalidity != uidvalidity:
                    if cursor is not None:
                        log.warning(
                            "%s: UIDVALIDITY changed %s → %s; reading from the start",
                            mailbox.name,
                            cursor.uidvalidity,
                            uidvalidity,
                        )
                    cursor = (
                        MailboxCursor(mailbox=mailbox.name, uidvalidity=uidvalidity, last_uid=0)
                        if cursor is None
                        else cursor
                    )
                    cursor.uidvalidity, cursor.last_uid = uidvalidity, 0
                    session.add(cursor)
                last_uid = cursor.last_uid
            while True:
                batch = await mailbox.fetch_after(last_uid, imap.batch_size)
                if not batch:
                    break
                for message in batch:
                    report.fetched += 1
                    seen = await seen_before(
                        self.sessions, mailbox.name, uidvalidity, message.uid, message.raw
                    )
                    folder = (
                        None
                        if seen
                        else await self._handle(mailbox.name, uidvalidity, message.uid, message.raw)
                    )
                    if folder is None:
                        report.skipped += 1
                    elif folder == imap.unrecognized_folder:
                        report.unrecognized += 1
                    elif folder == imap.quarantine_folder:
                        report.quarantined += 1
                    else:
                        report.applied += 1
                    # a message applied before (then cut off before its move) is only filed
                    await mailbox.move(message.uid, folder or seen or imap.unrecognized_folder)
                    last_uid = message.uid
                    async with transaction(self.sessions) as session:
                        cursor = await session.get(MailboxCursor, mailbox.name)
                        assert cursor is not None
                        cursor.last_uid = max(cursor.last_uid, last_uid)
                        session.add(cursor)
                    if on_message is not None:
                        on_message(report)
            async with transaction(self.sessions) as session:
                cursor = await session.get(MailboxCursor, mailbox.name)
                if cursor is not None:
                    cursor.polled_at = utcnow()
                    session.add(cursor)
        finally:
            await mailbox.close()
        bounce_mailbox_read()
        if report.fetched:
            log.info("%s: %s", mailbox.name, report)
        return report

    async def _handle(self, mailbox: str, uidvalidity: int, uid: int, raw: bytes) -> str:
        """Record and apply one new message; the folder to move it to. The message is kept
        as received first: if it cannot be (a full disk), the poll stops with that error and
        the message stays in the mailbox for the next one."""
        imap = self.settings.imap
        sha = (await asyncio.to_thread(self.originals.store, raw)).sha256
        arrival = Arrival(mailbox, uidvalidity, uid, sha, len(raw))
        if len(raw) > imap.max_message_bytes:
            reason = f"over {imap.max_message_bytes} bytes"
            return await self._quarantine(arrival, None, reason)
        try:
            c = await self.classifier.classify(raw)
        except (OverBudget, ClassifierUnavailable) as exc:
            return await self._quarantine(arrival, None, str(exc))
        try:
            if self.campaign_key is not None:
                async with transaction(self.sessions) as session:
                    answer = await find_request(session, c, self.campaign_key)
                    if answer.request is not None:
                        return await self._answer(session, answer.request, arrival, c)
                if answer.forged and c.kind in (Kind.HUMAN, Kind.UNKNOWN):
                    return await self._quarantine(arrival, c, answer.forged)
            async with transaction(self.sessions) as session:
                tied = await tie(session, c, self.verp)
                delivery, evidence = tied.delivery, tied.evidence
                key = None
                if delivery is not None and delivery.id is not None and c.kind in REPORT_KINDS:
                    key = notice_key(c, delivery.id)
                    replay_of = await applied_before(session, key)
                    if replay_of is not None:
                        tied = Tie(
                            None,
                            None,
                            event_text("tie_replay", id=replay_of, delivery=delivery.id),
                        )
                        delivery = evidence = key = None
                if tied.quarantine:
                    folder = imap.quarantine_folder
                elif delivery is None or c.kind == Kind.UNKNOWN:
                    folder = imap.unrecognized_folder
                elif c.kind == Kind.HUMAN or says_address_abandoned(c):
                    # a person's reply, or an auto-reply saying the address is no longer read
                    # (and maybe naming another): a person reads it and decides
                    folder = imap.replies_folder
                else:
                    folder = imap.processed_folder
                inbound = inbound_record(
                    arrival,
                    c,
                    delivery,
                    evidence,
                    folder,
                    note=tied.quarantine,
                    suggestion=tied.suggestion,
                )
                inbound.notice_key = key
                if tied.quarantine:
                    log.warning("%s uid %s quarantined: %s", mailbox, uid, tied.quarantine)
                await chain_inbound(session, inbound)
                if delivery is not None and c.kind != Kind.UNKNOWN:
                    await self.effects.apply(session, delivery, c, inbound, evidence or "")
                    if c.kind == Kind.BOUNCE:
                        for r in c.recipients:
                            BOUNCES.labels(r.reason or "undefined").inc()
                    invoice = await session.get(Invoice, delivery.invoice_id)
                    number = invoice.number if invoice else f"#{delivery.invoice_id}"
                    log.info(
                        "invoice %s, delivery %s to %s: %s read (tied by %s)",
                        number,
                        delivery.id,
                        delivery.recipient,
                        c.kind,
                        evidence,
                        extra={
                            "invoice": number,
                            "delivery_id": delivery.id,
                            "recipient": delivery.recipient,
                        },
                    )
            return folder
        except MailboxError:
            raise
        except Exception as exc:  # quarantine, never stop the loop
            reason = f"{type(exc).__name__}: {exc}"
            return await self._quarantine(arrival, c, reason, exc)

    async def _answer(
        self,
        session: AsyncSession,
        request: AddressRequest,
        arrival: Arrival,
        c: Classification,
    ) -> str:
        """A message about a request for a central invoice address: the customer's answer
        (the address it gives proposed to a person), or a report (a bounce fails it)."""
        folder = self.settings.imap.processed_folder
        inbound = inbound_record(arrival, c, None, None, folder)
        inbound.evidence = f"request R{request.id}"
        await chain_inbound(session, inbound)
        assert inbound.id is not None
        if c.kind in (Kind.HUMAN, Kind.UNKNOWN):
            done = record_answer(
                request, c, inbound.id, self.own_domains, self.settings.addresses.shared_mailboxes
            )
        else:
            done = record_report(request, c)
        session.add(request)
        log.info("%s uid %s: %s", arrival.mailbox, arrival.uid, done)
        return folder

    async def _quarantine(
        self,
        arrival: Arrival,
        c: Classification | None,
        reason: str,
        error: BaseException | None = None,
    ) -> str:
        """Set the message aside with its reason: recorded, and filed in quarantine (an
        unexpected ``error`` is logged with its traceback)."""
        folder = self.settings.imap.quarantine_folder
        log.warning(
            "%s uid %s quarantined: %s", arrival.mailbox, arrival.uid, reason, exc_info=error
        )
        inbound = inbound_record(arrival, c, None, None, folder, reason)
        async with transaction(self.sessions) as session:
            await chain_inbound(session, inbound)
        return folder
