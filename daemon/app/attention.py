"""The attention queue: everything that needs a person, newest first, each with why and what
to do (``daemon.domain.attention``), and the record of who dealt with an item and how."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as columns
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from config import Settings
from daemon.app import attention_money as money_items
from daemon.app import attention_sources as sources
from daemon.app.attention_rows import AttentionItem

__all__ = ["AttentionItem", "AttentionQueue"]
from daemon.domain.attention import CLOSED_BY_HAND, HINTS, AttentionKind
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.i18n import _
from daemon.domain.labels import kind_label
from daemon.domain.models import (
    AddressChange,
    AddressRequest,
    AttentionResolution,
    DeliveryEvent,
    InboundMessage,
    Invoice,
    InvoiceEvent,
    Payment,
    PaymentStatus,
    utcnow,
)
from daemon.outbound.paper import mark_posted
from daemon.store.db import SessionFactory, transaction


class AttentionQueue:
    def __init__(self, sessions: SessionFactory, settings: Settings):
        self.sessions = sessions
        self.settings = settings

    async def items(
        self, kind: AttentionKind | None = None, *, newest: int | None = None
    ) -> list[AttentionItem]:
        """Every open item (of ``kind``), newest first; with ``newest``, only the first
        ``newest`` of them, the same as the start of the whole list.

        For ``newest`` each source gives its own newest rows by its own index, with the time
        below which its other rows lie (an invoice's item is never newer than its newest
        delivery, complaint or import); they are asked for more until the items kept are
        newer than every source's rest. At a million invoices the first screen thus reads a
        few hundred rows, not the twenty thousand open items."""
        limit = newest
        while True:
            async with self.sessions() as session:
                found: list[AttentionItem] = []
                rests: list[datetime] = []
                for items, rest in (
                    await sources.invoices(session, limit),
                    await sources.long_deferred(session, self.settings, limit),
                    await sources.inbound(session, self.settings, limit),
                    await sources.undated(session, self.settings, limit),
                ):
                    found += items
                    if rest is not None:
                        rests.append(rest)
                found += await sources.addresses(session)
                found += await money_items.payments(session)
                found += await money_items.overpaid(session)
                found += await sources.address_answers(session)
                resolved = set(
                    (
                        await session.exec(
                            select(AttentionResolution.kind, AttentionResolution.ref)
                        )
                    ).all()
                )
            open_items = [i for i in found if (i.kind, i.ref) not in resolved]
            if kind is not None:
                open_items = [i for i in open_items if i.kind == kind.value]
            open_items.sort(key=lambda i: (i.at, i.ref), reverse=True)
            if newest is None or limit is None or not rests:
                return open_items[:newest] if newest is not None else open_items
            if len(open_items) >= newest and open_items[newest - 1].at >= max(rests):
                return open_items[:newest]
            limit *= 4

    async def fingerprint(self) -> tuple[object, ...]:
        """Changes when the queue may have: the newest delivery event, inbound message,
        address change, resolution and invoice, and the minute (a deferral grows long with
        time alone). Six index lookups: a screen asks this before asking for the queue."""
        newest = [
            columns(func.max(col(table.id)))  # type: ignore[attr-defined]
            for table in (
                DeliveryEvent,
                InboundMessage,
                AddressChange,
                AttentionResolution,
                Invoice,
                InvoiceEvent,
                Payment,
                AddressRequest,
            )
        ]
        async with self.sessions() as session:
            connection = await session.connection()
            found = [(await connection.execute(stmt)).scalar() for stmt in newest]
            waiting = (
                await connection.execute(
                    columns(func.count()).where(col(Payment.status) == PaymentStatus.WAITING.value)
                )
            ).scalar()
        return (*found, waiting, utcnow().replace(second=0, microsecond=0))

    async def resolve(
        self, kind: AttentionKind, ref: int, *, by: str, how: str
    ) -> AttentionResolution:
        """Record that a person dealt with an item: it leaves the queue, the record stays."""
        if not how.strip():
            raise ValidationError(_("reason: say how the item was dealt with"))
        if kind not in CLOSED_BY_HAND:
            raise ValidationError(
                _(
                    "{kind} items leave the queue when the invoice or address changes: {hint}"
                ).format(kind=kind_label(kind.value), hint=_(HINTS[kind]))
            )
        if not any(i.ref == ref for i in await self.items(kind)):
            raise NotFoundError(
                _("no open {kind} item #{ref} in the attention queue").format(
                    kind=kind.value, ref=ref
                )
            )
        try:
            async with transaction(self.sessions) as session:
                done = AttentionResolution(kind=kind.value, ref=ref, resolved_by=by, how=how)
                session.add(done)
                if kind is AttentionKind.TO_POST:  # the invoice is posted: its state says so
                    await mark_posted(session, ref, by, how)
        except IntegrityError:
            raise ValidationError(
                _("{kind} item #{ref} was dealt with already").format(kind=kind.value, ref=ref)
            ) from None
        return done
