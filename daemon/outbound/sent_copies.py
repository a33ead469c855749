"""Filing each accepted message in the IMAP "sent invoices" folder, until it is filed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlmodel import col, select

from daemon.domain.models import ArchiveEntry, Delivery
from daemon.domain.states import DeliveryState
from daemon.outbound.send_context import SendContext
from daemon.store.db import transaction
from mailer.errors import ArchiveError, MailboxError
from mailer.mailbox import SentFolder

if TYPE_CHECKING:
    from daemon.outbound.outcomes import SendResult

log = logging.getLogger(__name__)


class SentCopies:
    def __init__(self, ctx: SendContext, folder: SentFolder | None):
        self.ctx = ctx
        self.folder = folder

    async def file_results(self, results: Iterable[SendResult]) -> None:
        for r in results:
            if r.state == DeliveryState.ACCEPTED.value:
                await self.file(r.end.transition.delivery_id, r.raw)

    async def file(
        self, delivery_id: int, raw: bytes | None = None, *, again: bool = False
    ) -> bool:
        """APPEND the sent message to the "sent invoices" folder; False to try again later.
        Tried ``again``, the folder is asked first whether it holds the message already (an
        APPEND whose answer was lost may have gone through): it is never filed twice."""
        if self.folder is None:
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
            if again and await self.folder.holds(delivery.message_id):
                log.info("sent folder: %s was filed already", delivery.message_id)
            else:
                data = (
                    raw
                    if raw is not None
                    else await asyncio.to_thread(self.ctx.archive.read, entry.sha256)
                )
                await self.folder.append(data)
        except (MailboxError, ArchiveError, OSError) as exc:
            log.warning("sent folder: copy of %s not filed yet: %s", delivery.message_id, exc)
            return False
        async with transaction(self.ctx.sessions) as session:
            fresh = await session.get(ArchiveEntry, entry.id)
            assert fresh is not None
            fresh.sent_folder_appended = True
            session.add(fresh)
        return True

    async def file_pending(self, limit: int = 100) -> int:
        """File the copies not filed yet (the folder was away when they were sent)."""
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
            if delivery_id is not None and await self.file(delivery_id, again=True):
                done += 1
        return done
