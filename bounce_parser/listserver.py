"""A mailing list's answer to a post: refused, or held for its moderator.

When a customer's invoice address is a list (Mailman, fml, ezmlm…), the list server answers
the invoice itself: "You are not a member of this mailing list <list@…>", "Your request to
the Compta mailing list … has been rejected by the list moderator" (a refusal: the invoice
reached no one, a bounce of the list's address), or "Your message to Compta awaits moderator
approval" (held: not delivered yet, a delay of that address). Wording from Mailman's own
templates (postheld, refuse; Mailman 3's hold notice), fml's, Sympa's (a rejected message, one
forwarded to the list's editors), LISTSERV's ("not authorized to send mail to the … list"),
Majordomo's ("held for the list owner's approval") and ezmlm-store's ("sent to the
moderator(s) for approval").
"""

from __future__ import annotations

import re
from email.message import Message
from typing import Any

from bounce_parser import mime
from bounce_parser.model import Classification, Kind, RecipientResult
from bounce_parser.parts import returned_to

# Headers that only a list server puts on its own notices.
_LIST_SERVER = (
    "X-MLServer",
    "X-ML-Name",
    "X-Mailman-Version",
    "Mailing-List",
    "List-Id",
    "X-BeenThere",
)
_NOT_MEMBER = re.compile(
    mime.spaced(r"\bnot (?:a )?member\b|\bnon-?member\b|not (?:a )?subscriber|not subscribed to"),
    re.IGNORECASE,
)
_REFUSED = re.compile(
    mime.spaced(
        r"has been rejected by the list moderator|"
        # Sympa: "Your message for list compta (attached below) has been rejected."
        r"your message for list \S+ (?:\([^)]*\) )?has been rejected|"
        # LISTSERV: "You are not authorized to send mail to the COMPTA list"
        r"not authorized to send mail to the \S+ list"
    ),
    re.IGNORECASE,
)
_HELD = re.compile(
    mime.spaced(
        r"awaits moderator approval|is being held until the list moderator|held for moderat|"
        r"held for the list owner.s approval|"  # Majordomo
        r"has been forwarded to (?:the )?(?:list )?editor|"  # Sympa's moderated list
        r"sent to the moderator(?:s|\(s\))? for approval"  # ezmlm-store
    ),
    re.IGNORECASE,
)
# "… this mailing list <list@…>", "… posting to list@…"
# "list" then, past a line break, a quote or bracket, the list's address (its end as RFC
# 5322 3.4.1 has it: a quote or bracket after the domain closes it); "list" a word of its
# own, not the start of the list's name ("Your mail to 'liste@…'")
_LIST_ADDRESS = re.compile(r"\blist\b\s*\W{0,3}(?=[^\s<>@'\"]+@)", re.IGNORECASE)


def list_rejection(msg: Message, text: str, common: dict[str, Any]) -> Classification | None:
    """The list's refusal of the post, or its hold for the moderator; None otherwise."""
    if not from_list_server(msg, strict=not any(name in msg for name in _LIST_SERVER)):
        return None
    subject = mime.header(msg, "Subject") or ""
    head = text[:2000]
    held = _HELD.search(subject) or _HELD.search(head)
    refused = _REFUSED.search(head) or _NOT_MEMBER.search(subject) or _NOT_MEMBER.search(head)
    if not (held or refused):
        return None
    address = _list_address(msg, head, text)
    if address is None:
        return None
    said = _REFUSED if _REFUSED.search(head) else (_HELD if held and not refused else _NOT_MEMBER)
    line = next((ln.strip() for ln in text.splitlines() if said.search(ln)), subject)
    if held and not _REFUSED.search(head):
        # held, whatever the reason it gives: the moderator may still let it through
        status, reason, action = "4.7.1", "onhold", "delayed"
    else:
        status, reason, action = "5.7.1", "rejected", "failed"
    recipient = RecipientResult(
        address=address.lower(),
        status=status,
        reason=reason,
        action=action,
        hard=False,
        diagnostic=line[:500] or None,
    )
    return Classification(kind=Kind.BOUNCE, recipients=(recipient,), **common)


# The list server's own sending addresses (a member's post through the list comes from the
# member); Mailman's are the list's name with -owner, -request, -bounces or -admin.
_SERVER_SENDER = re.compile(
    r"^(?:[^@]+-(?:admin|owner|request|bounces?|ctl|help)|owner-[^@]+|mailman|listserv|majordomo|"
    r"ezmlm|sympa|fml)@",
    re.IGNORECASE,
)
_LIST_ROLE = re.compile(r"^([^@]+)-(?:admin|owner|request|bounces?|help)@(.+)$", re.IGNORECASE)
_OWNER_PREFIX = re.compile(r"^owner-([^@]+)@(.+)$", re.IGNORECASE)  # Majordomo's owner-list@
# a list manager's own address, enough without its list headers (Sympa's and Majordomo's
# notices carry none): the robot itself, or a list's owner address
_ROBOT = re.compile(r"^(?:sympa|listserv|majordomo|ezmlm|mailman)@|^owner-|-owner@", re.I)


def from_list_server(msg: Message, strict: bool = False) -> bool:
    """Whether a list manager sent ``msg`` (its robot or a list's role address; ``strict``:
    only those a notice without list headers may come from)."""
    for name in ("From", "Sender", "Return-Path"):
        for address in mime.addresses_in(mime.header(msg, name) or ""):
            if (_ROBOT if strict else _SERVER_SENDER).search(address):
                return True
    return False


def _list_address(msg: Message, head: str, text: str) -> str | None:
    """The list's own address: named in the text, in List-Post (RFC 2369), in Mailman's
    X-BeenThere, or the list's role address (compta-owner@…) without its role."""
    for m in _LIST_ADDRESS.finditer(head):
        found = mime.address_matches(head[m.end() : m.end() + 320])
        first = next(found, None)
        if first is not None and first.start() == 0:
            return first.group(0)
    # a list named without its domain (Sympa's "Your message for list compta", LISTSERV's
    # "to the COMPTA list"): the returned message's recipient of that name
    named = _LIST_NAME.search(head)
    if named:
        for address in returned_to(list(mime.walk(msg)), text, ("To", "Cc")):
            if address.partition("@")[0].lower() == (named.group(1) or named.group(2)).lower():
                return address
        # not returned: the list of that name at its robot's domain (Sympa's lists are
        # list@robot-domain beside sympa@robot-domain; LISTSERV's LIST@host beside
        # LISTSERV@host; Majordomo's likewise)
        for address in mime.addresses_in(mime.header(msg, "From") or ""):
            robot = _ROBOT_ADDRESS.match(address)
            if robot:
                return f"{named.group(1) or named.group(2)}@{robot.group(1)}".lower()
    post = re.search(r"<mailto:([^>?\s]+@[^>?\s]+)", mime.header(msg, "List-Post") or "")
    if post:
        return post.group(1)
    been_there = mime.addresses_in(mime.header(msg, "X-BeenThere") or "")
    if been_there:
        return been_there[0]
    for address in mime.addresses_in(mime.header(msg, "From") or ""):
        role = _LIST_ROLE.match(address) or _OWNER_PREFIX.match(address)
        if role:
            return f"{role.group(1)}@{role.group(2)}"
    return None


_ROBOT_ADDRESS = re.compile(r"^(?:sympa|listserv|majordomo)@(.+)$", re.IGNORECASE)
_LIST_NAME = re.compile(r"\bfor list ([\w.-]+)|\bto the ([\w.-]+) list\b", re.IGNORECASE)
