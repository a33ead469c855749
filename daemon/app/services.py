"""The service layer in one object: what the CLI, the runtime and the TUI call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, tzinfo
from functools import partial
from pathlib import Path

from config import Settings
from daemon.app.archived import (
    ArchivedMessage,
    OriginalMessage,
    archived_message,
    original_messages,
    write_invoice_pdf,
)
from daemon.app.attention import AttentionQueue
from daemon.app.campaign import Campaign
from daemon.app.context import AppContext
from daemon.app.figures import Figures
from daemon.app.invoice_list import InvoiceList
from daemon.app.queries import Queries
from daemon.app.report import Report
from daemon.domain.errors import ValidationError
from daemon.domain.i18n import _
from daemon.domain.labels import state_label
from daemon.domain.models import AddressRole, Delivery, Invoice
from daemon.domain.retry import RetryPolicy
from daemon.domain.states import SET_ASIDE
from daemon.inbound.bounces import BounceProcessor, PollReport
from daemon.inbound.by_hand import tie_by_hand
from daemon.intake.addresses import still_undeliverable
from daemon.intake.amounts import AmountsService
from daemon.intake.buyers import BuyersService
from daemon.intake.customer_records import customer_email
from daemon.intake.customers import CustomerService
from daemon.intake.disputes import set_dispute
from daemon.intake.due_dates import set_due_date
from daemon.intake.duplicates import DuplicateService
from daemon.intake.ingest import IngestService
from daemon.intake.payments import PaymentService
from daemon.intake.rules import ComplianceGate
from daemon.intake.withdrawal import withdraw
from daemon.outbound.chain_head import export_head, verify_heads, verify_ledger
from daemon.outbound.outcomes import SendOutcome
from daemon.outbound.planning import request_resend
from daemon.outbound.proof import verify_archive
from daemon.outbound.proof_package import PackageSources, export_package
from daemon.outbound.reminders import ReminderService, due_day
from daemon.outbound.worker import DeliveryWorker
from daemon.store.db import schema_revisions, upgrade
from daemon.store.keys import ensure_key_file
from mailer.dkim import read_key
from mailer.errors import MailboxError

log = logging.getLogger(__name__)


class Facturier:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        s = ctx.settings
        self.ingest = IngestService(
            ctx.sessions,
            s.ingest,
            s.sender.address,
            s.templates.default_language,
            payment_reference=s.payments.reference,
            gate=ComplianceGate.from_settings(s.compliance),
            max_file_bytes=s.smtp.max_message_bytes,
            zone=s.schedule.zone,
        )
        self.customers = CustomerService(
            ctx.sessions,
            s.sender.address,
            self.ingest.store,
            s.addresses.shared_mailboxes,
            today=s.schedule.today,
        )
        self.duplicates = DuplicateService(ctx.sessions, s.sender.address)
        self.amounts = AmountsService(ctx.sessions, s.sender.address)
        self.buyers = BuyersService(ctx.sessions, s.sender.address, self.ingest.store)
        self.payments = PaymentService(
            ctx.sessions, s.payments, today=s.schedule.today, due_day=partial(due_day, s)
        )
        self.campaign = Campaign(ctx.sessions, s, self.customers, ctx.relay())
        self.report = Report(ctx.sessions, today=s.schedule.today, settings=s)
        self.queries = Queries(ctx.sessions, s)
        self.invoice_list = InvoiceList(ctx.sessions, s)
        self.attention = AttentionQueue(ctx.sessions, s)
        self.figures = Figures(ctx.sessions, s.schedule.zone)
        self.reminders = ReminderService(ctx.sessions, s)
        self.bounces = BounceProcessor(ctx.sessions, s)
        self._poll_lock = asyncio.Lock()  # one poll at a time (IDLE and the schedule)

    @property
    def zone(self) -> tzinfo:
        """The business's time zone (``[schedule] timezone``): the one times are shown in."""
        return self.ctx.settings.schedule.zone

    def today(self) -> date:
        """Today's date in the business's time zone (``[schedule] timezone``)."""
        return self.ctx.settings.schedule.today()

    @classmethod
    async def open(cls, settings: Settings, *, migrate: bool = True) -> Facturier:
        """The services on ``settings``' database, its schema brought up to date first; with
        ``migrate=False`` (a viewer, which never writes) an out-of-date schema is refused."""
        ctx = AppContext.from_settings(settings)
        try:
            if migrate:
                await upgrade(ctx.engine)
                sender = settings.sender
                if sender.verp and sender.verp_key() is None:
                    await asyncio.to_thread(ensure_key_file, sender.verp_key_file)
                signing = settings.dkim.signing(sender.address)
                if signing is not None:  # a key that cannot sign stops here, not each message
                    await asyncio.to_thread(read_key, signing[2])
            else:
                found, needed = await schema_revisions(ctx.engine)
                if found != needed:
                    raise ValidationError(
                        _(
                            "the database schema is at {found}, this facturier needs {needed}: "
                            "run `facturier db upgrade` first"
                        ).format(found=found or _("nothing yet"), needed=needed)
                    )
        except BaseException:
            await ctx.close()
            raise
        return cls(ctx)

    async def tie_message(
        self, inbound_id: int, number: str, *, invoice_id: int | None, by: str, reason: str
    ) -> Delivery:
        """Tie an unrecognized or quarantined message to the invoice ``number`` (an
        ambiguous number is refused with the candidates): recorded, applied, dealt with."""
        invoice = await self.queries.find_invoice(number, invoice_id=invoice_id)
        return await tie_by_hand(
            self.ctx.sessions,
            self.ctx.settings,
            self.bounces.effects,
            inbound_id,
            invoice,
            by=by,
            reason=reason,
        )

    async def mark_paid(
        self,
        number: str,
        *,
        invoice_id: int | None = None,
        by: str,
        reason: str = "marked paid",
        on: date | None = None,
    ) -> Invoice:
        """Record the invoice ``number`` paid in full (a payment by hand of its balance); an
        ambiguous number is refused with the candidates."""
        invoice = await self.queries.find_invoice(number, invoice_id=invoice_id)
        assert invoice.id is not None
        await self.payments.record_by_hand(
            invoice.id,
            None,
            received_on=on or self.today(),
            reference=None,
            by=by,
            reason=reason,
        )
        return await self.queries.invoice(invoice.id)

    async def dispute(
        self, invoice_id: int, *, by: str, reason: str, close: bool = False
    ) -> Invoice:
        """Mark an invoice in dispute (no reminders until it is closed), or close it."""
        return await set_dispute(
            self.ctx.sessions, invoice_id, open_=not close, by=by, reason=reason
        )

    async def withdraw(self, invoice_id: int, *, by: str, reason: str) -> int:
        """Withdraw an invoice that has not reached the customer (``intake/withdrawal``)."""
        return await withdraw(self.ctx.sessions, invoice_id, by=by, reason=reason)

    async def set_due_date(self, invoice_id: int, due: date, *, by: str, reason: str) -> Invoice:
        """Make ``due`` the day the invoice is due (reminders count from it), with why."""
        return await set_due_date(self.ctx.sessions, invoice_id, due, by=by, reason=reason)

    async def export_proof(self, invoice_id: int, out: Path, *, by: str, reason: str) -> list[Path]:
        """Write what a dispute needs for the invoice under ``out`` (a folder; or, named
        ``….zip``, the package itself); who exported it, where and why is noted on the
        invoice's timeline."""
        a = self.ctx.settings.archive
        sources = PackageSources(
            self.ctx.archive, self.bounces.originals, a.signing_key_file, a.head_export
        )
        return await export_package(self.ctx.sessions, sources, invoice_id, out, by, reason)

    async def verify_chains(self) -> tuple[int, int, list[object]]:
        """Every archived message and the archive's chain, the ledger (inbound notices and
        address changes), and both chains against the signed heads exported outside the
        database: how many archive entries and ledger links were checked, and each problem
        found."""
        s = self.ctx.settings.archive
        count, problems = await verify_archive(self.ctx.sessions, self.ctx.archive)
        links, found = await verify_ledger(self.ctx.sessions, self.bounces.originals)
        every: list[object] = [*problems, *found]
        if s.head_export is not None:
            every += await verify_heads(self.ctx.sessions, s.head_export, s.signing_key_file)
        return count, links, every

    async def export_head(self) -> Path | None:
        """Write the chains' signed head outside the database (and mail it to the auditor,
        when one is set); None when nothing was added since the last one."""
        relay = self.ctx.relay() if self.ctx.settings.archive.head_auditor else None
        try:
            return await export_head(self.ctx.sessions, self.ctx.settings, relay)
        finally:
            if relay is not None:
                await relay.close()

    async def original_messages(
        self, *, inbound_id: int | None = None, invoice_id: int | None = None
    ) -> list[OriginalMessage]:
        """A message that came back (or those about an invoice), as received."""
        return await original_messages(
            self.ctx.sessions,
            self.bounces.originals,
            inbound_id=inbound_id,
            invoice_id=invoice_id,
        )

    async def write_pdf(self, invoice_id: int, out: Path, *, by: str, reason: str) -> Path:
        """Write the invoice's PDF to print it into the folder (or as the file) ``out``."""
        return await write_invoice_pdf(
            self.ctx.sessions, self.ingest.store, invoice_id, out, by, reason
        )

    async def archived_messages(self, invoice_id: int) -> list[ArchivedMessage]:
        """The messages the invoice was sent as, from the archive."""
        return await archived_message(self.ctx.sessions, self.ctx.archive, invoice_id)

    async def resend(
        self, invoice_id: int, *, by: str, reason: str, to: str | None = None
    ) -> Delivery:
        """Send an invoice again on purpose, recorded with who asked and why: to ``to``, or
        to the customer's current invoice address; never to an address of the customer that
        a hard bounce marked undeliverable (a person marks it deliverable first)."""
        if not reason.strip():
            raise ValidationError(_("reason: say why the invoice is sent again"))
        invoice = await self.queries.invoice(invoice_id)
        if invoice.state in SET_ASIDE:
            raise ValidationError(
                _("invoice {number} (#{id}) is not sent (its state: {state})").format(
                    number=invoice.number, id=invoice_id, state=state_label(invoice.state)
                )
            )
        known = (
            await self.customers.addresses(invoice.customer_id)
            if invoice.customer_id is not None
            else []
        )
        if to is None:
            if invoice.customer_id is None:
                raise ValidationError(
                    _("invoice {number} has no customer to send it to").format(
                        number=invoice.number
                    )
                )
            current = [a for a in known if a.active and a.role == AddressRole.INVOICE_TO]
            if not current:
                raise ValidationError(
                    _(
                        "invoice {number}: its customer has no invoice address; set one first"
                    ).format(number=invoice.number)
                )
            to = current[0].email
        address = customer_email(to, "--to")
        bounced = next(  # a case variant is the same mailbox (RFC 5321 2.4 discourages others)
            (a for a in known if a.email.lower() == address.lower() and a.undeliverable), None
        )
        if bounced is not None:
            raise ValidationError(
                _("invoice {number}: {why}").format(
                    number=invoice.number, why=still_undeliverable(bounced)
                )
            )
        return await request_resend(
            self.ctx.sessions,
            invoice_id,
            address,
            requested_by=by,
            reason=reason,
            sender_address=self.ctx.settings.sender.address,
        )

    async def close(self) -> None:
        await self.campaign.sender.relay.close()
        await self.bounces.close()
        await self.ctx.close()

    def worker(self) -> DeliveryWorker:
        return DeliveryWorker(self.ctx, self.ctx.sent_folder())

    async def send_due(
        self, on_outcome: Callable[[SendOutcome], None] | None = None
    ) -> list[SendOutcome]:
        worker = self.worker()
        try:
            outcomes = await worker.run_once(on_outcome=on_outcome)
            await worker.file_pending_sent_copies()
            return outcomes
        finally:
            await worker.close()

    async def poll_bounces(
        self, on_message: Callable[[PollReport], None] | None = None
    ) -> PollReport:
        """Read the bounce mailbox to the end. A lost connection is re-made with backoff and
        the poll resumes where it stopped (nothing is applied twice)."""
        report = PollReport()
        waits = RetryPolicy.from_settings(self.ctx.settings).reconnect_delays()
        async with self._poll_lock:
            while True:
                try:
                    return await self.bounces.poll(self.ctx.bounce_mailbox(), report, on_message)
                except MailboxError as exc:
                    wait = next(waits, None)
                    if wait is None:
                        raise
                    report.reconnects += 1
                    log.warning("bounce mailbox: %s; reconnecting in %.1f s", exc, wait)
                    await asyncio.sleep(wait)
