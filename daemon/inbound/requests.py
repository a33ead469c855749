"""The central-address campaign's inbound half: a customer's answer to a request, found by
the request's signed token (in the subject or the text) or by In-Reply-To/References, and
the address it gives made a proposal that a person confirms or rejects. A token whose
signature does not hold is a forgery: the message is quarantined, nothing is proposed."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bounce_parser import Classification, Kind
from daemon.domain.models import AddressRequest, RequestState
from daemon.domain.requests import forged_tokens_in, proposed_address, tokens_in

log = logging.getLogger(__name__)

_OPEN = (RequestState.ASKED.value, RequestState.FAILED.value)


@dataclass(frozen=True)
class Answer:
    request: AddressRequest | None
    forged: str | None = None
    """A token-shaped reference whose signature fails: why the message is set aside."""


async def find_request(session: AsyncSession, c: Classification, key: bytes) -> Answer:
    """The request ``c`` answers, if any."""
    texts = (c.subject, c.excerpt)
    ids = [i for text in texts for i in tokens_in(text, key)]
    if ids:
        return Answer(await session.get(AddressRequest, ids[0]))
    forged = [t for text in texts for t in forged_tokens_in(text, key)]
    if forged:
        return Answer(None, f"request reference {forged[0]} is not one we signed")
    for message_id in (c.in_reply_to, *c.references, c.original_message_id):
        if not message_id or "@" not in message_id:
            continue
        found = (
            await session.exec(
                select(AddressRequest).where(
                    col(AddressRequest.message_ids).contains(message_id.strip(), autoescape=True)
                )
            )
        ).first()
        if found is not None:
            return Answer(found)
    return Answer(None)


def record_answer(
    request: AddressRequest,
    c: Classification,
    inbound_id: int,
    ours: Collection[str],
    shared: Collection[str],
) -> str:
    """What the answer says, kept on the request: the address it proposes (or none, for a
    person to read). A later answer to a request already answered is kept as a reply only.
    Returns what was done, for the log."""
    if request.state not in _OPEN:
        return f"request R{request.id} was answered already ({request.state})"
    request.reply_inbound_id = inbound_id
    proposal = proposed_address(c.excerpt, ours, shared)
    if proposal is None:
        request.state = RequestState.ANSWERED.value
        return f"request R{request.id} answered without an address"
    request.state = RequestState.PROPOSED.value
    request.proposed_email = proposal
    return f"request R{request.id}: {proposal} proposed"


def record_report(request: AddressRequest, c: Classification) -> str:
    """A report about a request (a bounce, an auto-reply, a delivery report): a bounce
    marks it failed with the reason; anything else leaves it asked. Returns what was done."""
    if c.kind != Kind.BOUNCE or request.state != RequestState.ASKED.value:
        return f"request R{request.id}: {c.kind} noted"
    failed = [r for r in c.recipients if r.action in (None, "failed")]
    said = "; ".join(
        " ".join(x for x in (r.address, r.status, r.reason, r.diagnostic) if x) for r in failed
    )
    request.state = RequestState.FAILED.value
    request.last_error = said or "bounced"
    return f"request R{request.id} bounced: {request.last_error}"
