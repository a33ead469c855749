"""What a recipient says back that is not a failure: RFC 5965 ARF complaints and unsubscribe
requests, RFC 8098 read receipts (and their plain-text forms), and an auto-reply's recipient."""

from __future__ import annotations

import logging
import re
from email.message import Message

from bounce_parser import mime
from bounce_parser.model import MAX_RECIPIENTS, Classification, Kind, RecipientResult
from bounce_parser.parts import (
    Common,
    addr,
    excerpt_of,
    human_text,
    report_parts,
    returned_headers,
    returned_message_id,
    token,
)
from bounce_parser.report_fields import dsn_groups, report_blocks
from bounce_parser.rules.detection import (
    REDACTED_LOCAL_PART,
    TEXT_READ_RECEIPT_OPENINGS,
    TEXT_READ_RECEIPTS,
)

log = logging.getLogger(__name__)


_FEEDBACK_RCPT = ("Original-Rcpt-To", "Removal-Recipient")
# Without Original-Rcpt-To, who complained is in the returned message as received (RFC 5965
# 2(d)): Microsoft's JMRP names it in X-HmXmrOriginalRecipient; else To, Cc, and the fields a
# receiving system adds for the mailbox it delivered to (Delivered-To, X-Original-To)
_RETURNED_RCPT = ("X-HmXmrOriginalRecipient", "To", "Cc", "Delivered-To", "X-Original-To")


def from_feedback(
    msg: Message,
    parts: list[tuple[int, Message]],
    base: Common,
    feedback_type: str | None = None,
) -> Classification:
    """An RFC 5965 report, or a complaint in a feedback loop's own format (``feedback_type``:
    the type its format stands for, where no report part names one)."""
    fields: dict[str, str] = {}
    recipients: list[str] = []
    for part in report_parts(msg, parts, "feedback-report", "Feedback-Type"):
        for group in dsn_groups(part):
            fields.update(group)
        # Original-Rcpt-To comes once per recipient (RFC 5965 3.2)
        for block in report_blocks(part):
            for value in (v for k in _FEEDBACK_RCPT for v in block.get_all(k) or ()):
                recipients += [a.lower() for a in mime.addresses_in(str(value))]
    returned = returned_headers(parts)
    complained_of = returned
    if complained_of is None and feedback_type is not None:
        # a loop's own format forwarded as it is (JMRP's "Original"): it is the message itself
        complained_of = msg
    for name in _RETURNED_RCPT:
        if recipients or complained_of is None:
            break
        recipients = [a.lower() for a in mime.addresses_in(str(complained_of.get(name, "") or ""))]
    results = tuple(
        RecipientResult(address=a, reason="feedback", action="failed")
        for a in list(dict.fromkeys(recipients))[:MAX_RECIPIENTS]
        if not REDACTED_LOCAL_PART.fullmatch(a.rpartition("@")[0])
    )
    return Classification(
        kind=Kind.FEEDBACK,
        recipients=results,
        feedback_type=(fields.get("feedback-type") or "").lower() or feedback_type,
        original_message_id=(
            returned_message_id(parts)
            if complained_of is not msg
            else mime.first_message_id(mime.header(msg, "Message-ID") or "")
        ),
        facturier_token=token(parts),
        # a complaint comes to the provider's feedback address, not to the return path: the
        # returned message's Return-Path (RFC 5965 2(d), the original as received) names it
        returned_return_path=(
            next(iter(mime.addresses_in(str(complained_of.get("Return-Path", "") or ""))), None)
            if complained_of is not None
            else None
        ),
        **base,
    )


def unsubscribe_request(
    msg: Message, parts: list[tuple[int, Message]], base: Common
) -> Classification:
    """Apple Mail's "unsubscribe" (marked ``X-Apple-Unsubscribe: true``, sent automatically
    for the person who pressed it): an opt-out by the sender, not an auto-reply."""
    results = tuple(
        RecipientResult(address=a.lower(), reason="feedback", action="failed")
        for a in dict.fromkeys(mime.addresses_in(mime.header(msg, "From") or ""))
    )
    return Classification(
        kind=Kind.FEEDBACK,
        recipients=results,
        feedback_type="opt-out",
        original_message_id=base["in_reply_to"],
        facturier_token=token(parts),
        excerpt=excerpt_of(human_text(parts)),
        **base,
    )


# RFC 8098 3.2.6: "Disposition: action-mode/sending-mode; disposition-type[/modifier]":
# displayed (shown to the recipient), deleted (deleted without being shown), dispatched and
# processed (printed, forwarded or handled without being shown); denied and failed are RFC
# 3798's (the recipient would not say, or the report could not be made)
_DISPOSITION_TYPE = re.compile(
    r";\s*(displayed|deleted|dispatched|processed|denied|failed)\b", re.IGNORECASE
)


def read_receipt(msg: Message, parts: list[tuple[int, Message]], base: Common) -> Classification:
    fields: dict[str, str] = {}
    for part in report_parts(msg, parts, "disposition-notification", "Disposition"):
        for group in dsn_groups(part):
            fields.update(group)
    recipient = addr(fields.get("final-recipient")) or addr(fields.get("original-recipient"))
    original = mime.first_message_id(fields.get("original-message-id", "")) or returned_message_id(
        parts
    )
    disposition = fields.get("disposition") or ""
    said = _DISPOSITION_TYPE.search(disposition)
    results = (
        (
            RecipientResult(
                address=recipient,
                reason=said.group(1).lower() if said else None,
                action="delivered",
                diagnostic=disposition or None,
            ),
        )
        if recipient
        else ()
    )
    return Classification(
        kind=Kind.READ_RECEIPT,
        recipients=results,
        original_message_id=original,
        facturier_token=token(parts),
        **base,
    )  # type: ignore[arg-type]


def text_read_receipt(
    msg: Message, parts: list[tuple[int, Message]], base: Common
) -> Classification | None:
    """A read receipt in plain text (``rules.detection.TEXT_READ_RECEIPTS``): the reader is
    its sender; the message it is about, the one it answers (In-Reply-To) or returns."""
    shown = human_text(parts)[:3000]
    text = mime.lowered(shown)
    if not any(opening in text for opening in TEXT_READ_RECEIPT_OPENINGS):
        return None
    for pattern, disposition in TEXT_READ_RECEIPTS:
        said = pattern.search(text)
        if said is None:
            continue
        recipients = tuple(
            RecipientResult(
                address=reader.lower(),
                reason=disposition,
                action="delivered",
                diagnostic=" ".join(shown[said.start() : said.end()].split())[:500],
            )
            for reader in mime.addresses_in(mime.header(msg, "From") or "")[:1]
        )
        return Classification(
            kind=Kind.READ_RECEIPT,
            recipients=recipients,
            original_message_id=base["in_reply_to"] or returned_message_id(parts),
            facturier_token=token(parts),
            **base,
        )
    return None


def autoreply_recipient(msg: Message) -> tuple[RecipientResult, ...]:
    sender = mime.addresses_in(mime.header(msg, "From") or "")
    if not sender:
        return ()
    return (RecipientResult(address=sender[0].lower(), reason="vacation", action="delivered"),)
