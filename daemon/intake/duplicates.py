"""One invoice once: a file whose identity (seller, number, document kind) is already known
is held as a possible duplicate until a person replaces the earlier invoice with it, keeps
both as distinct documents, or discards it. Every decision is recorded (who, when, why) on
both invoices; nothing is deleted.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.event_words import event_text
from daemon.domain.i18n import N_, _
from daemon.domain.identity import ComparedField, DocumentKind, compare
from daemon.domain.labels import state_label
from daemon.domain.models import Invoice, PaymentAllocation
from daemon.domain.states import SET_ASIDE_VALUES, InvoiceNote, InvoiceState
from daemon.intake.amounts import hold_for_amounts
from daemon.intake.held import release
from daemon.intake.owed import note, refresh_owed
from daemon.outbound.planning import cancel_unsent, plan_invoice_deliveries
from daemon.store.db import SessionFactory, transaction

log = logging.getLogger(__name__)


class Decision(enum.StrEnum):
    REPLACE = "replace"  # the later file replaces the earlier invoice, which is withdrawn
    KEEP = "keep"  # two distinct documents that share a number: both go out
    DISCARD = "discard"  # the later file is not sent (kept, with the decision)


DONE: dict[Decision, str] = {
    Decision.REPLACE: N_("replaces the earlier invoice, which is withdrawn"),
    Decision.KEEP: N_("kept as a distinct document"),
    Decision.DISCARD: N_("discarded: it will not be sent"),
}
"""What a decision did, as the operator reads it (translate with ``_``)."""


async def same_identity(
    session: AsyncSession, seller_key: str, number: str, kind: str
) -> list[Invoice]:
    """The invoices already stored with this identity, oldest first."""
    return list(
        (
            await session.exec(
                select(Invoice)
                .where(
                    Invoice.seller_key == seller_key,
                    Invoice.number == number,
                    Invoice.document_kind == kind,
                )
                .order_by(col(Invoice.identity_seq))
            )
        ).all()
    )


def standing(earlier: list[Invoice]) -> Invoice:
    """Of the files of one identity, the one a new file is compared with: the newest still
    standing (not held, withdrawn or discarded), else the newest."""
    live = [i for i in earlier if i.state not in SET_ASIDE_VALUES]
    return (live or earlier)[-1]


async def link_credit_note(
    session: AsyncSession, credit_note: Invoice, preceding: tuple[str, ...]
) -> Invoice | None:
    """Tie a credit note to the invoice it corrects (BT-25, same seller), which then owes
    that much less; None when that invoice is not known here."""
    if credit_note.document_kind != DocumentKind.CREDIT_NOTE.value or not preceding:
        return None
    assert credit_note.id is not None
    corrected = (
        await session.exec(
            select(Invoice)
            .where(
                Invoice.seller_key == credit_note.seller_key,
                col(Invoice.number).in_(preceding),
                Invoice.document_kind == DocumentKind.INVOICE.value,
                col(Invoice.state).not_in(SET_ASIDE_VALUES),
            )
            .order_by(col(Invoice.id).desc())
        )
    ).first()
    if corrected is None:
        log.info(
            "credit note %s: the invoice it corrects (%s) is not known here",
            credit_note.number,
            ", ".join(preceding),
        )
        return None
    assert corrected.id is not None
    credit_note.corrects_id = corrected.id
    session.add(credit_note)
    await session.flush()
    note(
        session,
        corrected.id,
        InvoiceNote.CREDIT_NOTE_LINKED,
        by="import",
        reason=event_text("credit_note", number=credit_note.number),
        related_invoice_id=credit_note.id,
    )
    await refresh_owed(session, corrected.id)
    return corrected


@dataclass(frozen=True)
class DuplicatePair:
    """A held file beside the invoice it may duplicate, field by field."""

    held_id: int
    earlier_id: int
    number: str
    customer: str
    earlier_state: str
    fields: tuple[ComparedField, ...]

    @property
    def differences(self) -> tuple[ComparedField, ...]:
        return tuple(f for f in self.fields if f.differs)


def _facts(invoice: Invoice) -> dict[str, Any]:
    return invoice.model_dump()


async def compared_with(session: AsyncSession, held: Invoice) -> Invoice:
    """The invoice a held file stands beside: the one it was held against, or, once that
    one was replaced by another file of the identity (withdrawn) or discarded, the file that
    stands now (replacing the withdrawn one again would send a second replacement)."""
    assert held.duplicate_of_id is not None
    earlier = await session.get(Invoice, held.duplicate_of_id)
    assert earlier is not None
    if earlier.state not in (InvoiceState.WITHDRAWN.value, InvoiceState.DISCARDED.value):
        return earlier
    others = [
        i
        for i in await same_identity(session, held.seller_key, held.number, held.document_kind)
        if i.id != held.id
    ]
    now = standing(others)
    return now if now.state not in SET_ASIDE_VALUES else earlier


class DuplicateService:
    def __init__(self, sessions: SessionFactory, sender_address: str):
        self.sessions = sessions
        self.sender_address = sender_address

    async def held(self) -> list[DuplicatePair]:
        """Every file held as a possible duplicate, oldest first."""
        async with self.sessions() as session:
            ids = (
                await session.exec(
                    select(Invoice.id)
                    .where(Invoice.state == InvoiceState.DUPLICATE.value)
                    .order_by(col(Invoice.id))
                )
            ).all()
        return [await self.pair(i) for i in ids if i is not None]

    async def pair(self, held_id: int) -> DuplicatePair:
        """The held file ``held_id`` beside the earlier invoice of its identity."""
        async with self.sessions() as session:
            held = await session.get(Invoice, held_id)
            if held is None:
                raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=held_id))
            if held.duplicate_of_id is None:
                raise ValidationError(
                    _("invoice {number} (#{id}) was not held as a possible duplicate").format(
                        number=held.number, id=held_id
                    )
                )
            earlier = await compared_with(session, held)
            assert earlier.id is not None
            return DuplicatePair(
                held_id,
                earlier.id,
                held.number,
                held.buyer_name,
                earlier.state,
                tuple(compare(_facts(earlier), _facts(held))),
            )

    async def decide(self, held_id: int, decision: Decision, *, by: str, reason: str) -> Invoice:
        """Apply a person's decision about a held file; returns the held invoice as it now is.

        - replace: the earlier invoice is withdrawn (what of it was not yet sent is
          cancelled, it is reminded no more, its payments move to the new one) and the held
          file goes out in its place;
        - keep: the held file is a distinct document and goes out;
        - discard: the held file is not sent; it stays on record."""
        if not reason.strip():
            raise ValidationError(_("reason: say why (it is kept with the decision)"))
        if decision is not Decision.DISCARD:
            await self._still_beside(held_id)
        async with transaction(self.sessions) as session:
            held = await session.get(Invoice, held_id)
            if held is None:
                raise NotFoundError(_("no invoice #{invoice_id}").format(invoice_id=held_id))
            if held.state != InvoiceState.DUPLICATE.value or held.duplicate_of_id is None:
                raise ValidationError(
                    _(
                        "invoice {number} (#{id}) is not held as a possible duplicate (its "
                        "state: {state})"
                    ).format(number=held.number, id=held_id, state=state_label(held.state))
                )
            assert held.id is not None
            earlier_id = held.duplicate_of_id
            if decision is Decision.DISCARD:
                await release(session, held, InvoiceState.DUPLICATE, InvoiceState.DISCARDED)
                note(
                    session,
                    held.id,
                    InvoiceNote.DISCARDED,
                    by=by,
                    reason=reason,
                    related_invoice_id=earlier_id,
                )
                return held
            # planning says where it stands
            await release(session, held, InvoiceState.DUPLICATE, InvoiceState.NEEDS_ADDRESS)
            if decision is Decision.REPLACE:
                await self._withdraw(session, earlier_id, held, by=by, reason=reason)
                note(
                    session,
                    held.id,
                    InvoiceNote.REPLACED,
                    by=by,
                    reason=reason,
                    related_invoice_id=earlier_id,
                )
            else:
                note(
                    session,
                    held.id,
                    InvoiceNote.KEPT,
                    by=by,
                    reason=reason,
                    related_invoice_id=earlier_id,
                )
            await session.flush()
            if not hold_for_amounts(session, held, by=by):  # its amounts still need a person
                await plan_invoice_deliveries(session, held, self.sender_address)
            await refresh_owed(session, held.id)
            return held

    async def _still_beside(self, held_id: int) -> None:
        """Refuse a decision about a held file whose earlier invoice was replaced (or
        discarded) since it was held: it now stands beside the file that replaced it, and the
        person compares them before deciding (replacing the withdrawn one again would send a
        second replacement)."""
        async with transaction(self.sessions) as session:
            held = await session.get(Invoice, held_id)
            if held is None or held.duplicate_of_id is None:
                return  # said by the decision itself
            was = held.duplicate_of_id
            now = (await compared_with(session, held)).id
            if now == was:
                return
            held.duplicate_of_id = now
            session.add(held)
        raise ValidationError(
            _(
                "invoice #{was}, which this file was held against, was replaced by #{now} "
                "since: compare this file with #{now} (facturier duplicates), then decide"
            ).format(was=was, now=now)
        )

    async def _withdraw(
        self, session: AsyncSession, earlier_id: int, replacement: Invoice, *, by: str, reason: str
    ) -> None:
        earlier = await session.get(Invoice, earlier_id)
        assert earlier is not None and replacement.id is not None
        cancelled, in_flight = await cancel_unsent(
            session, earlier_id, f"withdrawn by {by}: replaced by invoice #{replacement.id}"
        )
        earlier.state = InvoiceState.WITHDRAWN.value
        session.add(earlier)
        said = reason
        if cancelled or in_flight:
            said += f" ({cancelled} unsent message(s) cancelled, {in_flight} already on their way)"
        note(
            session,
            earlier_id,
            InvoiceNote.WITHDRAWN,
            by=by,
            reason=said,
            related_invoice_id=replacement.id,
        )
        # what was paid and credited against the earlier one counts for its replacement
        for allocation in (
            await session.exec(
                select(PaymentAllocation).where(PaymentAllocation.invoice_id == earlier_id)
            )
        ).all():
            allocation.invoice_id = replacement.id
            session.add(allocation)
        for credit_note in (
            await session.exec(select(Invoice).where(Invoice.corrects_id == earlier_id))
        ).all():
            credit_note.corrects_id = replacement.id
            session.add(credit_note)
        await session.flush()
        await refresh_owed(session, earlier_id)
