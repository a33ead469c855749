"""Notices that are not RFC 3464 reports: MTA text bounces and success notices in plain text
(complaints, read receipts and auto-replies' recipients: ``feedback``)."""

from __future__ import annotations

import functools
import logging
import re
from email.message import Message

from bounce_parser import mime
from bounce_parser.codes import reply_code_in_text, smtp_command, status_in_text
from bounce_parser.model import Classification, Kind, RecipientResult, is_hard
from bounce_parser.parts import (
    Common,
    around,
    human_text,
    returned_display_names,
    returned_for,
    returned_headers,
    returned_message_id,
    returned_to,
    token,
)
from bounce_parser.reasons import (
    decide_reason,
    reason_from_text,
    refine_by_command,
    status_from_reply_code,
)
from bounce_parser.replies import quoted_reply
from bounce_parser.rules.detection import (
    BOUNCE_BODY,
    BOUNCE_SENDER,
    GAVE_UP,
    MESSAGE_ONLY_FIELDS,
    NOTES_REASONS,
    RETURNED_MARKER,
    SUCCESS_NOTICE,
    SUCCESS_RELAYED,
    TEMPORARY,
)
from bounce_parser.rules.signatures import (
    command_line,
    gives_up_after_retries,
    notice_reason,
    provider_reason,
    subject_reason,
    unless_stage_untold,
)
from bounce_parser.textbounce import (
    expanded_only,
    listed_block,
    local_parts_named,
    local_parts_of_sender,
    quoted_names_named,
    strong_recipients,
    text_recipients,
    written_addresses,
)

log = logging.getLogger(__name__)


_HEADER_NAME = re.compile(r"([A-Za-z][A-Za-z0-9-]{0,40})[ \t]*:")


def _header_block_at(text: str) -> int | None:
    """Where a returned message's header block starts in ``text`` (``MESSAGE_ONLY_FIELDS``),
    or None."""
    at = 0
    run_start, run, of_message = 0, 0, False
    for line in text.split("\n"):
        named = _HEADER_NAME.match(line)
        if named:
            if run == 0:
                run_start, of_message = at, False
            run += 1
            of_message = of_message or named.group(1).lower() in MESSAGE_ONLY_FIELDS
            if run >= 3 and of_message:
                return run_start
        elif not (run and line[:1] in (" ", "\t") and line.strip()):  # not a folded line
            run = 0
        at += len(line) + 1
    return None


def split_at_returned(text: str) -> tuple[str, str]:
    """The notice's own text, and the returned message after its marker or from its header
    block ("" if neither)."""
    marker = RETURNED_MARKER.search(text)
    end = marker.start() if marker else len(text)
    block = _header_block_at(text[:end]) if ":" in text[:end] else None
    if block is not None:
        end = block
    return text[:end], text[end:]


def _written_to(
    parts: list[tuple[int, Message]], returned_text: str, exclude: set[str]
) -> list[str]:
    """The returned message's To and Cc, without our own addresses."""
    return [a for a in returned_to(parts, returned_text, ("To", "Cc")) if a not in exclude]


def own_addresses(msg: Message) -> set[str]:
    """The notice's own addresses (To, From, Delivered-To): never a failed recipient."""
    return {
        a.lower()
        for name in ("To", "From", "Delivered-To")
        for a in mime.addresses_in(mime.header(msg, name) or "")
    }


def _message_ids(msg: Message, parts: list[tuple[int, Message]], returned_text: str) -> set[str]:
    """The message identifiers a notice may quote in its text ("Your message <id> could not be
    delivered"): the returned message's Message-ID and those the notice refers to (In-Reply-To,
    References). RFC 5322 3.6.4 writes them "id-left@id-right", like an address; they are
    never a failed recipient."""
    ids = [returned_message_id(parts, returned_text) or ""]
    ids += [mime.header(msg, name) or "" for name in ("In-Reply-To", "References")]
    return {m.lower() for value in ids for m in mime.message_ids(value)}


def _quotes_a_reply(text: str) -> bool:
    return status_in_text(text) is not None or reply_code_in_text(text) is not None


def _shown(diagnostic: str, summary: str | None) -> str | None:
    """What the operator reads of a recipient's failure: the words the notice puts beside the
    address, or, where those say nothing of a failure and the notice names that one address
    only, the notice's own opening words, which quote the reply (Apache James's "Error
    message below: 550 …" above its "Message details: … RCPT TO: <address>"). The cheap
    tests first: the wording rules are read only where the opening words quote a reply and
    the address's own words do not."""
    if (
        summary
        and not _quotes_a_reply(diagnostic)
        and _quotes_a_reply(summary)
        and reason_from_text(diagnostic) is None
    ):
        return summary
    return diagnostic or None


# the frame a notice's template draws around its parts, which a diagnostic read from the
# text around an address may take in: a banner between rules ("----- Transcript of session
# follows -----", sendmail; "|---- Failed addresses follow: ----|", Smail 3; "****** Message
# from InterScan ******"), or a rule alone
_FRAME = re.compile(
    r"(?<!\S)(?:\|?-{3,}|\*{4,}|={4,})(?:[^-*=|]{0,60}?(?:-{3,}\|?|\*{4,}|={4,}))?(?!\S)"
)


def _unframed(diagnostic: str | None) -> str | None:
    """What the operator reads of a failure, without its template's frame (classification
    reads the words whole: only what is shown is cut)."""
    if not diagnostic or (
        "--" not in diagnostic and "**" not in diagnostic and "==" not in diagnostic
    ):
        return diagnostic
    return " ".join(_FRAME.sub(" ", diagnostic).split()) or diagnostic


def _succeeded(head: str) -> dict[str, str]:
    """The recipients a notice of several lists under a success template's words
    (``SUCCESS_NOTICE``: Exchange's "Delivery to these recipients or groups is complete"
    beside its "Delivery has failed to these recipients or groups"), up to the next words of
    a failure, and named nowhere else: delivered (or relayed), not failed. (sendmail's
    successful ones are left out before, by its failed block, ``listed_block``.)"""
    listed: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    lowered = mime.lowered(head)
    for m in SUCCESS_NOTICE.finditer(lowered):
        failure = BOUNCE_BODY.search(head, m.end())
        end = failure.start() if failure else len(head)
        action = "relayed" if SUCCESS_RELAYED.search(lowered, m.start(), end) else "delivered"
        spans.append((m.start(), end))
        for found in mime.address_matches(head[m.end() : end]):
            listed.setdefault(found.group(0).lower(), action)
    if not listed:
        return {}
    outside = "".join(
        head[start:end]
        for start, end in zip(
            (0, *(e for _, e in spans)), (*(s for s, _ in spans), len(head)), strict=True
        )
    ).lower()
    return {a: action for a, action in listed.items() if a not in outside}


def success_text(
    msg: Message, parts: list[tuple[int, Message]], base: Common
) -> Classification | None:
    """A success notice in plain text, in one of the templates ``SUCCESS_NOTICE`` names: a
    delivery report of each recipient it names (a failure notice that quotes such words as
    well, with a failure status or reply, is not one)."""
    head, returned_text = split_at_returned(human_text(parts))
    lowered = mime.lowered(head[:4000])
    said = SUCCESS_NOTICE.search(lowered)
    if said is None:
        return None
    sender = mime.header(msg, "From") or ""
    if msg.get("In-Reply-To") is not None and not BOUNCE_SENDER.search(sender):
        return None  # a person answering, who may quote such a notice
    rest = head[said.end() :]
    stated = status_in_text(rest)
    if stated is not None and stated[0] in "45":
        return None
    if BOUNCE_BODY.search(rest):
        # a notice of several recipients, some delivered and some not ("Delivery to these
        # recipients or groups is complete …", then "Delivery has failed to these recipients or
        # groups: …"): a failure notice, never a delivery report of all it names
        return None
    exclude = own_addresses(msg)
    addresses = [a for a, _ in text_recipients(rest, exclude)] or [
        a.lower() for a in mime.addresses_in(rest) if a.lower() not in exclude
    ]
    if not addresses:  # named by display name only ("Factures on <date>"): the summary's To
        # above the words, or the returned message's one recipient; else none named
        written_to = _written_to(parts, returned_text, exclude)
        addresses = [a.lower() for a in mime.addresses_in(head[: said.start()])] or (
            written_to if len(written_to) == 1 else []
        )
        addresses = [a for a in addresses if a not in exclude]
    action = "relayed" if SUCCESS_RELAYED.search(lowered) else "delivered"
    return Classification(
        kind=Kind.DELIVERY_REPORT,
        recipients=tuple(
            RecipientResult(
                address=a,
                status=stated or "2.0.0",
                reason="delivered",
                action=action,
            )
            for a in dict.fromkeys(addresses)
        ),
        original_message_id=returned_message_id(parts, returned_text),
        facturier_token=token(parts),
        **base,
    )


def from_text(
    msg: Message, parts: list[tuple[int, Message]], base: Common
) -> Classification | None:
    text = human_text(parts)
    head, returned_text = split_at_returned(text)
    exclude = own_addresses(msg) | _message_ids(msg, parts, returned_text)
    returned = returned_headers(parts)
    if returned is not None:
        exclude.update(a.lower() for a in mime.addresses_in(str(returned.get("From", ""))))
    summary = " ".join(head.split())[:500]
    failed_header = [
        a.lower() for a in mime.addresses_in(mime.header(msg, "X-Failed-Recipients") or "")
    ]
    found = text_recipients(head, exclude)
    listed = listed_block(head) if len(found) > 1 else None
    if listed and any(a in listed for a, _ in found):
        found = [(a, d) for a, d in found if a in listed]
    written = written_addresses(head)
    if failed_header:
        by_addr = dict(found)
        found = [(a, by_addr.get(a) or summary) for a in dict.fromkeys(failed_header)]
    if not found:  # an alias with no domain, made of the address written
        found = [(a, summary) for a in expanded_only(head) if a not in exclude]
    # the notice names no address: one the returned message was written to, by its local part
    # alone or, failing that, its To; where it went to several, the text does not say which
    # failed, so none is proven gone
    unnamed = False
    if not found:
        written_to = _written_to(parts, returned_text, exclude)
        received_for = [a for a in returned_for(parts, returned_text) if a not in exclude]
        found = local_parts_named(head, list(dict.fromkeys(written_to + received_for)))
        if not found:
            names = returned_display_names(parts, returned_text)
            names += [(a.partition("@")[0], a) for a in written_to]
            found = quoted_names_named(head, [(n, a) for n, a in names if a not in exclude])
        if not found:
            # the notice's subject names which of them failed ("Delivery failure to …")
            recipients = set(written_to + received_for)
            found = [
                (a, summary)
                for a in dict.fromkeys(x.lower() for x in mime.addresses_in(base["subject"] or ""))
                if a in recipients
            ]
        sender = mime.header(msg, "From") or ""
        if not found and BOUNCE_SENDER.search(sender):
            found = local_parts_of_sender(head, (mime.addresses_in(sender) or [""])[0])
        if not found:
            found = [(a, summary) for a in returned_to(parts, returned_text) if a not in exclude]
            unnamed = len(written_to) > 1
    if not found:  # a message that bounced back to its own sender names it the strong way
        found = [(a.lower(), summary) for a in strong_recipients(head)]
    notes_reason = NOTES_REASONS.search(head) if "Failure Reasons" in head else None
    if notes_reason:  # Lotus Notes states the reason on the line above the address
        found = [(a, d or " ".join(notes_reason.group(1).split())) for a, d in found]
    # said of the whole message, read only when a recipient's answer needs it: the sender has
    # given up (then a 4xx code it quotes is only the last error), in its text or its subject
    # (sendmail V5's "Cannot send message for 5 days"), whatever words that reply has ("This
    # is a permanent error; I've given up" above "451 Resources temporarily unavailable");
    # or it still tries
    notice_subject = base["subject"] or ""
    gave_up = functools.cache(
        lambda: GAVE_UP.search(head) is not None or GAVE_UP.search(notice_subject) is not None
    )
    still_trying = functools.cache(lambda: not gave_up() and TEMPORARY.search(head) is not None)
    results = []
    # a status or reply code quoted elsewhere in a notice that names several recipients may
    # be another's ("<a>: 550 5.1.1 …", "<b>: Connection refused"): only its own counts
    whole = head if len(found) == 1 else None
    succeeded = _succeeded(head) if len(found) > 1 else {}
    for address, diagnostic in found:
        if address in succeeded:
            results.append(
                RecipientResult(
                    address=address,
                    status="2.0.0",
                    reason="delivered",
                    action=succeeded[address],
                    original_recipient=written.get(address),
                )
            )
            continue
        if whole is not None:
            # the notice's one address, its own words quoting no reply where the opening
            # words do: the failure is what those say (Apache James's "Error message below")
            diagnostic = _shown(diagnostic, summary) or ""
        status = status_in_text(diagnostic) or status_in_text(whole)
        if status is not None and status[0] == "2":
            status = None  # a transcript's earlier "250 2.1.0 Ok", not this failure's
        reply_code = reply_code_in_text(diagnostic, whole)
        # a reply quoted without a status still has its class (RFC 5321 4.2.1: 5yz permanent):
        # "550 DNS Error: … NXDOMAIN" is a domain gone, Gmail's bare "DNS Error: … NXDOMAIN"
        # (reported under 4.0.0) the DNS's trouble
        by_class = f"{reply_code // 100}.0.0" if reply_code and reply_code >= 400 else None
        # in a notice of several recipients, what one says beside itself comes first: the
        # wider text holds the others' replies ("<a>: 553 We weren't able to find the
        # recipient domain", "<b>: 501 5.5.4 Invalid command arguments"), read only where
        # its own words and status name no cause, and then proving nothing gone (borrowed)
        own_reason = decide_reason(status or by_class, diagnostic) if whole is None else None
        reason = own_reason or decide_reason(
            status or by_class, diagnostic, head, subject_reason(base["subject"])
        )
        if reason == "expired" and still_trying() and reply_code is not None:
            # a warning that delivery goes on says "delayed" around the reply it quotes: the
            # delay's cause is what that reply says, as in a report's Diagnostic-Code
            reply = quoted_reply(diagnostic)
            reason = (decide_reason(status or by_class, reply) if reply else None) or reason
        command = (
            smtp_command(diagnostic)
            or smtp_command(around(head, address))
            # the command right above the reply in a transcript, as a report's text is read
            or command_line(head, quoted_reply(diagnostic) or diagnostic, msg)
        )
        reason = refine_by_command(reason, command, status, diagnostic)
        reason = unless_stage_untold(reason, command, msg, text, status, diagnostic)
        reason = provider_reason(msg, address, diagnostic, status, human=head) or reason
        reason = notice_reason(msg, address, head) or reason
        # Exim gives up on an address it kept retrying (a full mailbox, hosts that would not
        # answer) after its retry timeout: the errors were temporary, the failure final
        retried_out = (
            status is None
            and reply_code is None
            and reason in ("expired", "mailboxfull")
            and gives_up_after_retries(head)
            and not any(mime.ctype(part) == "message/delivery-status" for _, part in parts)
        )
        stated = status is not None
        # a cause read only from the notice's wider text, which names other recipients too,
        # may be theirs: it may name the reason, never prove this address gone
        borrowed = len(found) > 1 and own_reason is None
        if status is None:
            guessed = reply_code or (400 if retried_out or still_trying() else 500)
            status = status_from_reply_code(guessed, reason)
        soft = (
            ((status or "").startswith("4") or (reply_code is not None and reply_code < 500))
            and not retried_out
            and not gave_up()
        )
        action = "delayed" if soft else "failed"
        results.append(
            RecipientResult(
                address=address,
                status=status,
                reason=reason,
                action=action,
                hard=action == "failed"
                and not borrowed
                and not unnamed
                and is_hard(reason, status, reply_code, diagnostic, status_stated=stated),
                diagnostic=_unframed(_shown(diagnostic, summary if len(found) == 1 else None)),
                reply_code=reply_code,
                original_recipient=written.get(address),
            )
        )
    return Classification(
        kind=Kind.BOUNCE,
        recipients=tuple(results),
        original_message_id=returned_message_id(parts, returned_text),
        facturier_token=token(parts),
        **base,
    )
