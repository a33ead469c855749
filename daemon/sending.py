"""The send worker: claim due deliveries, compose, archive, send, record.

A delivery is claimed with a lease (owner and expiry). Its bytes are archived and fsynced
before SMTP DATA, and a re-send (after a crash or a deferral) sends the archived bytes
again, with the same Message-ID. A delivery found in ``sending`` past its lease was cut off
mid-send: it is sent again and marked "possible duplicate".
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, update
from sqlmodel import col, select

from daemon.context import AppContext
from daemon.db import is_postgres, transaction
from daemon.deliveries import record, refresh_invoice_state
from daemon.models import (
    ArchiveEntry,
    Customer,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Invoice,
    utcnow,
)
from daemon.proof import append_entry
from daemon.verp import verp_address
from mailer.archive import Archive
from mailer.compose import Attachment, MessageSpec
from mailer.errors import (
    ArchiveError,
    MailboxError,
    MessageRefused,
    PermanentMailError,
    TransientMailError,
)
from mailer.mailbox import SentFolder
from mailer.smtp import SmtpRelay

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
_chain_lock = asyncio.Lock()  # one chain append at a time in this process


@dataclass(frozen=True)
class SendOutcome:
    delivery_id: int
    state: str
    detail: str


def format_amount(amount: Decimal, language: str) -> str:
    text = f"{amount:,.2f}"
    if language == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def format_date(value: date | None, language: str) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()


def backoff(attempts: int, base_seconds: int) -> timedelta:
    delay = timedelta(seconds=base_seconds * (2 ** max(0, attempts - 1)))
    delay = min(delay, MAX_BACKOFF)
    return delay * random.uniform(0.8, 1.2)


class DeliveryWorker:
    def __init__(self, ctx: AppContext, relay: SmtpRelay, sent_folder: SentFolder | None = None):
        self.ctx = ctx
        self.relay = relay
        self.sent_folder = sent_folder
        self.invoice_store = Archive(ctx.settings.ingest.store)

    def _due(self):  # type: ignore[no-untyped-def]
        now = utcnow()
        return or_(
            and_(
                col(Delivery.state).in_([DeliveryState.QUEUED.value, DeliveryState.DEFERRED.value]),
                or_(col(Delivery.next_attempt_at).is_(None), col(Delivery.next_attempt_at) <= now),
            ),
            and_(
                col(Delivery.state) == DeliveryState.SENDING.value,
                col(Delivery.lease_expires_at) < now,
            ),
        )

    def envelope_sender(self, token: str) -> str:
        sender = self.ctx.settings.sender
        key = sender.verp_key() if sender.verp else None
        return (
            verp_address(sender.envelope_sender(), token, key) if key else sender.envelope_sender()
        )

    async def claim(self, limit: int) -> list[int]:
        """Take up to ``limit`` due deliveries for this instance (safe across instances)."""
        lease = timedelta(seconds=self.ctx.settings.delivery.lease_seconds)
        claimed: list[int] = []
        async with transaction(self.ctx.sessions) as session:
            stmt = (
                select(Delivery)
                .where(self._due())
                .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
                .limit(limit)
            )
            if is_postgres(self.ctx.engine):
                stmt = stmt.with_for_update(skip_locked=True)
            candidates = (await session.exec(stmt)).all()
            for delivery in candidates:
                previous = delivery.state
                interrupted = previous == DeliveryState.SENDING.value
                # only a send that reached the relay can have been delivered already
                maybe_sent = interrupted and delivery.handoff_at is not None
                now = utcnow()
                result = await session.exec(  # type: ignore[call-overload]
                    update(Delivery)
                    .where(col(Delivery.id) == delivery.id, self._due())
                    .values(
                        state=DeliveryState.SENDING.value,
                        lease_owner=self.ctx.instance,
                        lease_expires_at=now + lease,
                        attempts=Delivery.attempts + 1,
                        possible_duplicate=Delivery.possible_duplicate | maybe_sent,
                        handoff_at=None,
                        updated_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount != 1:
                    continue
                await session.refresh(delivery)
                delivery.state = previous  # the event records where it came from
                await record(
                    session,
                    delivery,
                    "resend-after-interruption" if interrupted else "sending",
                    state=DeliveryState.SENDING,
                    text=(
                        "interrupted after hand-off to the relay: possible duplicate"
                        if maybe_sent
                        else "interrupted before hand-off to the relay: not sent yet"
                        if interrupted
                        else None
                    ),
                )
                assert delivery.id is not None
                claimed.append(delivery.id)
                await refresh_invoice_state(session, delivery.invoice_id)
        return claimed

    async def _message_bytes(self, delivery: Delivery) -> bytes:
        settings = self.ctx.settings
        async with self.ctx.sessions() as session:
            if delivery.archive_entry_id is not None:
                entry = await session.get(ArchiveEntry, delivery.archive_entry_id)
                assert entry is not None
                return await asyncio.to_thread(self.ctx.archive.read, entry.sha256)
            invoice = await session.get(Invoice, delivery.invoice_id)
            assert invoice is not None
            customer = (
                await session.get(Customer, invoice.customer_id) if invoice.customer_id else None
            )
            primary = (
                await session.exec(
                    select(Delivery.recipient).where(
                        Delivery.invoice_id == invoice.id,
                        Delivery.kind == DeliveryKind.INVOICE.value,
                    )
                )
            ).first()
        data = await asyncio.to_thread(self.invoice_store.read, invoice.file_sha256)
        language = customer.language if customer else settings.templates.default_language
        overdue = (date.today() - invoice.due_date).days if invoice.due_date else 0
        ctx = {
            "number": invoice.number,
            "seller_name": invoice.seller_name or settings.sender.name,
            "customer_name": invoice.buyer_name,
            "currency": invoice.currency,
            "amount": format_amount(invoice.amount_due, language),
            "issue_date": format_date(invoice.issue_date, language),
            "due_date": format_date(invoice.due_date, language),
            "invoice_to": primary or delivery.recipient,
            "level": delivery.reminder_level,
            "days_overdue": overdue,
        }
        content_type = (
            "application/pdf" if invoice.file_name.lower().endswith(".pdf") else "application/xml"
        )
        spec = MessageSpec(
            message_id=delivery.message_id,
            sender_name=settings.sender.name,
            sender_address=settings.sender.address,
            recipient=delivery.recipient,
            recipient_name=customer.name if customer else None,
            reply_to=settings.sender.reply_to,
            template="reminder" if delivery.kind == DeliveryKind.REMINDER.value else "invoice",
            language=language,
            context=ctx,
            attachment=Attachment(invoice.file_name, content_type, data, invoice.file_sha256),
            is_copy=delivery.kind == DeliveryKind.COPY.value,
            delivery_token=delivery.token,
            extra_headers={"X-Facturier-Invoice": invoice.number},
        )
        return self.ctx.composer.compose(spec, max_bytes=settings.smtp.max_message_bytes)

    async def send(self, delivery_id: int) -> SendOutcome:
        async with self.ctx.sessions() as session:
            delivery = await session.get(Delivery, delivery_id)
        assert delivery is not None
        try:
            raw = await self._message_bytes(delivery)
        except (MessageRefused, ArchiveError) as exc:
            return await self._finish(delivery_id, DeliveryState.FAILED, "refused", text=str(exc))
        if delivery.archive_entry_id is None:
            copy = await asyncio.to_thread(self.ctx.archive.store, raw)
            async with _chain_lock, transaction(self.ctx.sessions) as session:
                entry = await append_entry(session, copy, delivery.message_id)
                fresh = await session.get(Delivery, delivery_id)
                assert fresh is not None
                fresh.archive_entry_id = entry.id
                fresh.handoff_at = utcnow()
                await record(
                    session,
                    fresh,
                    "archived",
                    text=f"chain position {entry.seq}, sha256 {copy.sha256}",
                )
        else:
            async with transaction(self.ctx.sessions) as session:
                await session.exec(  # type: ignore[call-overload]
                    update(Delivery)
                    .where(col(Delivery.id) == delivery_id)
                    .values(handoff_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
        try:
            reply = await self.relay.send(
                self.envelope_sender(delivery.token),
                delivery.recipient,
                raw,
                envid=delivery.token,
            )
        except TransientMailError as exc:
            return await self._defer(delivery_id, exc)
        except PermanentMailError as exc:
            return await self._finish(
                delivery_id,
                DeliveryState.FAILED,
                "failed",
                code=exc.code,
                status=exc.status,
                text=str(exc),
            )
        text = reply.text + (f" (queue id {reply.queue_id})" if reply.queue_id else "")
        outcome = await self._finish(
            delivery_id,
            DeliveryState.ACCEPTED,
            "accepted",
            code=reply.code,
            status=reply.status,
            text=text,
        )
        await self.file_sent_copy(delivery_id, raw)
        return outcome

    async def _defer(self, delivery_id: int, exc: TransientMailError) -> SendOutcome:
        settings = self.ctx.settings.delivery
        async with transaction(self.ctx.sessions) as session:
            delivery = await session.get(Delivery, delivery_id)
            assert delivery is not None
            delivery.handoff_at = None
            age = utcnow() - delivery.created_at
            if age > timedelta(hours=settings.retry_max_age_hours):
                await record(
                    session,
                    delivery,
                    "expired",
                    state=DeliveryState.EXPIRED,
                    smtp_code=exc.code,
                    status=exc.status,
                    text=f"gave up after {delivery.attempts} attempts: {exc}",
                )
            else:
                delivery.next_attempt_at = utcnow() + backoff(
                    delivery.attempts, settings.retry_base_seconds
                )
                delivery.lease_owner = delivery.lease_expires_at = delivery.handoff_at = None
                await record(
                    session,
                    delivery,
                    "deferred",
                    state=DeliveryState.DEFERRED,
                    smtp_code=exc.code,
                    status=exc.status,
                    text=f"{exc}; next attempt at {delivery.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC",
                )
            await refresh_invoice_state(session, delivery.invoice_id)
            return SendOutcome(delivery_id, delivery.state, delivery.last_text or str(exc))

    async def _finish(
        self,
        delivery_id: int,
        state: DeliveryState,
        event: str,
        *,
        code: int | None = None,
        status: str | None = None,
        text: str | None = None,
    ) -> SendOutcome:
        async with transaction(self.ctx.sessions) as session:
            delivery = await session.get(Delivery, delivery_id)
            assert delivery is not None
            delivery.lease_owner = delivery.lease_expires_at = None
            delivery.next_attempt_at = delivery.handoff_at = None
            await record(
                session, delivery, event, state=state, smtp_code=code, status=status, text=text
            )
            await refresh_invoice_state(session, delivery.invoice_id)
        (log.info if state == DeliveryState.ACCEPTED else log.warning)(
            "delivery %s to %s: %s %s", delivery_id, delivery.recipient, state.value, text or ""
        )
        return SendOutcome(delivery_id, state.value, text or "")

    async def file_sent_copy(self, delivery_id: int, raw: bytes | None = None) -> bool:
        """APPEND the sent message to the "sent invoices" folder; False to try again later."""
        if self.sent_folder is None:
            return True
        async with self.ctx.sessions() as session:
            delivery = await session.get(Delivery, delivery_id)
            assert delivery is not None
            entry = (
                await session.get(ArchiveEntry, delivery.archive_entry_id)
                if delivery.archive_entry_id
                else None
            )
        if entry is None or entry.sent_folder_appended:
            return True
        try:
            data = (
                raw
                if raw is not None
                else await asyncio.to_thread(self.ctx.archive.read, entry.sha256)
            )
            await self.sent_folder.append(data)
        except (MailboxError, ArchiveError, OSError) as exc:
            log.warning("sent folder: copy of %s not filed yet: %s", delivery.message_id, exc)
            return False
        async with transaction(self.ctx.sessions) as session:
            fresh = await session.get(ArchiveEntry, entry.id)
            assert fresh is not None
            fresh.sent_folder_appended = True
            session.add(fresh)
        return True

    async def file_pending_sent_copies(self, limit: int = 100) -> int:
        async with self.ctx.sessions() as session:
            pending = (
                await session.exec(
                    select(Delivery.id)
                    .join(ArchiveEntry, col(ArchiveEntry.id) == col(Delivery.archive_entry_id))
                    .where(
                        col(ArchiveEntry.sent_folder_appended).is_(False),
                        col(Delivery.state).in_(
                            [DeliveryState.ACCEPTED.value, DeliveryState.DELIVERED.value]
                        ),
                    )
                    .limit(limit)
                )
            ).all()
        done = 0
        for delivery_id in pending:
            if delivery_id is not None and await self.file_sent_copy(delivery_id):
                done += 1
        return done

    async def run_once(self, batch: int = 50) -> list[SendOutcome]:
        """Send everything due now; returns what happened to each."""
        outcomes: list[SendOutcome] = []
        while True:
            ids = await self.claim(batch)
            if not ids:
                return outcomes
            for delivery_id in ids:
                outcomes.append(await self.send(delivery_id))
