"""What the send path needs from the application, named here so that it does not import the
application layer (``daemon.app.context.AppContext`` is the one that fills it)."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from config import Settings
from daemon.domain.models import Invoice
from daemon.outbound.compose_workers import MessageMaker
from daemon.store.db import SessionFactory
from mailer.archive import Archive
from mailer.smtp.relay import SmtpRelay


class SendContext(Protocol):
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    archive: Archive
    instance: str

    @property
    def maker(self) -> MessageMaker: ...

    def relay(self) -> SmtpRelay: ...

    async def refusal_before_sending(self, invoice: Invoice) -> str | None:
        """Why the compliance gate refuses ``invoice`` now (None: it passes), checked
        again just before its messages are made."""
        ...
