"""A mailing list that refuses a post from someone who is not a member.

When a customer's invoice address is a list (fml, ezmlm, Mailman…) that takes mail only from
its members, the list server answers the invoice with "You are not a member of this mailing
list <list@…>": the invoice did not reach anyone, which is a bounce of that address.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import Any

from bounce_parser import mime
from bounce_parser.model import Classification, Kind, RecipientResult

# Headers that only a list server puts on its own notices.
_LIST_SERVER = ("X-MLServer", "X-ML-Name", "X-Mailman-Version", "Mailing-List", "List-Id")
_NOT_MEMBER = re.compile(
    r"\bnot (?:a )?member\b|\bnon-?member\b|not (?:a )?subscriber|not subscribed to",
    re.IGNORECASE,
)
# "… this mailing list <list@…>", "… posting to list@…"
_LIST_ADDRESS = re.compile(r"\blist\W{0,3}<?([^\s<>@]+@[^\s<>@]+?)>?[.,;:)]?\s", re.IGNORECASE)


def list_rejection(msg: Message, text: str, common: dict[str, Any]) -> Classification | None:
    """The list's refusal of a post from a non-member, or None."""
    if not any(name in msg for name in _LIST_SERVER) or not _from_list_server(msg):
        return None
    subject = mime.header(msg, "Subject") or ""
    if not (_NOT_MEMBER.search(subject) or _NOT_MEMBER.search(text[:2000])):
        return None
    m = _LIST_ADDRESS.search(text[:2000])
    address = m.group(1) if m else _posting_address(msg)
    if address is None:
        return None
    line = next((ln.strip() for ln in text.splitlines() if _NOT_MEMBER.search(ln)), subject)
    recipient = RecipientResult(
        address=address.lower(),
        status="5.7.1",
        reason="rejected",
        action="failed",
        hard=False,
        diagnostic=line[:500] or None,
    )
    return Classification(kind=Kind.BOUNCE, recipients=(recipient,), **common)


# The list server's own sending addresses (a member's post through the list comes from the
# member).
_SERVER_SENDER = re.compile(
    r"^(?:[^@]+-(?:admin|owner|request|bounces?|ctl)|owner-[^@]+|mailman|listserv|majordomo|"
    r"ezmlm|sympa|fml)@",
    re.IGNORECASE,
)


def _from_list_server(msg: Message) -> bool:
    for name in ("From", "Sender", "Return-Path"):
        for address in mime.addresses_in(mime.header(msg, name) or ""):
            if _SERVER_SENDER.match(address):
                return True
    return False


def _posting_address(msg: Message) -> str | None:
    """The list's own address, from List-Post (RFC 2369)."""
    m = re.search(r"<mailto:([^>?\s]+@[^>?\s]+)", mime.header(msg, "List-Post") or "")
    return m.group(1) if m else None
