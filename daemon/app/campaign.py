"""The central-address campaign as the CLI and the TUI see it: run it, list its requests,
and a person's decision on a proposed address (confirmed: it becomes the invoice address,
logged with the reply as its source; or rejected, with why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.event_words import event_text
from daemon.domain.i18n import _
from daemon.domain.labels import request_state_label
from daemon.domain.models import AddressRequest, Customer, InboundMessage, RequestState, utcnow
from daemon.intake.addresses import AddressSet
from daemon.intake.customers import CustomerService
from daemon.outbound.campaign import CampaignReport, CampaignSender
from daemon.store.db import SessionFactory, transaction
from daemon.store.rows import moved
from mailer.smtp.relay import SmtpRelay


@dataclass(frozen=True)
class RequestRow:
    id: int
    customer: str
    customer_id: int
    sent_to: str
    state: str
    attempts: int
    last_sent_at: datetime | None
    proposed_email: str | None
    answer: str | None
    """What the customer wrote."""
    decision: str | None
    asked_by: str | None = None


class Campaign:
    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        customers: CustomerService,
        relay: SmtpRelay,
    ):
        self.sessions = sessions
        self.settings = settings
        self.customers = customers
        self.sender = CampaignSender(sessions, settings, relay)

    async def run(self, *, by: str, dry_run: bool = False) -> CampaignReport:
        return await self.sender.run(by=by, dry_run=dry_run)

    async def requests(
        self, state: str | None = None, *, request_id: int | None = None
    ) -> list[RequestRow]:
        async with self.sessions() as session:
            query = (
                select(AddressRequest, Customer.name, InboundMessage.customer_message)
                .join(Customer, col(Customer.id) == col(AddressRequest.customer_id))
                .outerjoin(
                    InboundMessage, col(InboundMessage.id) == col(AddressRequest.reply_inbound_id)
                )
                .order_by(col(AddressRequest.id))
            )
            if state is not None:
                query = query.where(AddressRequest.state == state)
            if request_id is not None:
                query = query.where(AddressRequest.id == request_id)
            rows = (await session.exec(query)).all()
        return [
            RequestRow(
                r.id or 0,
                name,
                r.customer_id,
                r.sent_to,
                r.state,
                r.attempts,
                r.last_sent_at,
                r.proposed_email,
                said,
                f"{r.decided_by}: {r.decision_reason}" if r.decided_by else None,
                r.asked_by,
            )
            for r, name, said in rows
        ]

    async def confirm(
        self, request_id: int, *, by: str, reason: str, email: str | None = None
    ) -> tuple[RequestRow, AddressSet]:
        """The proposed address (or ``email``, read by a person in the answer) becomes the
        customer's invoice address, marked a shared mailbox; the change is logged with the
        reply as its source; the request as it stands then, and what the change did."""
        if not reason.strip():
            raise ValidationError(_("reason: say why the address is right"))
        request = await self._answered(request_id)
        address = email or request.proposed_email
        if not address:
            raise ValidationError(
                _("request R{id}: the answer gives no address; name it with --email").format(
                    id=request_id
                )
            )
        source = f"reply:{request.reply_inbound_id}"

        async def decided(session: AsyncSession, done: AddressSet) -> None:
            await _decide(session, request_id, RequestState.CONFIRMED, by, reason, done)

        # the address, its mark as a shared mailbox and the decision: all applied, or none
        done = await self.customers.set_invoice_address(
            request.customer_id,
            address,
            changed_by=by,
            reason=reason,
            source=source,
            shared_because=event_text("request_answer", request=request_id),
            then=decided,
        )
        return (await self.requests(request_id=request_id))[0], done

    async def reject(self, request_id: int, *, by: str, reason: str) -> RequestRow:
        if not reason.strip():
            raise ValidationError(_("reason: say why the proposal is rejected"))
        await self._answered(request_id)
        async with transaction(self.sessions) as session:
            await _decide(session, request_id, RequestState.REJECTED, by, reason, None)
        return (await self.requests(request_id=request_id))[0]

    async def _answered(self, request_id: int) -> AddressRequest:
        async with self.sessions() as session:
            request = await session.get(AddressRequest, request_id)
        if request is None:
            raise NotFoundError(_("no request R{request_id}").format(request_id=request_id))
        if request.state not in (RequestState.PROPOSED.value, RequestState.ANSWERED.value):
            raise ValidationError(
                _(
                    "request R{id} is not waiting for a decision (its state: {state}): only an "
                    "answered request is decided"
                ).format(id=request_id, state=request_state_label(request.state))
            )
        return request


async def _decide(
    session: AsyncSession,
    request_id: int,
    state: RequestState,
    by: str,
    reason: str,
    done: AddressSet | None,
) -> None:
    """Record a person's decision on an answered request, by a conditional update: of two
    people deciding at once (one confirming, the other rejecting), one decision stands and
    the other is refused, its address change undone with it."""
    values: dict[str, object] = {
        "state": state.value,
        "decided_by": by,
        "decided_at": utcnow(),
        "decision_reason": reason,
    }
    if done is not None:
        values["proposed_email"] = done.address.email
    answered = [RequestState.PROPOSED.value, RequestState.ANSWERED.value]
    if not await moved(session, AddressRequest, request_id, "state", answered, **values):
        raise ValidationError(
            _("request R{id} was decided meanwhile by someone else").format(id=request_id)
        )
