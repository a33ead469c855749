"""Requests to a customer for a central invoice address: the signed token each request
carries, and the address a reply proposes. Pure.

The token is ``R<request id>-<HMAC-SHA256 of it, 16 hex>`` under the campaign secret: a reply
that quotes it (in its subject, as the request asks, or its text) answers that request, and a
forged or altered one is refused in constant time. A reply that quotes no token is tied by its
In-Reply-To or References to the request's Message-ID.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection

from daemon.domain.mailboxes import is_shared_mailbox

SIG_LEN = 16
_TOKEN = re.compile(rf"\bR(\d{{1,12}})-([0-9a-f]{{{SIG_LEN}}})\b", re.IGNORECASE)
# an address as people write it in a sentence (RFC 5321 dot-atom local parts, a domain with
# a dot); enough to find one, the mailer's own check decides whether it is usable
_ADDRESS = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?)+)"
)


def _sig(request_id: int, key: bytes) -> str:
    return hmac.new(key, f"R{request_id}".encode(), hashlib.sha256).hexdigest()[:SIG_LEN]


def request_token(request_id: int, key: bytes) -> str:
    return f"R{request_id}-{_sig(request_id, key)}"


def tokens_in(text: str | None, key: bytes) -> list[int]:
    """The request ids of the correctly signed tokens in ``text``."""
    found = []
    for match in _TOKEN.finditer(text or ""):
        request_id, sig = int(match.group(1)), match.group(2).lower()
        if hmac.compare_digest(sig, _sig(request_id, key)):
            found.append(request_id)
    return found


def forged_tokens_in(text: str | None, key: bytes) -> list[str]:
    """Token-shaped strings in ``text`` whose signature does not hold."""
    return [
        m.group(0)
        for m in _TOKEN.finditer(text or "")
        if not hmac.compare_digest(m.group(2).lower(), _sig(int(m.group(1)), key))
    ]


def proposed_address(
    text: str | None, ours: Collection[str], shared: Collection[str] = ()
) -> str | None:
    """The address a customer's reply gives for its invoices: of the addresses in what it
    wrote (not counting ours: any address at a domain in ``ours``), the first shared invoice
    mailbox, else the first; None when it gives none."""
    found = []
    for match in _ADDRESS.finditer(text or ""):
        address = match.group(1).strip(".").lower()
        if address.rsplit("@", 1)[1] in {d.lower() for d in ours} or address in found:
            continue
        found.append(address)
    shared_ones = [a for a in found if is_shared_mailbox(a, shared)]
    return (shared_ones or found or [None])[0]
