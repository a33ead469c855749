"""The last reading of a classification, once every part is read: a failure whose cause no
rule recognised is named as sisimai names it, and one whose text names no address but our own
return path is our sender refused, not the customer's mailbox gone."""

from __future__ import annotations

import dataclasses
import re

from bounce_parser import mime
from bounce_parser.model import HARD_REASONS, Classification, Kind, RecipientResult

_WORDS = re.compile(r"\w\w")


def _undecided_reason(result: RecipientResult) -> str:
    """sisimai's names for a failure whose cause no rule recognised: a delay is the message
    waiting in the queue (``expired``); an error the server explained in words we cannot
    place is ``onhold``; one with no explanation at all is ``undefined``."""
    if result.action == "delayed":
        return "expired"
    return "onhold" if _WORDS.search(result.diagnostic or "") else "undefined"


def undecided_reasons_named(result: Classification) -> Classification:
    """Each failure whose cause no rule recognised given sisimai's name for that."""
    if result.kind != Kind.BOUNCE or all(r.reason for r in result.recipients):
        return result
    recipients = tuple(
        r if r.reason else dataclasses.replace(r, reason=_undecided_reason(r))
        for r in result.recipients
    )
    return dataclasses.replace(result, recipients=recipients)


# reasons that would mark the recipient's address undeliverable
_RECIPIENT_GONE = HARD_REASONS | {"notaccept"}


# a report's field that gives the sender for reference ("Original Sender: <a@b>", "From:",
# "Return-Path:"): not the address the failure is about
_SENDER_FIELD = re.compile(
    r"(?:sender|from|return-path|reply-to|envelope-from)\s*:\s*<?\s*$", re.IGNORECASE
)


def _named_in_failure(text: str) -> set[str]:
    """The addresses a failure's text names, but those it gives as a sender field."""
    return {
        m.group(0).lower()
        for m in mime.address_matches(text)
        if not _SENDER_FIELD.search(text[max(0, m.start() - 40) : m.start()])
    }


def our_sender_named(result: Classification) -> Classification:
    """A failure whose text names no address but ours, the notice's envelope recipient (the
    reverse-path it was returned to, RFC 5321 4.5.5 and 3.3), is our sender refused: a
    sender verification's callout ("Verification failed for <our return path> … 550 5.1.1
    User unknown"), never the customer's mailbox gone, whatever words or status it quotes."""
    ours = set(result.addressed_to)
    if result.kind != Kind.BOUNCE or not ours:
        return result
    changed = False
    recipients = []
    for r in result.recipients:
        if r.reason not in _RECIPIENT_GONE or "@" not in (r.diagnostic or ""):
            recipients.append(r)
            continue
        named = _named_in_failure(r.diagnostic or "")
        theirs = {r.address.lower(), (r.original_recipient or "").lower()}
        if named and named <= ours and not named & theirs:
            r = dataclasses.replace(r, reason="rejected", hard=False)
            changed = True
        recipients.append(r)
    return dataclasses.replace(result, recipients=tuple(recipients)) if changed else result
