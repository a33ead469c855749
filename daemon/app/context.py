"""The application context: what every service needs, built once from the settings."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from config import Settings
from daemon.domain.compliance import ComplianceReport
from daemon.domain.errors import EInvoiceError
from daemon.domain.event_words import event_text
from daemon.domain.models import Invoice, utcnow
from daemon.intake.amounts import hold_before_sending
from daemon.intake.einvoice import read_einvoice
from daemon.intake.rules import ComplianceGate
from daemon.outbound.compose_workers import MessageMaker
from daemon.outbound.send_context import NotSent
from daemon.store.db import SessionFactory, create_engine, session_factory, transaction
from mailer.archive import Archive
from mailer.files import read_regular
from mailer.mailbox import (
    BounceMailbox,
    ImapConfig,
    ImapMailbox,
    ImapSentFolder,
    SentFolder,
)
from mailer.maildir import MaildirMailbox
from mailer.smtp.relay import RelayConfig, SmtpRelay

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    archive: Archive
    instance: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    _maker: MessageMaker | None = field(default=None, repr=False)
    _gate: ComplianceGate | None = field(default=None, repr=False)
    _rules_seen: tuple[float, ComplianceGate, str] | None = field(default=None, repr=False)

    @property
    def gate(self) -> ComplianceGate:
        """The compliance gate, as configured (its rule sets compiled on first use)."""
        if self._gate is None:
            self._gate = ComplianceGate.from_settings(self.settings.compliance)
        return self._gate

    async def verdict_before_sending(
        self, invoice: Invoice, *, may_hold: bool = True
    ) -> NotSent | None:
        """Why the gate refuses ``invoice`` now, or holds it for a person, or None. A report
        made with the rules as they are now stands (the same bytes and rules give the same
        findings, and import held the invoice where they said to); otherwise (rules or
        checks changed, never checked) the stored file is checked again and the new report
        kept. A file that cannot be read or checked is refused: the gate fails closed."""
        gate = self.gate
        now = time.monotonic()
        seen = self._rules_seen
        if seen is None or seen[1] is not gate or now - seen[0] > 1.0:
            # the rule files looked at once a second, not for every invoice of a batch
            seen = self._rules_seen = (now, gate, await asyncio.to_thread(gate.fingerprint))
        current = seen[2]
        report = ComplianceReport.from_json(invoice.compliance)
        fresh = report is None or report.fingerprint != current or not report.passed
        if fresh:
            try:
                data = await asyncio.to_thread(read_regular, Path(invoice.stored_path))
                checked = await asyncio.to_thread(
                    read_einvoice,
                    data,
                    invoice.file_name,
                    check_xsd=self.settings.ingest.check_xsd,
                    gate=gate,
                )
            except EInvoiceError as exc:  # stored in English, read in each reader's language
                why = exc.english
                return NotSent(event_text("gate_refuses", refusal=why))
            except OSError as exc:
                return NotSent(
                    event_text("gate_unreadable", path=invoice.stored_path, why=exc.strerror)
                )
            report = checked.compliance
        held = None
        if fresh or (may_hold and report is not None and report.holds):
            # a report that holds the invoice is looked at with the invoice as it is now: a
            # person may have sent it as it is, or another worker held it meanwhile
            async with transaction(self.sessions) as session:
                stored = await session.get(Invoice, invoice.id)
                if stored is not None and fresh and report is not None:
                    stored.compliance = report.to_json()
                    stored.checked_at = utcnow()
                    session.add(stored)
                if stored is not None and may_hold:
                    held = await hold_before_sending(
                        session, stored, by="compliance gate, before sending"
                    )
        if held is not None:
            log.warning("invoice %s checked again before sending: %s", invoice.number, held)
            return NotSent(held, held=True)
        if fresh:
            log.info("invoice %s checked again before sending: passes", invoice.number)
        return None

    @property
    def maker(self) -> MessageMaker:
        """Where messages are composed and archived (its processes start on first use)."""
        if self._maker is None:
            s = self.settings
            self._maker = MessageMaker(
                (
                    s.templates.directory,
                    s.templates.default_language,
                    s.archive.path,
                    s.ingest.store,
                ),
                s.delivery.compose_processes,
                nice=s.delivery.compose_nice,
                dkim=s.dkim.signing(s.sender.address),
            )
        return self._maker

    @classmethod
    def from_settings(cls, settings: Settings) -> AppContext:
        db = settings.database
        engine = create_engine(db.url, echo=db.echo, busy_timeout=db.busy_timeout_seconds)
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            archive=Archive(settings.archive.path),
        )

    async def restart_makers(self) -> None:
        """New compose workers on the next message (templates or the DKIM key changed), and
        the compliance gate built again from the current settings."""
        if self._maker is not None:
            await self._maker.close()
            self._maker = None
        self._gate = None

    async def close(self) -> None:
        if self._maker is not None:
            await self._maker.close()
            self._maker = None
        await self.engine.dispose()

    def relay(self) -> SmtpRelay:
        s = self.settings.smtp
        return SmtpRelay(
            RelayConfig(
                host=s.host,
                port=s.port,
                security=s.security,
                username=s.username,
                password=s.resolved_password(),
                timeout=s.timeout_seconds,
                helo_name=s.helo_name,
                validate_certs=s.validate_certs,
            )
        )

    def _imap_config(self, folder: str) -> ImapConfig:
        i = self.settings.imap
        return ImapConfig(
            host=i.host,
            port=i.port,
            username=i.username or "",
            password=i.resolved_password() or "",
            security=i.security,
            folder=folder,
            timeout=i.timeout_seconds,
            validate_certs=i.validate_certs,
        )

    def bounce_mailbox(self) -> BounceMailbox:
        i = self.settings.imap
        if i.source == "maildir":
            assert i.maildir is not None  # the settings refuse a maildir source without one
            return MaildirMailbox(i.maildir)
        return ImapMailbox(self._imap_config(i.bounce_folder))

    def sent_folder(self) -> SentFolder | None:
        i = self.settings.imap
        if not i.append_sent:
            return None
        if i.source == "maildir":
            return MaildirMailbox(i.sent_maildir) if i.sent_maildir else None
        return ImapSentFolder(self._imap_config(i.bounce_folder), i.sent_folder)
