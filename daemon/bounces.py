"""Reading the bounce mailbox: classify each message, tie it to its delivery, apply it.

Evidence, strongest first: facturier's delivery token (the X-Facturier-Delivery header in
the returned message, or the DSN's Original-Envelope-Id); the original Message-ID; the
In-Reply-To/References of a reply; then the recipient of a recent delivery ("inferred").
Each message is recorded once per (mailbox, UIDVALIDITY, UID), then moved to the
processed, replies, unrecognized or quarantine folder. A message that cannot be handled
is quarantined with its reason; it never stops the loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bounce_parser import Classification, Kind, RecipientResult, classify
from config import Settings
from daemon.db import SessionFactory, transaction
from daemon.deliveries import new_message_id, record, refresh_invoice_state, sender_domain
from daemon.models import (
    AddressChange,
    CustomerAddress,
    Delivery,
    DeliveryState,
    InboundMessage,
    MailboxCursor,
    utcnow,
)
from daemon.sending import backoff
from daemon.verp import find_verp
from mailer.errors import MailboxError
from mailer.mailbox import BounceMailbox

log = logging.getLogger(__name__)

ATTENTION_REASONS = {
    "spamdetected": "the receiving system took the invoice for spam: ask the customer to allow "
    "the sender address, and check SPF, DKIM and DMARC for the sending domain",
    "policyviolation": "the receiving system's policy refused the message: ask the customer's "
    "IT to allow invoices from this sender",
    "blocked": "the sending server or IP is blocked by the recipient: check blocklists and the "
    "relay's reputation",
    "filtered": "a content filter refused the message: ask the customer to allow the sender",
    "rejected": "the recipient refused the sender address: check the envelope sender and SPF",
    "securityerror": "the recipient's server refused on a security rule (an access list, or "
    "TLS or authentication the relay did not offer): ask the customer's postmaster",
    "failedstarttls": "TLS between the relay and the recipient's server failed: check the "
    "relay's TLS settings and certificates",
    "authfailure": "SPF/DKIM/DMARC checks failed: fix the sending domain's authentication",
    "requireptr": "the relay's IP has no reverse DNS: fix the PTR record",
    "badreputation": "the relay's IP has a poor reputation with the recipient",
    "virusdetected": "the recipient's scanner flagged the attachment",
    "contenterror": "the recipient could not accept the message content",
    "norelaying": "a server refused to relay the message: check the address's domain, and "
    "that the relay may send to it (an Amazon SES sandbox sends only to verified addresses)",
}
SOFT_RETRY_LIMIT = 3
INFERENCE_WINDOW = timedelta(days=14)


@dataclass
class PollReport:
    """What one poll did; counted as it goes, so a poll cut off midway still tells."""

    fetched: int = 0
    applied: int = 0
    unrecognized: int = 0
    quarantined: int = 0
    skipped: int = 0
    reconnects: int = 0


def _note_of(c: Classification, r: RecipientResult | None) -> tuple[str, str]:
    """The event and text that note an auto-reply, read receipt, reply or complaint."""
    if c.kind == Kind.AUTOREPLY:
        until = f" — absent until {c.autoreply_until}" if c.autoreply_until else ""
        return "autoreply", f"auto-reply: {c.subject or ''}{until}"
    if c.kind == Kind.READ_RECEIPT:
        return "read", f"read receipt: {r.diagnostic if r else ''}"
    if c.kind == Kind.HUMAN:
        return "reply", f"customer replied ({c.from_address}): {(c.excerpt or '')[:300]}"
    if c.feedback_type == "opt-out" and c.kind == Kind.FEEDBACK and c.from_address:
        return "complaint", f"the recipient asked to unsubscribe ({c.from_address})"
    return "complaint", f"complaint ({c.feedback_type or 'abuse'}) from the recipient's provider"


@dataclass(frozen=True)
class Verp:
    return_path: str
    key: bytes


@dataclass(frozen=True)
class Tie:
    delivery: Delivery | None
    evidence: str | None
    quarantine: str | None = None
    """Why the message must not be applied (a forged VERP signature, …)."""


REPORT_KINDS = (Kind.BOUNCE, Kind.DELIVERY_REPORT, Kind.FEEDBACK)


async def _by_token(session: AsyncSession, token: str) -> Delivery | None:
    return (await session.exec(select(Delivery).where(Delivery.token == token))).first()


async def tie(session: AsyncSession, c: Classification, verp: Verp | None = None) -> Tie:
    """The delivery a classified message is about, with the evidence that tied it."""
    forged = False
    if verp is not None:
        match = find_verp(c.addressed_to, verp.return_path, verp.key)
        if match is not None and match.valid:
            found = await _by_token(session, match.token)
            if found is not None:
                return Tie(found, "verp")
        forged = match is not None and not match.valid
    for token, evidence in ((c.facturier_token, "token-header"), (c.original_envelope_id, "envid")):
        if token:
            found = await _by_token(session, token)
            if found is not None:
                return Tie(found, evidence)
    for mid, evidence in (
        (c.original_message_id, "message-id"),
        (c.in_reply_to, "in-reply-to"),
        *((ref, "references") for ref in reversed(c.references)),
    ):
        if mid:
            found = (await session.exec(select(Delivery).where(Delivery.message_id == mid))).first()
            if found is not None:
                return Tie(found, evidence)
    if forged and c.kind in REPORT_KINDS:
        return Tie(
            None,
            None,
            "return path carries a VERP token whose signature is wrong, and "
            "nothing else ties it to a delivery: possibly forged",
        )
    if (
        not forged
        and c.kind in (Kind.BOUNCE, Kind.DELIVERY_REPORT, Kind.AUTOREPLY)
        and c.recipients
    ):
        address = c.recipients[0].address.lower()
        found = (
            await session.exec(
                select(Delivery)
                .where(
                    Delivery.recipient == address,
                    col(Delivery.updated_at) >= utcnow() - INFERENCE_WINDOW,
                )
                .order_by(col(Delivery.id).desc())
            )
        ).first()
        if found is not None:
            return Tie(found, "inferred:recipient+time")
    return Tie(None, None)


def _recipient_for(delivery: Delivery, c: Classification) -> RecipientResult | None:
    for r in c.recipients:
        if r.address.lower() == delivery.recipient.lower():
            return r
    return c.recipients[0] if c.recipients else None


class BounceProcessor:
    def __init__(self, sessions: SessionFactory, settings: Settings):
        self.sessions = sessions
        self.settings = settings
        key = settings.sender.verp_key()
        self.verp = Verp(settings.sender.envelope_sender(), key) if key else None

    async def poll(self, mailbox: BounceMailbox, report: PollReport | None = None) -> PollReport:
        """Read, apply and file every new message once; counts go into ``report``."""
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
                    seen = await self._seen(mailbox.name, uidvalidity, message.uid, message.raw)
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
        finally:
            await mailbox.close()
        if report.fetched:
            log.info("%s: %s", mailbox.name, report)
        return report

    async def _seen(self, mailbox: str, uidvalidity: int, uid: int, raw: bytes) -> str | None:
        """The folder of this message if it was handled before, else None.

        Known by its UID, or, after a UIDVALIDITY change renumbered the mailbox, by its bytes.
        """
        sha = hashlib.sha256(raw).hexdigest()
        async with self.sessions() as session:
            row = (
                await session.exec(
                    select(InboundMessage.disposition)
                    .where(
                        InboundMessage.mailbox == mailbox,
                        or_(
                            and_(
                                col(InboundMessage.uidvalidity) == uidvalidity,
                                col(InboundMessage.uid) == uid,
                            ),
                            col(InboundMessage.raw_sha256) == sha,
                        ),
                    )
                    .limit(1)
                )
            ).first()
        return row

    async def _handle(self, mailbox: str, uidvalidity: int, uid: int, raw: bytes) -> str:
        """Record and apply one new message; the folder to move it to."""
        imap = self.settings.imap
        sha = hashlib.sha256(raw).hexdigest()
        if len(raw) > imap.max_message_bytes:
            await self._store(
                mailbox,
                uidvalidity,
                uid,
                raw,
                sha,
                None,
                None,
                None,
                imap.quarantine_folder,
                note=f"over {imap.max_message_bytes} bytes",
            )
            return imap.quarantine_folder
        c = classify(raw)
        try:
            async with transaction(self.sessions) as session:
                tied = await tie(session, c, self.verp)
                delivery, evidence = tied.delivery, tied.evidence
                if tied.quarantine:
                    folder = imap.quarantine_folder
                elif delivery is None or c.kind == Kind.UNKNOWN:
                    folder = imap.unrecognized_folder
                elif c.kind == Kind.HUMAN:
                    folder = imap.replies_folder
                else:
                    folder = imap.processed_folder
                inbound = self._inbound(
                    mailbox,
                    uidvalidity,
                    uid,
                    raw,
                    sha,
                    c,
                    delivery,
                    evidence,
                    folder,
                    note=tied.quarantine,
                )
                if tied.quarantine:
                    log.warning("%s uid %s quarantined: %s", mailbox, uid, tied.quarantine)
                session.add(inbound)
                await session.flush()
                if delivery is not None and c.kind != Kind.UNKNOWN:
                    await self._apply(session, delivery, c, inbound, evidence or "")
            return folder
        except MailboxError:
            raise
        except Exception as exc:  # quarantine, never stop the loop
            log.exception("%s uid %s: cannot apply, quarantined", mailbox, uid)
            await self._store(
                mailbox,
                uidvalidity,
                uid,
                raw,
                sha,
                c,
                None,
                None,
                imap.quarantine_folder,
                note=f"{type(exc).__name__}: {exc}",
            )
            return imap.quarantine_folder

    def _inbound(
        self,
        mailbox: str,
        uidvalidity: int,
        uid: int,
        raw: bytes,
        sha: str,
        c: Classification | None,
        delivery: Delivery | None,
        evidence: str | None,
        folder: str,
        note: str | None = None,
    ) -> InboundMessage:
        data = c.to_dict() if c is not None else {"kind": "unknown"}
        if note:
            data["quarantine_reason"] = note
        return InboundMessage(
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=uid,
            message_id=None,
            subject=(c.subject if c else None),
            from_address=(c.from_address if c else None),
            raw_sha256=sha,
            size=len(raw),
            kind=str(c.kind) if c else "unknown",
            classification=json.dumps(data, default=str),
            delivery_id=delivery.id if delivery else None,
            evidence=evidence,
            disposition=folder,
            customer_message=c.excerpt if c is not None and c.kind == Kind.HUMAN else None,
        )

    async def _store(
        self,
        mailbox: str,
        uidvalidity: int,
        uid: int,
        raw: bytes,
        sha: str,
        c: Classification | None,
        delivery: Delivery | None,
        evidence: str | None,
        folder: str,
        note: str,
    ) -> None:
        async with transaction(self.sessions) as session:
            session.add(
                self._inbound(
                    mailbox, uidvalidity, uid, raw, sha, c, delivery, evidence, folder, note
                )
            )

    async def _apply(
        self,
        session: AsyncSession,
        delivery: Delivery,
        c: Classification,
        inbound: InboundMessage,
        evidence: str,
    ) -> None:
        r = _recipient_for(delivery, c)
        mid = inbound.id
        tied = f" [tied by {evidence}]"
        attention = False
        if c.kind == Kind.DELIVERY_REPORT:
            await record(
                session,
                delivery,
                "delivered",
                state=DeliveryState.DELIVERED,
                status=r.status if r else None,
                text=((r.diagnostic if r else None) or "delivery reported") + tied,
                inbound_message_id=mid,
            )
        elif c.kind in (Kind.AUTOREPLY, Kind.READ_RECEIPT, Kind.HUMAN, Kind.FEEDBACK):
            # noted on the delivery without changing its state; a complaint needs attention
            attention = c.kind == Kind.FEEDBACK
            event, text = _note_of(c, r)
            await record(session, delivery, event, text=text + tied, inbound_message_id=mid)
        elif c.kind == Kind.BOUNCE and r is not None:
            attention = await self._apply_bounce(session, delivery, r, inbound, tied)
        await refresh_invoice_state(session, delivery.invoice_id, attention=attention)

    async def _apply_bounce(
        self,
        session: AsyncSession,
        delivery: Delivery,
        r: RecipientResult,
        inbound: InboundMessage,
        tied: str,
    ) -> bool:
        diag = f"{r.reason or 'unknown reason'}: {r.diagnostic or ''}".strip()
        if r.action == "delayed":
            await record(
                session,
                delivery,
                "delayed",
                text=f"delay reported: {diag}{tied}",
                inbound_message_id=inbound.id,
                smtp_code=r.reply_code,
                status=r.status,
            )
            return False
        if r.hard:
            await record(
                session,
                delivery,
                "bounced",
                state=DeliveryState.BOUNCED,
                text=f"hard bounce — {diag}{tied}",
                inbound_message_id=inbound.id,
                smtp_code=r.reply_code,
                status=r.status,
            )
            await self._mark_undeliverable(session, delivery, r, inbound)
            return False
        if r.reason in ATTENTION_REASONS:
            await record(
                session,
                delivery,
                "bounced",
                state=DeliveryState.BOUNCED,
                text=f"{diag} — hint: {ATTENTION_REASONS[r.reason]}{tied}",
                inbound_message_id=inbound.id,
                smtp_code=r.reply_code,
                status=r.status,
            )
            return True
        await record(
            session,
            delivery,
            "bounced",
            state=DeliveryState.BOUNCED,
            text=f"soft bounce — {diag}{tied}",
            inbound_message_id=inbound.id,
            smtp_code=r.reply_code,
            status=r.status,
        )
        await self._retry_after_soft_bounce(session, delivery)
        return False

    async def _mark_undeliverable(
        self, session: AsyncSession, delivery: Delivery, r: RecipientResult, inbound: InboundMessage
    ) -> None:
        if delivery.address_id is None:
            return
        address = await session.get(CustomerAddress, delivery.address_id)
        if address is None or address.undeliverable:
            return
        address.undeliverable = True
        address.undeliverable_reason = (
            f"{r.status or ''} {r.reason or ''}: {(r.diagnostic or '')[:200]}".strip()
        )
        session.add(address)
        session.add(
            AddressChange(
                customer_id=address.customer_id,
                address_id=address.id,
                field="undeliverable",
                old_value="false",
                new_value="true",
                changed_by="facturier",
                reason=f"hard bounce {r.status or ''} ({r.reason})",
                source=f"bounce:inbound#{inbound.id}",
            )
        )

    async def _retry_after_soft_bounce(self, session: AsyncSession, delivery: Delivery) -> None:
        attempts = (
            await session.exec(
                select(Delivery).where(
                    Delivery.invoice_id == delivery.invoice_id,
                    Delivery.recipient == delivery.recipient,
                    Delivery.kind == delivery.kind,
                    Delivery.reminder_level == delivery.reminder_level,
                )
            )
        ).all()
        if len(attempts) >= SOFT_RETRY_LIMIT:
            await record(
                session,
                delivery,
                "gave-up",
                text=f"{len(attempts)} attempts bounced; no further retry",
            )
            return
        message_id, token = new_message_id(sender_domain(self.settings.sender.address))
        retry = Delivery(
            invoice_id=delivery.invoice_id,
            address_id=delivery.address_id,
            recipient=delivery.recipient,
            kind=delivery.kind,
            reminder_level=delivery.reminder_level,
            message_id=message_id,
            token=token,
            state=DeliveryState.DEFERRED.value,
            next_attempt_at=utcnow()
            + backoff(len(attempts), self.settings.delivery.retry_base_seconds),
        )
        session.add(retry)
        await session.flush()
        await record(
            session,
            retry,
            "deferred",
            state=DeliveryState.DEFERRED,
            text=f"retry {len(attempts) + 1} after a soft bounce of delivery "
            f"#{delivery.id}, at {retry.next_attempt_at:%Y-%m-%d %H:%M} UTC",
        )
