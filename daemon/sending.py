"""The send worker: claim due deliveries, compose, archive, send, record.

A delivery is claimed with a lease (owner and expiry). Its bytes are archived and fsynced
before SMTP DATA, and a re-send (after a crash or a deferral) sends the archived bytes
again, with the same Message-ID. A delivery found in ``sending`` past its lease was cut off
mid-send: it is sent again and marked "possible duplicate".
"""

from __future__ import annotations

import asyncio
import collections
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import col, select

from daemon.composing import Made, MadeMessage, MessageOrder
from daemon.context import AppContext
from daemon.db import is_postgres, transaction
from daemon.models import (
    ArchiveEntry,
    Customer,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Invoice,
    utcnow,
)
from daemon.pacing import Pacer, is_too_many
from daemon.proof import append_entries
from daemon.statements import HeldConnection, run_transaction
from daemon.transitions import (
    DELIVERIES,
    LeaseEnd,
    Transition,
    apply,
    lease_ends_statement,
    record_events,
    record_lease_ends,
    refresh_invoice_states,
)
from daemon.verp import verp_address
from mailer.archive import ArchivedCopy
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
from mailer.wire import WireShape

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


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


_HELD_LANES = 4  # lanes that may each keep a database connection for their hand-off marks
_UNEXPECTED = "delivery %s: unexpected error; it is sent again when its lease ends"


@dataclass(frozen=True)
class _Prepared:
    """A leased delivery's exact bytes, archived before the hand-off."""

    delivery: Delivery
    raw: bytes
    shape: WireShape | None = None


@dataclass(frozen=True)
class _Making:
    """A claimed batch whose messages are being made."""

    ids: list[int]
    deliveries: list[Delivery]
    made: asyncio.Future[list[Made]]  # one per delivery, in order


@dataclass(frozen=True)
class _LeaseEnd:
    """How a leased delivery ended: its event, the columns to set as the lease ends, and for
    an acceptance the bytes sent (filed in the "sent invoices" folder once written)."""

    delivery: Delivery
    transition: Transition
    values: dict[str, Any]
    raw: bytes | None = None

    @classmethod
    def of(
        cls,
        delivery: Delivery,
        event: str,
        state: DeliveryState,
        *,
        raw: bytes | None = None,
        code: int | None = None,
        status: str | None = None,
        text: str | None = None,
        **values: Any,
    ) -> _LeaseEnd:
        assert delivery.id is not None
        transition = Transition(
            delivery.id,
            DeliveryState.SENDING.value,
            event,
            state.value,
            smtp_code=code,
            status=status,
            text=text,
        )
        return cls(delivery, transition, values, raw)

    @property
    def row(self) -> LeaseEnd:
        """What is written of it."""
        return LeaseEnd(self.transition, self.delivery.invoice_id, self.values)

    @property
    def outcome(self) -> SendOutcome:
        t = self.transition
        return SendOutcome(t.delivery_id, t.state_to or t.state_from, t.text or "")


class DeliveryWorker:
    def __init__(self, ctx: AppContext, relay: SmtpRelay, sent_folder: SentFolder | None = None):
        self.ctx = ctx
        self.relays = [relay]  # one connection per message in flight; more made on demand
        self.sent_folder = sent_folder
        self.pacer = Pacer(ctx.settings.smtp, ctx.sessions)
        self._chain_lock = asyncio.Lock()  # one chain append at a time from this worker

    @property
    def relay(self) -> SmtpRelay:
        return self.relays[0]

    async def close(self) -> None:
        for relay in self.relays:
            await relay.close()

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
        """Lease up to ``limit`` due deliveries for this instance (safe across instances)."""
        limit = await self.pacer.allowance(limit)
        if limit <= 0:
            return []
        lease = timedelta(seconds=self.ctx.settings.delivery.lease_seconds)
        async with transaction(self.ctx.sessions) as session:
            stmt = (
                select(Delivery.id, Delivery.state, Delivery.handoff_at, Delivery.invoice_id)
                .where(self._due())
                .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
                .limit(limit)
            )
            if is_postgres(self.ctx.engine):
                stmt = stmt.with_for_update(skip_locked=True)
            candidates = {row[0]: row for row in (await session.exec(stmt)).all()}
            if not candidates:
                return []
            now = utcnow()
            interrupted = col(Delivery.state) == DeliveryState.SENDING.value
            # only a send that reached the relay can have been delivered already
            reached_relay = and_(interrupted, col(Delivery.handoff_at).is_not(None))
            leased = (
                await session.exec(  # type: ignore[call-overload]
                    update(DELIVERIES)
                    .where(col(Delivery.id).in_(list(candidates)), self._due())
                    .values(
                        state=DeliveryState.SENDING.value,
                        lease_owner=self.ctx.instance,
                        lease_expires_at=now + lease,
                        attempts=Delivery.attempts + 1,
                        possible_duplicate=or_(col(Delivery.possible_duplicate), reached_relay),
                        handoff_at=None,
                        updated_at=now,
                    )
                    .returning(col(Delivery.id))
                )
            ).all()
            claimed = sorted(row[0] for row in leased)
            transitions = [self._claim_transition(candidates[i]) for i in claimed]
            # the UPDATE above moved them; a resend after an interruption also notes why
            await record_events(session, [t for t in transitions if t.text is None], at=now)
            await apply(session, [t for t in transitions if t.text is not None], at=now)
            await refresh_invoice_states(session, (candidates[i][3] for i in claimed))
        return claimed

    @staticmethod
    def _claim_transition(row: Any) -> Transition:
        delivery_id, previous, handoff_at, _invoice = row
        interrupted = previous == DeliveryState.SENDING.value
        if not interrupted:
            return Transition(delivery_id, previous, "sending", DeliveryState.SENDING.value)
        return Transition(
            delivery_id,
            previous,
            "resend-after-interruption",
            DeliveryState.SENDING.value,
            text=(
                "interrupted after hand-off to the relay: possible duplicate"
                if handoff_at is not None
                else "interrupted before hand-off to the relay: not sent yet"
            ),
        )

    async def _load(self, ids: list[int]) -> list[tuple[Delivery, Invoice, Customer | None]]:
        """The deliveries ``ids`` with their invoice and customer, in the order given."""
        async with self.ctx.sessions() as session:
            rows = (
                await session.exec(
                    select(Delivery, Invoice, Customer)
                    .join(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
                    .outerjoin(Customer, col(Customer.id) == col(Invoice.customer_id))
                    .where(col(Delivery.id).in_(ids))
                )
            ).all()
        by_id = {row[0].id: (row[0], row[1], row[2]) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def _primary_recipient(self, delivery: Delivery) -> str:
        if delivery.kind == DeliveryKind.INVOICE.value:
            return delivery.recipient
        async with self.ctx.sessions() as session:
            primary = (
                await session.exec(
                    select(Delivery.recipient)
                    .where(
                        Delivery.invoice_id == delivery.invoice_id,
                        Delivery.kind == DeliveryKind.INVOICE.value,
                    )
                    .order_by(col(Delivery.id))
                )
            ).first()
        return primary or delivery.recipient

    async def _archived_bytes(self, delivery: Delivery) -> bytes:
        async with self.ctx.sessions() as session:
            entry = await session.get(ArchiveEntry, delivery.archive_entry_id)
        assert entry is not None
        return await asyncio.to_thread(self.ctx.archive.read, entry.sha256)

    async def _order(
        self, delivery: Delivery, invoice: Invoice, customer: Customer | None, *, archive: bool
    ) -> MessageOrder:
        """What making ``delivery``'s message takes (the invoice's bytes are read by the
        maker, from the invoice store)."""
        settings = self.ctx.settings
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
            "invoice_to": await self._primary_recipient(delivery),
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
            attachment=Attachment(invoice.file_name, content_type, b"", invoice.file_sha256),
            is_copy=delivery.kind == DeliveryKind.COPY.value,
            delivery_token=delivery.token,
            extra_headers={"X-Facturier-Invoice": invoice.number},
        )
        return MessageOrder(spec, settings.smtp.max_message_bytes, archive)

    async def message_bytes(
        self, delivery: Delivery, invoice: Invoice, customer: Customer | None
    ) -> bytes:
        """The exact bytes for ``delivery``: the archived ones when it was sent before."""
        if delivery.archive_entry_id is not None:
            return await self._archived_bytes(delivery)
        order = await self._order(delivery, invoice, customer, archive=False)
        return (await self.ctx.maker.make(order)).raw

    async def _start_making(self, ids: list[int]) -> _Making:
        """Load a claimed batch and start making its messages, each archived before it is
        sent: a re-send takes the archived bytes, anything else is made by the maker (in
        its processes) and stored."""
        loaded = await self._load(ids)

        async def make_all() -> list[Made]:
            made: dict[int, Made] = {}
            orders: dict[int, MessageOrder] = {}
            for i, (delivery, invoice, customer) in enumerate(loaded):
                try:
                    if delivery.archive_entry_id is not None:
                        made[i] = MadeMessage(await self._archived_bytes(delivery), None)
                    else:
                        orders[i] = await self._order(delivery, invoice, customer, archive=True)
                except Exception as exc:
                    made[i] = exc
            results = await self.ctx.maker.make_many(list(orders.values()))
            made.update(zip(orders, results, strict=True))
            return [made[i] for i in range(len(loaded))]

        return _Making(ids, [d for d, _, _ in loaded], asyncio.ensure_future(make_all()))

    async def _finish_making(self, making: _Making) -> tuple[list[_Prepared], list[SendOutcome]]:
        """Wait for a batch's messages, then link the new archive copies into the chain in
        one transaction. A message that cannot be made is failed with its reason; an
        unexpected error leaves that delivery leased, to be tried again when its lease
        ends."""
        try:
            results: list[Made] = await making.made
        except Exception as exc:  # the maker's process died: every message of the batch
            results = [exc] * len(making.deliveries)
        prepared: list[_Prepared] = []
        outcomes: list[SendOutcome] = []
        archived: list[tuple[_Prepared, ArchivedCopy]] = []
        for delivery, made in zip(making.deliveries, results, strict=True):
            if isinstance(made, (MessageRefused, ArchiveError)):
                outcomes.append(
                    await self._finish(delivery, DeliveryState.FAILED, "refused", text=str(made))
                )
            elif isinstance(made, BaseException):  # one delivery's trouble never stops others
                log.error(_UNEXPECTED, delivery.id, exc_info=made)
            else:
                item = _Prepared(delivery, made.raw, made.shape)
                prepared.append(item)
                if made.copy is not None:
                    archived.append((item, made.copy))
        if archived:
            async with self._chain_lock, transaction(self.ctx.sessions) as session:
                entries = await append_entries(
                    session, [(copy, item.delivery.message_id) for item, copy in archived]
                )
                notes, entry_of = [], {}
                for (item, copy), entry in zip(archived, entries, strict=True):
                    assert item.delivery.id is not None
                    notes.append(
                        Transition(
                            item.delivery.id,
                            DeliveryState.SENDING.value,
                            "archived",
                            text=f"chain position {entry.seq}, sha256 {copy.sha256}",
                        )
                    )
                    entry_of[item.delivery.id] = {"archive_entry_id": entry.id}
                await apply(session, notes, each=entry_of)
        return prepared, outcomes

    async def _hand_off(
        self, item: _Prepared, relay: SmtpRelay, marking: asyncio.Future[Any]
    ) -> SendOutcome | _LeaseEnd:
        """Send one archived message while ``marking`` writes its hand-off mark, which the
        relay waits for before the line that ends the message; an acceptance comes back
        unwritten, for the lane to write with its next hand-off."""
        delivery, raw = item.delivery, item.raw
        try:
            reply = await relay.send(
                self.envelope_sender(delivery.token),
                delivery.recipient,
                raw,
                envid=delivery.token,
                shape=item.shape,
                before_end=marking,
            )
        except (TransientMailError, PermanentMailError) as exc:
            # refused before the message ended: the mark is written (or failed) first, so
            # that this outcome is the delivery's last write
            await asyncio.wait([marking])
            marking.result()  # a failed mark: the lease runs out, nothing was sent
            if isinstance(exc, TransientMailError):
                return await self._defer(delivery, exc)
            return await self._finish(
                delivery,
                DeliveryState.FAILED,
                "failed",
                code=exc.code,
                status=exc.status,
                text=str(exc),
            )
        self.pacer.succeeded()
        text = reply.text + (f" (queue id {reply.queue_id})" if reply.queue_id else "")
        return _LeaseEnd.of(
            delivery,
            "accepted",
            DeliveryState.ACCEPTED,
            raw=raw,
            code=reply.code,
            status=reply.status,
            text=text,
            next_attempt_at=None,
        )

    async def _release(self, delivery: Delivery) -> SendOutcome:
        """Give a leased delivery back untouched while the relay asks us to wait."""
        wait = max(self.pacer.paused_for(), 60.0)
        next_attempt = utcnow() + timedelta(seconds=wait)
        text = f"relay paced: not sent, next attempt at {next_attempt:%Y-%m-%d %H:%M:%S} UTC"
        return await self._end_lease(
            delivery,
            "deferred",
            DeliveryState.DEFERRED,
            text=text,
            next_attempt_at=next_attempt,
            attempts=max(0, delivery.attempts - 1),  # the lease was not an attempt
        )

    async def _defer(self, delivery: Delivery, exc: TransientMailError) -> SendOutcome:
        settings = self.ctx.settings.delivery
        pause = self.pacer.slow_down(exc) if is_too_many(exc) else 0.0
        age = utcnow() - delivery.created_at
        if age > timedelta(hours=settings.retry_max_age_hours):
            state = DeliveryState.EXPIRED
            text = f"gave up after {delivery.attempts} attempts: {exc}"
            values: dict[str, Any] = {}
        else:
            state = DeliveryState.DEFERRED
            delay = max(
                backoff(delivery.attempts, settings.retry_base_seconds), timedelta(seconds=pause)
            )
            next_attempt = utcnow() + delay
            text = f"{exc}; next attempt at {next_attempt:%Y-%m-%d %H:%M:%S} UTC"
            values = {"next_attempt_at": next_attempt}
        return await self._end_lease(
            delivery, state.value, state, code=exc.code, status=exc.status, text=text, **values
        )

    async def _finish(
        self, delivery: Delivery, state: DeliveryState, event: str, **details: Any
    ) -> SendOutcome:
        """End the lease for good (accepted, failed, refused): no next attempt."""
        return await self._end_lease(delivery, event, state, next_attempt_at=None, **details)

    async def _end_lease(
        self, delivery: Delivery, event: str, state: DeliveryState, **details: Any
    ) -> SendOutcome:
        """Record how the leased delivery ended and give up the lease (``details``: the
        reply's code, status and text, and columns to set, as for :meth:`_LeaseEnd.of`)."""
        end = _LeaseEnd.of(delivery, event, state, **details)
        return (await self._record([end]))[0]

    async def _record(
        self, ends: list[_LeaseEnd], *, hand_off: int | None = None
    ) -> list[SendOutcome]:
        """Write how leases ended, and mark ``hand_off`` as handed to the relay, in one
        transaction; then file the accepted messages in the "sent invoices" folder."""
        outcomes = await self._write(ends, hand_off=hand_off)
        await self._file_sent_copies(ends)
        return outcomes

    async def _write(
        self,
        ends: list[_LeaseEnd],
        *,
        hand_off: int | None = None,
        held: HeldConnection | None = None,
    ) -> list[SendOutcome]:
        """The transaction of :meth:`_record` (on the ``held`` connection when given)."""
        if not ends and hand_off is None:
            return []
        rows = [end.row for end in ends]
        # on PostgreSQL one statement (one round trip) instead of seven
        together = is_postgres(self.ctx.engine)
        statements = (
            lease_ends_statement(rows, hand_off) if together else record_lease_ends(rows, hand_off)
        )
        if held is not None:
            await held.run(statements)
        else:
            await run_transaction(self.ctx.engine, statements)
        for end in ends:
            delivery, state, text = end.delivery, end.transition.state_to, end.transition.text
            (log.info if state == DeliveryState.ACCEPTED.value else log.warning)(
                "delivery %s to %s: %s %s", delivery.id, delivery.recipient, state, text or ""
            )
        return [end.outcome for end in ends]

    async def _file_sent_copies(self, ends: list[_LeaseEnd]) -> None:
        for end in ends:
            if end.transition.state_to == DeliveryState.ACCEPTED.value:
                await self.file_sent_copy(end.transition.delivery_id, end.raw)

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

    async def send_many(self, ids: list[int]) -> list[SendOutcome]:
        """Make, archive and send leased deliveries."""
        prepared, done = await self._finish_making(await self._start_making(ids))
        return await self._send_prepared(ids, prepared, done)

    async def _send_prepared(
        self, ids: list[int], prepared: list[_Prepared], done: list[SendOutcome]
    ) -> list[SendOutcome]:
        """Send archived messages, up to the relay's connection limit at once. The messages
        are taken out of ``prepared`` (left empty), so each one's bytes are freed once it is
        sent, not when the whole batch is."""
        outcomes = {o.delivery_id: o for o in done}
        pending = collections.deque(prepared)
        prepared.clear()
        width = max(1, min(self.pacer.connections, len(pending)))
        max_wait = self.ctx.settings.delivery.lease_seconds / 3
        # a lane keeps one database connection for its marks (one a message) while the batch
        # lasts; more than a few lanes would tie up the pool that claims and chains need
        hold = width <= _HELD_LANES
        while len(self.relays) < width:
            self.relays.append(self.ctx.relay())

        async def lane(relay: SmtpRelay) -> None:
            # A lane's acceptances are written in the transaction that marks its next
            # hand-off: one write a message, and at any moment at most one message per lane
            # handed to the relay whose outcome is not recorded (all a crash can mark
            # "possible duplicate").
            accepted: list[_LeaseEnd] = []
            held = HeldConnection(self.ctx.engine) if hold else None
            try:
                while pending:
                    item = pending.popleft()
                    delivery = item.delivery
                    assert delivery.id is not None
                    result: SendOutcome | _LeaseEnd | None = None
                    written: list[_LeaseEnd] = []
                    try:
                        if not await self.pacer.wait_turn(max_wait):
                            outcomes[delivery.id] = await self._release(delivery)
                            continue
                        # the last acceptances and this hand-off are written while the envelope
                        # goes out; the relay waits for the write before the message's end
                        marking = asyncio.ensure_future(
                            self._write(accepted, hand_off=delivery.id, held=held)
                        )
                        try:
                            result = await self._hand_off(item, relay, marking)
                        finally:
                            await asyncio.wait([marking])
                            if not marking.cancelled() and marking.exception() is None:
                                for outcome in marking.result():
                                    outcomes[outcome.delivery_id] = outcome
                                written, accepted = accepted, []
                    except Exception:  # one delivery's trouble never stops the others
                        log.exception(_UNEXPECTED, delivery.id)
                    if isinstance(result, _LeaseEnd):
                        accepted.append(result)
                    elif result is not None:
                        outcomes[result.delivery_id] = result
                    try:
                        await self._file_sent_copies(written)
                    except Exception:
                        log.exception(_UNEXPECTED, ", ".join(str(w.delivery.id) for w in written))
            finally:
                if held is not None:
                    await held.release()
            try:
                for outcome in await self._record(accepted):
                    outcomes[outcome.delivery_id] = outcome
            except Exception:
                log.exception(
                    _UNEXPECTED, ", ".join(str(a.transition.delivery_id) for a in accepted)
                )

        await asyncio.gather(*(lane(relay) for relay in self.relays[:width]))
        return [outcomes[i] for i in ids if i in outcomes]

    async def run_once(
        self, batch: int | None = None, *, stop: Callable[[], bool] | None = None
    ) -> list[SendOutcome]:
        """Send everything due now, a batch at a time; returns what happened to each.

        While one batch is being sent, the next is claimed and its messages are made (in the
        maker's processes), so composing and sending overlap; a batch is claimed and handed
        to the maker before the one before it is made, so the maker always has one waiting.
        On SQLite, which has one writer, database writes stay one at a time: a batch is
        claimed, then the one before it is linked into the archive chain, then that one is
        sent. On PostgreSQL the claiming and the linking run beside the sending too, so the
        relay never waits for them.
        ``stop`` ends the claiming; what was claimed is sent.
        """
        batch = batch or self.ctx.settings.delivery.claim_batch
        outcomes: list[SendOutcome] = []
        beside = is_postgres(self.ctx.engine)

        async def claim_next() -> _Making | None:
            if stop is not None and stop():
                return None
            ids = await self.claim(batch)
            return await self._start_making(ids) if ids else None

        async def ready(making: _Making | None) -> tuple[_Ready | None, _Making | None]:
            """``making`` made and linked into the chain, and the batch claimed after it:
            the next one goes to the maker before this one is done, so the maker (the
            slower half) never waits for a claim."""
            following = await claim_next() if making is not None else None
            try:
                return (await self._ready(making) if making else None), following
            except BaseException:
                await _settle(following)  # its leases end and it is claimed again
                raise

        current, following = await ready(await claim_next())
        while current is not None:
            # on PostgreSQL the next batch is readied while this one is sent
            ahead = asyncio.ensure_future(ready(following)) if beside else None
            try:
                outcomes += await self._send_prepared(*current)
            except BaseException:
                if ahead is None:
                    await _settle(following)
                else:
                    [settled] = await asyncio.gather(ahead, return_exceptions=True)
                    if isinstance(settled, tuple):
                        await _settle(settled[1])
                raise
            current, following = await (ahead if ahead is not None else ready(following))
        return outcomes

    async def _ready(self, making: _Making) -> _Ready:
        prepared, done = await self._finish_making(making)
        return making.ids, prepared, done


_Ready = tuple[list[int], list[_Prepared], list[SendOutcome]]
"""A batch ready to send: its ids, its archived messages, the outcomes known already."""


async def _settle(making: _Making | None) -> None:
    """Let a claimed batch that will not be sent finish being made (its leases end and it
    is claimed again)."""
    if making is not None:
        await asyncio.gather(making.made, return_exceptions=True)
