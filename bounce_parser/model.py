"""The classifier's result types."""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bounce_parser.replies import joined_reply_lines
from bounce_parser.rules.status import TEMPORARY_WORDING, ambiguous, proves_not_gone


class Kind(enum.StrEnum):
    BOUNCE = "bounce"
    AUTOREPLY = "autoreply"
    FEEDBACK = "feedback"
    DELIVERY_REPORT = "delivery_report"
    READ_RECEIPT = "read_receipt"
    HUMAN = "human"
    UNKNOWN = "unknown"


HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved"})
MAX_RECIPIENTS = 100
"""The most recipients one notice is read for: RFC 5321 4.5.3.1.8 asks a server to take 100
recipients a message, and ours go to a central address and a few copies; a notice naming
thousands is junk or an attack, and each recipient read costs its reason's rules."""


_STATUS_IN_TEXT = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")


def is_hard(
    reason: str | None,
    status: str | None,
    reply_code: int | None,
    diagnostic: str | None = None,
    status_stated: bool = True,
) -> bool:
    """Whether a failure proves the mailbox or domain gone: a reason that says so, not
    contradicted by a transient reply code (RFC 5321 4.2.1) or words that say the refusal is
    for now (``rules.status.TEMPORARY_WORDING``), nor by a status, given or quoted
    in the diagnostic, that says the mailbox exists (``rules.status.proves_not_gone``), and
    not read only from a wording that also means other refusals (``rules.status.ambiguous``)
    unless a status the notice states (``status_stated``: not one guessed from the reason)
    says the mailbox is gone."""
    if reply_code is not None and 400 <= reply_code < 500:
        return False
    if reason not in HARD_REASONS and reason != "notaccept":
        return False
    said = joined_reply_lines(diagnostic or "")  # its words, a multi-line reply's as one
    if TEMPORARY_WORDING.search(said):
        # words that say the refusal is for now ("not accepting mail at the moment", "domain
        # not reachable at this time, try later") are a transient reply in all but its code
        return False
    quoted = tuple(_STATUS_IN_TEXT.findall(diagnostic or ""))
    if any(proves_not_gone(s) for s in (status, *quoted)):
        return False
    if ambiguous((status, *quoted) if status_stated else quoted, said):
        return False
    if reason == "notaccept":
        return (status or "").startswith("5") or (reply_code or 0) >= 500
    return True


@dataclass(frozen=True)
class RecipientResult:
    address: str
    status: str | None = None
    """RFC 3463 enhanced status code, e.g. ``5.1.1``."""
    reason: str | None = None
    """The bounce reason (sisimai's vocabulary: ``userunknown``, ``mailboxfull``…); for a read
    receipt, its RFC 8098 disposition type (``displayed``, ``deleted``…)."""
    action: str | None = None
    """failed, delayed, delivered, relayed or expanded."""
    hard: bool = False
    diagnostic: str | None = None
    reply_code: int | None = None
    remote_mta: str | None = None
    original_recipient: str | None = None
    last_attempt: str | None = None
    will_retry_until: str | None = None


@dataclass(frozen=True)
class Classification:
    kind: Kind
    recipients: tuple[RecipientResult, ...] = ()
    original_message_id: str | None = None
    original_envelope_id: str | None = None
    reporting_mta: str | None = None
    arrival_date: str | None = None
    feedback_type: str | None = None
    autoreply_until: str | None = None
    no_longer_read: bool = False
    """An auto-reply saying its address is no longer read or its owner has left."""
    moved_to: tuple[str, ...] = ()
    """For such an auto-reply: the addresses it names to write to instead (for a person to
    confirm; never applied by itself)."""
    facturier_token: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    subject: str | None = None
    from_address: str | None = None
    addressed_to: tuple[str, ...] = ()
    """Where the notification was delivered (To, Delivered-To, X-Original-To, Envelope-To):
    for a bounce, the envelope sender of the original, e.g. a VERP return path."""
    returned_return_path: str | None = None
    """For a complaint: the Return-Path of the returned message (where bounces of it went)."""
    excerpt: str | None = None
    """For a human reply or an auto-reply: the start of what the person wrote."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Classification:
        """The classification ``to_dict`` wrote (keys it does not know are left out)."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["kind"] = Kind(values.get("kind", Kind.UNKNOWN))
        values["recipients"] = tuple(
            RecipientResult(**{k: v for k, v in r.items() if k in _RECIPIENT_FIELDS})
            for r in values.get("recipients", ())
        )
        for name in ("references", "addressed_to", "notes", "moved_to"):
            values[name] = tuple(values.get(name, ()))
        return cls(**values)


_RECIPIENT_FIELDS = frozenset(RecipientResult.__dataclass_fields__)
