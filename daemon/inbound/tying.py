"""Tying a classified inbound message to the delivery it is about, on proof only.

A report changes state (a bounce, a delivery report, a complaint: ``REPORT_KINDS``), so it is
tied only by what a third party cannot know, and only when it names that delivery's
recipient:

- VERP on: the signed return path (``daemon.domain.verp``) is required. A token whose
  signature is wrong is a forgery whatever else matches; the delivery token or Message-ID
  alone (every recipient of the message sees both) is not enough.
- VERP off: facturier's delivery token (``X-Facturier-Delivery`` in the returned headers, or
  the DSN's ENVID, RFC 3461 4.4) or the original Message-ID in the returned message (RFC 3464
  2.1, RFC 5965 2).

Anything else that points at a delivery is quarantined with the reason. A delivery found by
recipient and time alone is named to a person as a suggestion, never applied. A note (an
auto-reply, a read receipt, a reply) changes no state, so it may also be tied by its
In-Reply-To or References (RFC 5322 3.6.4).

A report is known by its content (``notice_key``): the same notice, its headers changed,
is applied once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bounce_parser import Classification, Kind, RecipientResult
from daemon.domain.event_words import EVIDENCE, event_text
from daemon.domain.models import Delivery, Invoice, utcnow
from daemon.domain.verp import find_verp
from mailer.addresses import comparable
from mailer.smtp.relay import xtext

INFERENCE_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class Verp:
    return_path: str
    key: bytes


@dataclass(frozen=True)
class Tie:
    delivery: Delivery | None
    evidence: str | None
    quarantine: str | None = None
    """Why the message must not be applied (a forged signature, another recipient, …)."""
    suggestion: str | None = None
    """A delivery the message may be about, found by recipient and time only: for a person."""


REPORT_KINDS = (Kind.BOUNCE, Kind.DELIVERY_REPORT, Kind.FEEDBACK)


async def _by_token(session: AsyncSession, token: str) -> Delivery | None:
    return (await session.exec(select(Delivery).where(Delivery.token == token))).first()


async def _by_message_id(session: AsyncSession, mid: str) -> Delivery | None:
    return (await session.exec(select(Delivery).where(Delivery.message_id == mid))).first()


async def _by_what_it_returns(
    session: AsyncSession, c: Classification, *, replies: bool
) -> tuple[Delivery, str] | None:
    """The delivery named by our token, the envelope id or the original Message-ID (and,
    with ``replies``, In-Reply-To and References), with the evidence's name."""
    for token, evidence in ((c.facturier_token, "token-header"), (c.original_envelope_id, "envid")):
        if token:
            found = await _by_token(session, token)
            if found is not None:
                return found, evidence
    ids: list[tuple[str | None, str]] = [(c.original_message_id, "message-id")]
    if replies:
        ids += [(c.in_reply_to, "in-reply-to")]
        ids += [(ref, "references") for ref in reversed(c.references)]
    for mid, evidence in ids:
        if mid:
            found = await _by_message_id(session, mid)
            if found is not None:
                return found, evidence
    return None


async def _guess(session: AsyncSession, c: Classification) -> str | None:
    """A recent delivery to the recipient the message names, worded for a person."""
    if not c.recipients or c.kind not in (*REPORT_KINDS, Kind.AUTOREPLY):
        return None
    named = c.recipients[0].address
    address = comparable(named)
    row = (
        await session.exec(
            select(Delivery.id, Invoice.number)
            .join(Invoice, col(Invoice.id) == col(Delivery.invoice_id))
            .where(
                # as stored (its domain in ASCII), or as named (a quoted local part kept)
                col(Delivery.recipient).in_({address, named.lower()}),
                col(Delivery.updated_at) >= utcnow() - INFERENCE_WINDOW,
            )
            .order_by(col(Delivery.id).desc())
        )
    ).first()
    if row is None:
        return None
    return event_text("tie_guess", number=row[1], delivery=row[0], address=address)


def _is_about(sent_to: str, r: RecipientResult) -> bool:
    """Whether a report's recipient ``r`` is the address a delivery was ``sent_to``: its
    final address, or its original one, which is our ORCPT: sent xtext-encoded (RFC 3461
    4.2, "factures+2Bacme@…" for a "+"), some MTAs return it as they received it. Compared
    in one form (``comparable``: a domain in Unicode or ASCII, a local part quoted or not)."""
    want = comparable(sent_to)
    original = comparable(r.original_recipient or "")
    return want in (comparable(r.address), original) or original == xtext(sent_to).lower()


def _names_recipient(delivery: Delivery, c: Classification) -> bool:
    return any(_is_about(delivery.recipient, r) for r in c.recipients)


async def tie(session: AsyncSession, c: Classification, verp: Verp | None = None) -> Tie:
    """The delivery a classified message is about, with the evidence that proves it; or
    why it must be set aside; or nothing."""
    report = c.kind in REPORT_KINDS
    if verp is not None:
        addresses = c.addressed_to
        if c.returned_return_path:
            addresses = (*addresses, c.returned_return_path.lower())
        match = find_verp(addresses, verp.return_path, verp.key)
        if match is not None and not match.valid:
            return Tie(
                None,
                None,
                event_text("tie_forged_verp"),
            )
        if match is not None:
            found = await _by_token(session, match.token)
            if found is None:
                return Tie(
                    None,
                    None,
                    event_text("tie_unknown_verp", token=match.token),
                )
            return _checked(found, "verp", c)
    weak = await _by_what_it_returns(session, c, replies=not report)
    if weak is not None:
        found, evidence = weak
        if report and verp is not None:
            return Tie(
                None,
                None,
                event_text("tie_weak_with_verp", evidence=EVIDENCE[evidence], delivery=found.id),
            )
        return _checked(found, evidence, c) if report else Tie(found, evidence)
    suggestion = await _guess(session, c)
    if suggestion is not None and report:
        return Tie(
            None,
            None,
            event_text("tie_unproven", suggestion=suggestion),
            suggestion,
        )
    return Tie(None, None, suggestion=suggestion)


def _checked(delivery: Delivery, evidence: str, c: Classification) -> Tie:
    """``delivery`` tied by ``evidence``, when the report names its recipient (a report that
    names none is taken on the signed return path alone)."""
    if c.kind not in REPORT_KINDS or _names_recipient(delivery, c):
        return Tie(delivery, evidence)
    if not c.recipients:
        if evidence == "verp":
            return Tie(delivery, evidence)
        return Tie(
            None,
            None,
            event_text("tie_no_recipient", evidence=EVIDENCE[evidence], delivery=delivery.id),
        )
    named = ", ".join(dict.fromkeys(r.address for r in c.recipients))
    return Tie(
        None,
        None,
        event_text(
            "tie_other_recipient", named=named, delivery=delivery.id, recipient=delivery.recipient
        ),
    )


def notice_key(c: Classification, delivery_id: int) -> str:
    """What a report says and the delivery it is about, as a digest: a copy of the report
    whose headers were changed has the same key."""
    said = [
        str(c.kind),
        c.reporting_mta,
        c.arrival_date,
        c.original_envelope_id,
        c.original_message_id,
        c.feedback_type,
        delivery_id,
        sorted(
            [
                r.address.lower(),
                r.action,
                r.status,
                r.reply_code,
                r.diagnostic,
                r.last_attempt,
                r.will_retry_until,
            ]
            for r in c.recipients
        ),
    ]
    return hashlib.sha256(json.dumps(said, default=str).encode()).hexdigest()


def recipient_for(delivery: Delivery, c: Classification) -> RecipientResult | None:
    """What the message says of ``delivery``'s recipient (a note's first recipient when it
    names another: an auto-reply comes from whoever answered)."""
    for r in c.recipients:
        if _is_about(delivery.recipient, r):
            return r
    if c.kind in REPORT_KINDS:
        return None
    return c.recipients[0] if c.recipients else None
