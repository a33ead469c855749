"""What makes two files the same invoice: seller, number and document kind (invoice or credit
note), and what differs between two files of one identity.

Pure. An invoice number is unique per seller and per document kind (EN 16931 BT-1: "a unique
identification of the invoice"; credit notes are numbered in a sequence of their own by many
sellers), so a second file with the identity of one already imported is the same invoice
again, re-exported, corrected or sent by mistake, until a person says otherwise.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from daemon.domain.formatting import clipped, day, money
from daemon.domain.i18n import N_


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


CREDIT_NOTE_TYPE_CODES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)
"""UNTDID 1001 document type codes that the EN 16931 code list for BT-3 (Invoice type code)
names as credit notes; the UBL CreditNote document of PEPPOL BIS Billing 3.0 takes the same
list. Every other code (380 commercial invoice, 384 corrected invoice, 389 self-billed…) is an
invoice."""


def document_kind(type_code: str | None) -> DocumentKind:
    """Invoice or credit note, from the document type code (BT-3)."""
    code = (type_code or "").strip()
    return DocumentKind.CREDIT_NOTE if code in CREDIT_NOTE_TYPE_CODES else DocumentKind.INVOICE


def seller_key(vat_id: str | None, name: str) -> str:
    """The seller as one key: its VAT identifier (BT-31) without spaces or punctuation when
    the file gives one, else its name (BT-27) case-folded with spaces collapsed."""
    if vat_id:
        compact = "".join(ch for ch in vat_id.upper() if ch.isalnum())
        if compact:
            return f"vat:{compact}"
    return "name:" + " ".join(name.casefold().split())


def invoice_identity(
    vat_id: str | None, name: str, number: str, type_code: str | None
) -> tuple[str, str, str]:
    """(seller key, number, document kind): the identity two files of one invoice share."""
    return seller_key(vat_id, name), " ".join(number.split()), document_kind(type_code).value


COMPARED: tuple[tuple[str, str], ...] = (
    ("number", N_("number")),
    ("type_code", N_("document type")),
    ("issue_date", N_("issue date")),
    ("due_date", N_("due date")),
    ("currency", N_("currency")),
    ("total_without_tax", N_("total without VAT")),
    ("tax_total", N_("VAT")),
    ("total_with_tax", N_("total with VAT")),
    ("amount_due", N_("amount due")),
    ("seller_name", N_("seller")),
    ("seller_vat_id", N_("seller VAT id")),
    ("buyer_name", N_("buyer")),
    ("buyer_vat_id", N_("buyer VAT id")),
    ("buyer_identifier", N_("buyer identifier")),
    ("format", N_("format")),
    ("profile", N_("profile")),
    ("file_name", N_("file")),
    ("file_sha256", N_("content (SHA-256)")),
)
"""The fields shown side by side for a possible duplicate, with what the operator reads."""


@dataclass(frozen=True)
class ComparedField:
    field: str
    label: str
    earlier: str
    later: str

    @property
    def differs(self) -> bool:
        return self.earlier != self.later


def compare(earlier: Mapping[str, Any], later: Mapping[str, Any]) -> list[ComparedField]:
    """Each compared field of two files of one identity, as text, in :data:`COMPARED`'s
    order; ``differs`` says where they part."""
    return [
        ComparedField(field, label, _shown(earlier.get(field)), _shown(later.get(field)))
        for field, label in COMPARED
    ]


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


_MONEY = frozenset({"total_without_tax", "tax_total", "total_with_tax", "amount_due"})
_DAYS = frozenset({"issue_date", "due_date"})


def shown_value(field: str, value: str, currency: str, language: str) -> str:
    """A compared value as the operator reads it (the TUI and the CLI): amounts and dates in
    their language, a digest shortened."""
    if not value:
        return ""
    try:
        if field in _MONEY:
            return money(Decimal(value), currency or "EUR", language)
        if field in _DAYS:
            return day(date.fromisoformat(value), language)
    except (ArithmeticError, ValueError):
        return value
    if field == "file_sha256":
        return clipped(value, 17)
    return value
