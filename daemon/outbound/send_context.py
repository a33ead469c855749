"""What the send path needs from the application, named here so that it does not import the
application layer (``daemon.app.context.AppContext`` is the one that fills it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from config import Settings
from daemon.domain.models import Invoice
from daemon.outbound.compose_workers import MessageMaker
from daemon.store.db import SessionFactory
from mailer.archive import Archive
from mailer.smtp.relay import SmtpRelay


@dataclass(frozen=True)
class NotSent:
    """Why an invoice's message is not made: refused by the compliance gate (its delivery
    fails), or ``held`` for a person (its delivery is cancelled; a person's decision sends
    the invoice again or discards it)."""

    reason: str
    held: bool = False


class SendContext(Protocol):
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    archive: Archive
    instance: str

    @property
    def maker(self) -> MessageMaker: ...

    def relay(self) -> SmtpRelay: ...

    async def verdict_before_sending(
        self, invoice: Invoice, *, may_hold: bool = True
    ) -> NotSent | None:
        """Why ``invoice`` is not sent now (None: the compliance gate, run again just before
        its messages are made, passes it). ``may_hold``: a finding that holds an invoice
        for a person holds it (not for a reminder: its invoice went out already)."""
        ...
