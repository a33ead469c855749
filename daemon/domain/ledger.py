"""The ledger: a hash chain over what came in (every notice read from the bounce mailbox)
and every change to a customer's invoice addresses, beside the archive's chain of what went
out.

Each link is ``chain_hash = sha256(prev_hash | seq | kind | ref_id | digest)``, where the
digest covers what the row said when it was chained: for an inbound message, the hash and
size of its bytes as received (kept whole in the write-once inbound archive) and where it was
read; for an address change, every field of it. A row rewritten, removed or slipped in
without a link is found by ``archive verify``; a rewrite of the rows and the chain together
is found against the last signed head exported outside the database (``chain_head``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from daemon.domain.models import AddressChange, InboundMessage

GENESIS = "0" * 64
INBOUND = "inbound"
ADDRESS_CHANGE = "address-change"


def link_hash(prev: str, seq: int, kind: str, ref_id: int, digest: str) -> str:
    return hashlib.sha256(f"{prev}|{seq}|{kind}|{ref_id}|{digest}".encode()).hexdigest()


def link_holds(link: Mapping[str, Any], digest: str) -> bool:
    """Whether a chain link, as a proof package writes it out, is of ``digest`` and its own
    hash is right."""
    return link["digest"] == digest and link["chain_hash"] == link_hash(
        link["prev_hash"], link["seq"], link["kind"], link["ref_id"], link["digest"]
    )


def _instant(at: datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _digest(fields: list[object]) -> str:
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def inbound_digest(m: InboundMessage) -> str:
    return _digest([m.id, m.raw_sha256, m.size, m.mailbox, m.uidvalidity, m.uid])


def address_change_digest(c: AddressChange) -> str:
    return _digest(
        [
            c.id,
            c.customer_id,
            c.address_id,
            c.field,
            c.old_value,
            c.new_value,
            c.changed_by,
            _instant(c.changed_at),
            c.reason,
            c.source,
        ]
    )
