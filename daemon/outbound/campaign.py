"""The central-address campaign's outbound half: ask each customer whose invoices go to a
person for a shared invoice mailbox, and ask again those who have not answered after the set
number of days, at most the set number of times. Each request carries a signed token; the
answer is read from the bounce mailbox (``daemon.inbound.requests``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from daemon.domain.errors import ValidationError
from daemon.domain.formatting import day
from daemon.domain.i18n import _, language
from daemon.domain.models import (
    AddressRequest,
    AddressRole,
    Channel,
    Customer,
    CustomerAddress,
    RequestState,
    utcnow,
)
from daemon.domain.requests import request_token
from daemon.outbound.planning import new_message_id, sender_domain
from daemon.store.db import SessionFactory, transaction
from mailer.compose import Composer, NoticeSpec
from mailer.errors import MailerError
from mailer.smtp.relay import SmtpRelay

log = logging.getLogger(__name__)

CAMPAIGN = "central-address"
_SETTLED = [RequestState.CONFIRMED.value]
_WAITING_FOR_A_PERSON = [RequestState.PROPOSED.value, RequestState.ANSWERED.value]


@dataclass(frozen=True)
class Asked:
    customer: str
    email: str
    attempt: int
    request_id: int


@dataclass
class CampaignReport:
    asked: list[Asked] = field(default_factory=list)
    held_back: list[tuple[str, str]] = field(default_factory=list)
    """(customer, why) for those not asked this time."""
    failed: list[tuple[str, str]] = field(default_factory=list)


def campaign_key(settings: Settings) -> bytes:
    key = settings.campaign.key()
    if key is None:
        raise ValidationError(
            _(
                "[campaign] secret: set secret or secret_file (it signs each request, so that "
                "only a true answer can propose an invoice address)"
            )
        )
    return key


class CampaignSender:
    def __init__(self, sessions: SessionFactory, settings: Settings, relay: SmtpRelay):
        self.sessions = sessions
        self.settings = settings
        self.relay = relay
        self.composer = Composer(settings.templates.directory, settings.templates.default_language)

    async def run(self, *, by: str, dry_run: bool = False) -> CampaignReport:
        """Ask (or ask again) every customer due, recording ``by`` as who asked; with
        ``dry_run``, say whom without sending."""
        key = campaign_key(self.settings)
        c = self.settings.campaign
        report = CampaignReport()
        now = utcnow()
        async with self.sessions() as session:
            targets = await _customers_on_a_personal_address(session)
            requests = {
                r.customer_id: r
                for r in (
                    await session.exec(
                        select(AddressRequest)
                        .where(AddressRequest.campaign == CAMPAIGN)
                        .order_by(col(AddressRequest.id))
                    )
                ).all()
            }
        for customer, address in targets:
            assert customer.id is not None
            request = requests.get(customer.id)
            if request is not None:
                if request.state in _WAITING_FOR_A_PERSON:
                    report.held_back.append((customer.name, _("its answer waits for a person")))
                    continue
                if request.state in _SETTLED:
                    continue
                if request.state == RequestState.FAILED.value and request.sent_to == address.email:
                    report.held_back.append(
                        (
                            customer.name,
                            _("the request to {email} failed: {error}").format(
                                email=address.email, error=request.last_error
                            ),
                        )
                    )
                    continue
                if request.attempts >= c.max_requests:
                    report.held_back.append(
                        (
                            customer.name,
                            _("asked {count} times without an answer").format(
                                count=request.attempts
                            ),
                        )
                    )
                    continue
                due = (request.last_sent_at or now) + timedelta(days=c.ask_again_after_days)
                if request.state == RequestState.ASKED.value and due > now:
                    report.held_back.append(
                        (
                            customer.name,
                            _("asked on {asked}; again from {again}").format(
                                asked=day(request.last_sent_at, language()),
                                again=day(due, language()),
                            ),
                        )
                    )
                    continue
            if dry_run:
                attempt = (request.attempts if request else 0) + 1
                report.asked.append(
                    Asked(
                        customer.name,
                        address.email,
                        attempt,
                        request.id if request and request.id else 0,
                    )
                )
                continue
            await self._ask(customer, address, request, key, report, by)
        return report

    async def _ask(
        self,
        customer: Customer,
        address: CustomerAddress,
        request: AddressRequest | None,
        key: bytes,
        report: CampaignReport,
        by: str,
    ) -> None:
        assert customer.id is not None
        async with transaction(self.sessions) as session:
            if request is None:
                request = AddressRequest(
                    customer_id=customer.id,
                    campaign=CAMPAIGN,
                    sent_to=address.email,
                    token=f"pending-{customer.id}-{utcnow().timestamp()}",
                )
                session.add(request)
                await session.flush()
                assert request.id is not None
                request.token = request_token(request.id, key)
            else:
                request = await session.get(AddressRequest, request.id)
                assert request is not None
            message_id, _token = new_message_id(sender_domain(self.settings.sender.address))
            attempt = request.attempts + 1
            raw = self._compose(customer, address, request.token, message_id, attempt)
            try:
                await self.relay.send(self.settings.sender.envelope_sender(), address.email, raw)
            except MailerError as exc:
                request.last_error = str(exc)
                request.state = (
                    RequestState.FAILED.value if request.attempts == 0 else request.state
                )
                session.add(request)
                report.failed.append((customer.name, str(exc)))
                log.warning("campaign: %s (%s): %s", customer.name, address.email, exc)
                return
            now = utcnow()
            request.attempts = attempt
            request.sent_to = address.email
            request.state = RequestState.ASKED.value
            request.first_sent_at = request.first_sent_at or now
            request.last_sent_at = now
            request.message_ids = f"{request.message_ids} {message_id}".strip()
            request.last_error = None
            request.asked_by = by
            session.add(request)
            assert request.id is not None
            report.asked.append(Asked(customer.name, address.email, attempt, request.id))

    def _compose(
        self,
        customer: Customer,
        address: CustomerAddress,
        token: str,
        message_id: str,
        attempt: int,
    ) -> bytes:
        s = self.settings
        reply_to = s.campaign.reply_to or s.sender.return_path or s.sender.address
        return self.composer.compose_notice(
            NoticeSpec(
                message_id=message_id,
                sender_name=s.sender.name,
                sender_address=s.sender.address,
                recipient=address.email,
                recipient_name=customer.name,
                reply_to=reply_to,
                template="address-request",
                language=customer.language,
                context={
                    "token": token,
                    "current": address.email,
                    "domain": address.email.rsplit("@", 1)[-1],
                    "attempt": attempt,
                    "seller_name": s.sender.name,
                    "customer_name": customer.name,
                },
                extra_headers={"X-Facturier-Request": token},
            )
        )


async def _customers_on_a_personal_address(
    session: AsyncSession,
) -> list[tuple[Customer, CustomerAddress]]:
    """Customers receiving e-invoices whose invoice address is a person's (and works)."""
    rows = (
        await session.exec(
            select(Customer, CustomerAddress)
            .join(CustomerAddress, col(CustomerAddress.customer_id) == col(Customer.id))
            .where(
                Customer.channel == Channel.EMAIL.value,
                CustomerAddress.role == AddressRole.INVOICE_TO.value,
                col(CustomerAddress.active).is_(True),
                col(CustomerAddress.central_mailbox).is_(False),
                col(CustomerAddress.undeliverable).is_(False),
            )
            .order_by(col(Customer.id))
        )
    ).all()
    return [(c, a) for c, a in rows]
