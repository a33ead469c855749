"""The classifier: what kind of message this is, and what it says about each recipient.

The engine only; the rule tables are in ``bounce_parser.rules``."""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import date
from email.message import Message
from email.utils import parsedate_to_datetime

from bounce_parser import message_tree, mime
from bounce_parser.autoreply import (
    a_persons_answer,
    autoreply_until,
    looks_like_autoreply,
    moved_to,
    no_longer_read,
)
from bounce_parser.dsn import embedded_dsn, from_dsn
from bounce_parser.feedback import (
    autoreply_recipient,
    from_feedback,
    read_receipt,
    text_read_receipt,
    unsubscribe_request,
)
from bounce_parser.inline_forward import quoted_messages, quoted_notice
from bounce_parser.listserver import from_list_server, list_rejection
from bounce_parser.model import Classification, Kind
from bounce_parser.notices import from_text, own_addresses, split_at_returned, success_text
from bounce_parser.parts import (
    Common,
    excerpt_of,
    human_text,
    report_type_of,
    returned_headers,
    returned_message_id,
    token,
)
from bounce_parser.providers import amazon_ses
from bounce_parser.rules.detection import (
    BOUNCE_BODY,
    BOUNCE_SENDER,
    BOUNCE_SUBJECT,
    COMPLAINT_FIELDS,
    COMPLAINT_SENDERS,
    FAILURE_SHOWN,
    FORWARDED_NOTICE,
    NOT_PASSED_ON,
    NOTICE_MARKS,
    REPLY_SUBJECT,
)
from bounce_parser.textbounce import text_recipients
from bounce_parser.verdict import our_sender_named, undecided_reasons_named

log = logging.getLogger(__name__)


def classify(raw: bytes) -> Classification:
    """Classify one message. Pure, never raises."""
    try:
        return undecided_reasons_named(our_sender_named(_classify(raw)))
    except Exception as exc:  # the contract: any input gives an answer
        log.debug("classifier failed: %s", exc)
        return Classification(kind=Kind.UNKNOWN, notes=(f"unparseable: {type(exc).__name__}",))


MAX_INPUT = 1024 * 1024


def _classify(raw: bytes) -> Classification:
    data = raw if isinstance(raw, bytes | bytearray) else bytes(raw)
    return _classify_message(message_tree.parse(bytes(data[:MAX_INPUT])))


def _classify_message(msg: Message, attached: bool = False) -> Classification:
    """``msg`` read; ``attached``: it is a message a person attached, read once, never again
    as one carrying another."""
    subject = mime.header(msg, "Subject")
    sender = mime.header(msg, "From") or ""
    in_reply_to = mime.first_message_id(mime.header(msg, "In-Reply-To") or "")
    references = tuple(re.findall(r"<[^<>\s]+>", mime.header(msg, "References") or ""))
    senders = mime.addresses_in(sender)
    addressed = []
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To"):
        addressed += [a.lower() for a in mime.addresses_in(mime.header(msg, name) or "")]
    base: Common = {
        "addressed_to": tuple(dict.fromkeys(addressed)),
        "subject": subject,
        "from_address": senders[0] if senders else None,
        "in_reply_to": in_reply_to,
        "references": references,
    }
    parts = list(mime.walk(msg))
    report_type = report_type_of(msg)

    ctypes = [(d, mime.ctype(p)) for d, p in parts]
    if report_type == "feedback-report" or any(c == "message/feedback-report" for _, c in ctypes):
        carried = None
        if report_type != "feedback-report" and not attached:
            carried = _attached_by_a_person(msg, parts, base)
        return carried or from_feedback(msg, parts, base)
    if _complaint_format(msg, parts, base):
        return from_feedback(msg, parts, base, feedback_type="abuse")
    if report_type == "disposition-notification" or any(
        c == "message/disposition-notification" for _, c in ctypes
    ):
        return read_receipt(msg, parts, base)
    dsn = [p for d, p in parts if d == 0 and mime.ctype(p) in _DSN_TYPES]
    report = dsn[0] if dsn else None
    read = parts
    if report is None and (embedded := embedded_dsn(parts)) is not None:
        report, holder = embedded
        read = [(d, p) for d, p in parts if p is not holder]
    if report is not None:
        result = from_dsn(msg, read, report, base)
        if result is not None:
            return result
    # a person's reply ("Re: Facture 7") that shows a notice, pasted or attached ("when I
    # answer you I get this"): what they say is for a person to read, and the notice is
    # about their own message, not ours
    replying = a_persons_answer(msg, subject)
    if report is None and not replying:
        result = _forwarded_report(parts, base)
        if result is not None and not _names_other_failures(msg, subject, sender, parts, result):
            return result
    inline = None if replying else _inline_forwarded_notice(parts, base)
    if inline is None and not attached and not replying:
        inline = _attached_by_a_person(msg, parts, base)
    if inline is not None:
        return inline
    ses = amazon_ses(human_text(parts), dict(base))
    if ses is not None:
        return ses
    refused_post = list_rejection(msg, human_text(parts), dict(base))
    if refused_post is not None:
        return refused_post
    success = success_text(msg, parts, base)
    if success is not None:
        return success
    bounce_like = _is_bounce_like(msg, subject, sender, parts)
    passed_on = _passed_on(parts) if bounce_like else None
    if passed_on is not None:  # delivered to a new address: an informational notice
        return _autoreply(msg, parts, base, returned_message_id(parts, passed_on))
    if bounce_like:
        # a list manager passing on a member's bounce (LISTSERV's "possible delivery error
        # notice", Mailman's "Uncaught bounce notification"): the bounce it carries names
        # the member, its own text only the list; any other notice's carried bounce is read
        # when the notice itself names no one
        list_server = from_list_server(msg)
        text_result = _forwarded_notice(parts, base) if list_server else None
        if text_result is None:
            text_result = from_text(msg, parts, base)
            if not list_server and text_result is not None and not text_result.recipients:
                text_result = _forwarded_notice(parts, base) or text_result
        if text_result is not None:
            return text_result
    if (mime.header(msg, "X-Apple-Unsubscribe") or "").lower() == "true":
        return unsubscribe_request(msg, parts, base)
    receipt = None if replying else text_read_receipt(msg, parts, base)
    if receipt is not None:
        return receipt
    forwarded = None if replying else _inline_forwarded_autoreply(msg, subject, parts, base)
    if forwarded is not None:
        return forwarded
    if looks_like_autoreply(msg, subject):
        return _autoreply(msg, parts, base, in_reply_to)
    if in_reply_to or references:
        return Classification(
            kind=Kind.HUMAN,
            original_message_id=in_reply_to,
            facturier_token=token(parts),
            excerpt=excerpt_of(human_text(parts)),
            **base,
        )
    return Classification(kind=Kind.UNKNOWN, **base)


_DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")


def _complaint_format(msg: Message, parts: list[tuple[int, Message]], base: Common) -> bool:
    """Whether the message is a feedback loop's complaint in its own format (not ARF): from
    a loop's own sender with the message attached, or bearing a field only a loop writes."""
    returned = returned_headers(parts)
    sender = base["from_address"] or ""
    subject = base["subject"] or ""
    if returned is not None and any(
        who.fullmatch(sender) and (about is None or about.search(subject))
        for who, about in COMPLAINT_SENDERS
    ):
        return True
    return any(
        value.search(str(headers.get(name, "") or ""))
        for headers in (msg, returned)
        if headers is not None
        for name, value in COMPLAINT_FIELDS
    )


def _autoreply(
    msg: Message, parts: list[tuple[int, Message]], base: Common, original: str | None
) -> Classification:
    body = human_text(parts)
    recipients = autoreply_recipient(msg)
    own = {r.address for r in recipients} | set(base["addressed_to"])
    excerpt = excerpt_of(body)  # its own words, not a quoted invoice
    said = excerpt or ""
    return Classification(
        kind=Kind.AUTOREPLY,
        recipients=recipients,
        original_message_id=original,
        autoreply_until=autoreply_until(body, _sent_on(msg)),
        no_longer_read=no_longer_read(said),
        moved_to=moved_to(said, own),
        excerpt=excerpt,
        facturier_token=token(parts),
        **base,
    )


def _sent_on(msg: Message) -> date | None:
    """The day the message says it was written (its Date field, RFC 5322 3.6.1)."""
    try:
        return parsedate_to_datetime(mime.header(msg, "Date") or "").date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _passed_on(parts: list[tuple[int, Message]]) -> str | None:
    """For a notice whose own text (before any returned message) says the message was passed
    on to the recipient's new address, and says nothing of a failure (``FORWARDED_NOTICE``):
    the returned text after it ("" if none); None for any other message."""
    head, returned_text = split_at_returned(human_text(parts))
    head = head[:4000]
    if FORWARDED_NOTICE.search(head) is None or NOT_PASSED_ON.search(head) is not None:
        return None
    return returned_text


def _forwarded_report(parts: list[tuple[int, Message]], base: Common) -> Classification | None:
    """A delivery report forwarded whole (attached as message/rfc822, RFC 2046 5.2.1), as a
    mailbox's owner or an alias passes it on: read as the report it is, with the forwarding
    message's own envelope (where it arrived), and noted as forwarded. Known by its report
    part, whatever its multipart is labelled (a gateway that relabels multipart/report
    multipart/mixed, as it may the notice itself)."""
    for carried in _carried(parts):
        inner = list(mime.walk(carried))
        dsn = next((p for d, p in inner if d == 0 and mime.ctype(p) in _DSN_TYPES), None)
        result = from_dsn(carried, inner, dsn, base) if dsn is not None else None
        if result is not None and result.recipients:
            return dataclasses.replace(result, notes=(*result.notes, "a forwarded report"))
    return None


def _carried(parts: list[tuple[int, Message]]) -> list[Message]:
    """The messages a message carries as its own parts (message/rfc822 or message/global,
    RFC 2046 5.2.1, RFC 6532 3.7), not those nested in them."""
    return [
        payload[0]
        for depth, part in parts
        if depth == 0 and mime.ctype(part) in _ATTACHED
        for payload in (part.get_payload(),)
        if isinstance(payload, list) and payload and isinstance(payload[0], Message)
    ]


def _names_other_failures(
    msg: Message,
    subject: str | None,
    sender: str,
    parts: list[tuple[int, Message]],
    carried: Classification,
) -> bool:
    """Whether a notice that carries a report in the message it returns names, in its own
    text, failed recipients that report does not: a bounce of a message that was itself a
    notice (sendmail's "Returned mail" returning a delivery report), whose own failure is
    what it says, the carried report only what it returns."""
    if not _is_bounce_like(msg, subject, sender, parts):
        return False
    head, _returned = split_at_returned(human_text(parts))
    named = {a for a, _ in text_recipients(head, own_addresses(msg))}
    return bool(named - {r.address.lower() for r in carried.recipients})


def _forwarded_notice(parts: list[tuple[int, Message]], base: Common) -> Classification | None:
    """A plain-text notice forwarded whole (attached as message/rfc822) by a notice that
    names no recipient of its own: a list manager's "Uncaught bounce notification" (Mailman
    passes the bounces it cannot read to the list's owner, the bounce attached), a mailbox's
    owner passing one on. Read as the notice it carries, with the forwarding message's own
    envelope, and noted as forwarded."""
    for inner in _carried(parts):
        inner_parts = list(mime.walk(inner))
        subject = mime.header(inner, "Subject")
        if not _is_bounce_like(inner, subject, mime.header(inner, "From") or "", inner_parts):
            continue
        result = from_text(inner, inner_parts, base)
        if result is not None and result.recipients:
            return dataclasses.replace(result, notes=(*result.notes, "a forwarded notice"))
    return None


def _attached_by_a_person(
    msg: Message, parts: list[tuple[int, Message]], base: Common
) -> Classification | None:
    """A notice a person passes on attached (a mail client's "forward as attachment", RFC
    2046 5.2.1): read as the notice it carries, with the forwarding message's own envelope,
    as one forwarded inline is. Not a mail system's own notice (a bounce of a bounce names
    its own failure), nor a person's reply to another message that carries a notice."""
    sender = mime.header(msg, "From") or ""
    if msg.get("X-Failed-Recipients") or BOUNCE_SENDER.search(sender):
        return None
    if (mime.header(msg, "Auto-Submitted") or "no").strip().lower() != "no":
        return None  # RFC 3834 5: written by a program, not a person
    attached = _carried(parts)
    replied_to = {base["in_reply_to"], *base["references"]} - {None}
    ids = {mime.first_message_id(mime.header(m, "Message-ID") or "") for m in attached}
    if replied_to and not replied_to & ids:
        return None
    for inner in attached[:_ATTACHED_READ]:
        result = _classify_message(inner, attached=True)
        if result.kind in _CARRIED_KINDS and (result.recipients or result.kind == Kind.FEEDBACK):
            return dataclasses.replace(result, **base, notes=(*result.notes, "a forwarded notice"))
    return None


_ATTACHED = ("message/rfc822", "message/global")
_ATTACHED_READ = 10  # a person passes on a notice or a few; a message of thousands is no forward
_CARRIED_KINDS = (Kind.BOUNCE, Kind.DELIVERY_REPORT, Kind.FEEDBACK, Kind.AUTOREPLY)


def _inline_forwarded_notice(
    parts: list[tuple[int, Message]], base: Common
) -> Classification | None:
    """A notice a person forwarded inline (``bounce_parser.inline_forward``): read as the
    notice it quotes, with the forwarding message's own envelope, and noted as forwarded."""
    notice = quoted_notice(human_text(parts))
    if notice is None:
        return None
    result = from_text(notice, list(mime.walk(notice)), base)
    if result is None:
        # the quoted lines say it is a notice; its text names nobody (the address was in a
        # report part the forward left out): a bounce of no one, never of the quoted "To:"
        result = Classification(kind=Kind.BOUNCE, **base)
    return dataclasses.replace(result, notes=(*result.notes, "a notice forwarded inline"))


def _inline_forwarded_autoreply(
    msg: Message, subject: str | None, parts: list[tuple[int, Message]], base: Common
) -> Classification | None:
    """An auto-reply a person forwarded inline ("Fwd: Automatic reply: Facture 7"): the
    responder is the quoted From, never the colleague who forwarded it. The quoted lines keep
    only From, To, Subject and Date, so the responder's subject says what it is; a message
    that is itself automatic, or answers one, is read as such."""
    if looks_like_autoreply(msg, None) or REPLY_SUBJECT.match(subject or ""):
        return None
    for quoted in quoted_messages(human_text(parts)):
        if mime.addresses_in(quoted.get("From", "")) and looks_like_autoreply(
            quoted, quoted.get("Subject")
        ):
            result = _autoreply(quoted, list(mime.walk(quoted)), base, None)
            return dataclasses.replace(
                result, notes=(*result.notes, "an auto-reply forwarded inline")
            )
    return None


def _is_bounce_like(
    msg: Message, subject: str | None, sender: str, parts: list[tuple[int, Message]]
) -> bool:
    if msg.get("X-Failed-Recipients"):
        return True
    if BOUNCE_SENDER.search(sender):
        return True
    if subject and BOUNCE_SUBJECT.search(subject):
        # a notice's subject, unless it answers a message from a sender that is no mail
        # system: a person may write the words ("Re: Facture 7 rejected: wrong VAT number"; a
        # notice never puts a reply's prefix before them), a notice also shows what failed
        if msg.get("In-Reply-To") is None and msg.get("References") is None:
            return True
        if not REPLY_SUBJECT.match(subject) and _shows_failure(human_text(parts)[:4000], parts):
            return True
    if msg.get("In-Reply-To") is not None:
        return False  # a person answering, who may well quote such words
    text = human_text(parts)[:4000]
    # the words alone, from a sender that is no mail system and under a subject that is no
    # notice's: a person may write them ("your invoice could not be delivered to our
    # accounts team, send it to …"); a notice also shows what failed
    said = BOUNCE_BODY.search(text) or NOTICE_MARKS.search(text)
    return said is not None and _shows_failure(text, parts)


def _shows_failure(text: str, parts: list[tuple[int, Message]]) -> bool:
    """Whether a notice shows what failed: the server's reply code or status, or the
    returned message."""
    return (
        FAILURE_SHOWN.search(text) is not None
        or bool(split_at_returned(text)[1].strip())
        or any(d == 0 and mime.ctype(p) in _RETURNED_TYPES for d, p in parts)
    )


_RETURNED_TYPES = ("message/rfc822", "message/global", "text/rfc822-headers")
