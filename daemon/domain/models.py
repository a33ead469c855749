"""The domain model, stored with SQLModel (payments and address requests: ``payment_models``;
the time column: ``columns``).

Money is kept as ``Decimal`` (NUMERIC), never float. Times are UTC. Address changes and
delivery events are append-only: rows are inserted, never updated or deleted.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Numeric, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from daemon.domain.columns import UTCDateTime, stamp, utcnow
from daemon.domain.identity import DocumentKind
from daemon.domain.payment_models import (
    AddressRequest,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    RequestState,
)
from daemon.domain.states import DeliveryState, InvoiceState


class AddressRole(enum.StrEnum):
    INVOICE_TO = "invoice_to"
    COPY = "copy"


class DeliveryKind(enum.StrEnum):
    INVOICE = "invoice"
    COPY = "copy"
    REMINDER = "reminder"


class Channel(enum.StrEnum):
    EMAIL = "email"  # e-invoices by email
    PAPER = "paper"


class PaymentState(enum.StrEnum):
    UNPAID = "unpaid"
    PARTIAL = "partial"  # paid in part: the balance is still owed
    PAID = "paid"


OWED = (PaymentState.UNPAID.value, PaymentState.PARTIAL.value)
"""Payment states of an invoice that is still owed (reminded, listed as open)."""
UNDATED_OWED = "due_date IS NULL AND payment_state IN ({})".format(
    ", ".join(f"'{state}'" for state in OWED)
)
"""Owed invoices that state no due date, as SQL with its values written out: a query that
says it in these words can use the partial index ``ix_invoices_undated_owed`` (a bound
parameter would not prove the index's condition, on SQLite or on PostgreSQL)."""
OVERPAID = (
    "payment_state = 'paid' AND amount_paid > 0 AND amount_paid > amount_due - amount_credited"
)
"""Invoices paid more than they owe (paid twice, or a credit note after the payment): the
difference is the customer's, to pay back or keep as its credit. As SQL with its values
written out, for the partial index ``ix_invoices_overpaid`` (SQLite proves that index's
condition from a query's only for this form, not ``paid + credited > due``); SQLite counts
its amounts as floating point, so a reader keeps the rows whose exact balance
(``still_owed``) is below zero."""


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    vat_id: str | None = Field(default=None, index=True)
    identifier: str | None = Field(default=None, index=True)
    """The buyer identifier the seller uses (EN 16931 BT-46), when known."""
    electronic_address: str | None = None
    language: str = "fr"
    created_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    channel: str = Field(default=Channel.EMAIL)
    """How the customer receives invoices: e-invoices by email, or paper."""
    consent_on: date | None = None
    """When the customer agreed to receive e-invoices, where it has (and where it was
    recorded: ``consent_source``)."""
    consent_source: str | None = None


class CustomerAddress(SQLModel, table=True):
    __tablename__ = "customer_addresses"
    __table_args__ = (UniqueConstraint("customer_id", "email", "role", name="uq_address_role"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    email: str = Field(index=True)
    display_name: str | None = None
    role: str = Field(default=AddressRole.INVOICE_TO)
    central_mailbox: bool = False
    undeliverable: bool = False
    undeliverable_reason: str | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))


class AddressChange(SQLModel, table=True):
    """Append-only log of every change to a customer's invoice addresses."""

    __tablename__ = "address_changes"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    address_id: int | None = Field(default=None, foreign_key="customer_addresses.id")
    field: str
    """What changed: ``email``, ``role``, ``undeliverable``, ``active``…"""
    old_value: str | None = None
    new_value: str | None = None
    changed_by: str
    changed_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    reason: str = ""
    source: str
    """``cli``, ``csv:<file>``, ``tui``, ``bounce:<inbound id>``…"""


class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint(
            "seller_key", "number", "document_kind", "identity_seq", name="uq_invoice_identity"
        ),
        Index(
            "ix_invoices_undated_owed",
            "issue_date",
            "id",
            sqlite_where=text(UNDATED_OWED),
            postgresql_where=text(UNDATED_OWED),
        ),
        Index(
            "ix_invoices_overpaid",
            "id",
            sqlite_where=text(OVERPAID),
            postgresql_where=text(OVERPAID),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(index=True)
    customer_id: int | None = Field(default=None, foreign_key="customers.id", index=True)
    type_code: str = "380"
    issue_date: date
    due_date: date | None = None
    currency: str = "EUR"
    total_without_tax: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 2)))
    tax_total: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 2)))
    total_with_tax: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    amount_due: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    seller_name: str
    seller_vat_id: str | None = None
    buyer_name: str
    buyer_vat_id: str | None = None
    buyer_identifier: str | None = None
    buyer_electronic_address: str | None = None
    format: str
    """``factur-x`` (PDF with CII), ``zugferd-1`` (PDF), ``cii`` or ``ubl`` (XML)."""
    profile: str | None = None
    file_name: str
    file_sha256: str = Field(unique=True, index=True)
    file_size: int
    stored_path: str
    state: str = Field(default=InvoiceState.QUEUED, index=True)
    payment_state: str = Field(default=PaymentState.UNPAID)
    imported_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    seller_key: str = ""
    """The seller as one key (``daemon.domain.identity.seller_key``): with the number and the
    document kind, the invoice's identity."""
    document_kind: str = Field(default=DocumentKind.INVOICE)
    identity_seq: int = 0
    """0 for the first file of an identity, 1, 2… for later ones (held as possible duplicates,
    or kept as distinct documents by a person): the unique key makes two imports of one
    identity at once meet, never both go out."""
    duplicate_of_id: int | None = Field(default=None, foreign_key="invoices.id")
    """For a later file of an identity: the earlier invoice it was held against."""
    corrects_id: int | None = Field(default=None, foreign_key="invoices.id")
    """For a credit note: the invoice it corrects (BT-25), when that invoice is known."""
    preceding_number: str | None = None
    """The preceding invoice reference (BT-25) as the file gives it."""
    payment_reference: str | None = Field(default=None, index=True)
    """The structured creditor reference (ISO 11649 RF or Belgian +++…+++) the invoice email
    asks the customer to quote, when enabled."""
    remittance_reference: str | None = Field(default=None, index=True)
    """The payment reference the file itself gives (BT-83 remittance information)."""
    payment_means: str | None = None
    """How the invoice says it is paid (BT-81, UNTDID 4461: 30 a credit transfer, 58 a SEPA
    one, 59 a SEPA direct debit the seller collects…)."""
    compliance: str | None = None
    """What the compliance gate found, as JSON (``daemon.domain.compliance``)."""
    checked_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    """When the gate last passed it: at import, then again before it is sent."""
    readable_sha256: str | None = None
    """For an invoice that arrived as CII XML: the Factur-X PDF made from it (in the invoice
    store), which is what its messages carry."""
    readable_name: str | None = None
    amount_paid: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(18, 2), nullable=False, server_default="0")
    )
    """Sum of the payments applied to it (reversals taken off)."""
    amount_credited: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(18, 2), nullable=False, server_default="0")
    )
    """Sum of the credit notes that correct it."""
    disputed_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    """Set while the customer disputes the invoice: no reminder goes out until it is closed."""
    dispute_reason: str | None = None


class Delivery(SQLModel, table=True):
    """One message to one recipient for one invoice (or reminder), one attempt series."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "state", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    address_id: int | None = Field(default=None, foreign_key="customer_addresses.id")
    recipient: str = Field(index=True)
    kind: str = Field(default=DeliveryKind.INVOICE)
    reminder_level: int = 0
    message_id: str = Field(unique=True)
    token: str = Field(unique=True, index=True)
    """Opaque per-delivery token: the DSN ENVID and the X-Facturier-Delivery header."""
    state: str = Field(default=DeliveryState.QUEUED)
    attempts: int = 0
    lease_owner: str | None = None
    lease_expires_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    next_attempt_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    last_code: int | None = None
    last_status: str | None = None
    last_text: str | None = None
    possible_duplicate: bool = False
    handoff_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    """Set, committed, just before the bytes go to the relay; cleared with the outcome. A
    delivery found interrupted with it set may have reached the customer."""
    archive_entry_id: int | None = Field(default=None, foreign_key="archive_entries.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))


class DeliveryEvent(SQLModel, table=True):
    """Append-only: one row per state transition or observation of a delivery."""

    __tablename__ = "delivery_events"
    __table_args__ = (Index("ix_delivery_events_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="deliveries.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    event: str
    """``queued``, ``sending``, ``accepted``, ``deferred``, ``failed``, ``bounced``,
    ``delivered``, ``autoreply``, ``read``, ``complaint``, ``reply``…"""
    state_from: str | None = None
    state_to: str | None = None
    smtp_code: int | None = None
    status: str | None = None
    text: str | None = None
    inbound_message_id: int | None = Field(default=None, foreign_key="inbound_messages.id")


class InboundMessage(SQLModel, table=True):
    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_inbound_uid"),)
    id: int | None = Field(default=None, primary_key=True)
    mailbox: str
    uidvalidity: int
    uid: int
    message_id: str | None = None
    subject: str | None = None
    from_address: str | None = None
    raw_sha256: str = Field(index=True)
    size: int
    received_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    kind: str
    classification: str
    """The full classification as JSON."""
    delivery_id: int | None = Field(default=None, foreign_key="deliveries.id", index=True)
    evidence: str | None = None
    """How the message was tied to its delivery: ``message-id``, ``envid``, ``verp``…"""
    disposition: str
    """Folder the message was moved to: processed, unrecognized, quarantine."""
    customer_message: str | None = None
    """For a human reply: the text the customer wrote, shown to the operator."""
    notice_key: str | None = Field(default=None, index=True)
    """For a report applied to a delivery: a digest of what it says (see ``tying``), so the
    same notice is applied once however its headers were changed."""


class MailboxCursor(SQLModel, table=True):
    """How far a bounce mailbox has been read (per mailbox and UIDVALIDITY)."""

    __tablename__ = "mailbox_cursors"
    mailbox: str = Field(primary_key=True)
    uidvalidity: int
    last_uid: int = 0
    polled_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    """When the mailbox was last read to its end (a poll that was not cut off)."""


class ArchiveEntry(SQLModel, table=True):
    """One archived message, linked into a hash chain: ``chain_hash`` covers the previous
    entry's ``chain_hash`` and this entry's position, content hash, size and Message-ID."""

    __tablename__ = "archive_entries"
    id: int | None = Field(default=None, primary_key=True)
    seq: int | None = Field(default=None, unique=True)
    prev_chain_hash: str | None = None
    chain_hash: str | None = Field(default=None, unique=True)
    sha256: str = Field(unique=True, index=True)
    size: int
    path: str
    message_id: str = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    sent_folder_appended: bool = False


class LedgerEntry(SQLModel, table=True):
    """One link of the ledger: the hash chain of inbound notices and address changes (see
    ``daemon.domain.ledger``); append-only, enforced by the database's triggers."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("kind", "ref_id", name="uq_ledger_ref"),)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str
    """``inbound`` or ``address-change``."""
    ref_id: int
    digest: str
    """What the row said when it was chained (``daemon.domain.ledger``)."""
    prev_hash: str
    chain_hash: str = Field(unique=True)
    at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))


class ReminderRun(SQLModel, table=True):
    """One row per (invoice, level): a reminder level is sent once."""

    __tablename__ = "reminder_runs"
    __table_args__ = (UniqueConstraint("invoice_id", "level", name="uq_reminder_level"),)
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id")
    level: int
    delivery_id: int | None = Field(default=None, foreign_key="deliveries.id")
    superseded: bool = False
    """Reached together with a higher level: recorded, not sent."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))


class JobRun(SQLModel, table=True):
    """A scheduled job's run for one slot; the unique key makes it run once across instances."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_job_slot"),)
    id: int | None = Field(default=None, primary_key=True)
    job: str
    slot: str
    instance: str
    started_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))


class AttentionResolution(SQLModel, table=True):
    """A person dealt with an item of the attention queue: who, when, how. Append-only."""

    __tablename__ = "attention_resolutions"
    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_attention_item"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    ref: int
    """The id of the row the item is about (an invoice, a delivery, an address or an
    inbound message, by kind)."""
    resolved_by: str
    resolved_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    how: str


class InvoiceEvent(SQLModel, table=True):
    """Append-only: what a person or an import decided about an invoice, as a whole (a
    duplicate held, replaced, kept or discarded; a credit note linked; a payment applied or
    reversed): who, when, why."""

    __tablename__ = "invoice_events"
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    event: str
    by: str
    reason: str = ""
    related_invoice_id: int | None = Field(default=None, foreign_key="invoices.id")
    payment_id: int | None = Field(default=None, foreign_key="payments.id")


class Lock(SQLModel, table=True):
    """A named lock (``daemon.store.rows.take_lock``): one row each, made by the migrations."""

    __tablename__ = "locks"
    name: str = Field(primary_key=True)


__all__ = [
    "OWED",
    "AddressChange",
    "AddressRequest",
    "AddressRole",
    "ArchiveEntry",
    "AttentionResolution",
    "Channel",
    "Customer",
    "CustomerAddress",
    "Delivery",
    "DeliveryEvent",
    "DeliveryKind",
    "InboundMessage",
    "Invoice",
    "InvoiceEvent",
    "JobRun",
    "LedgerEntry",
    "Lock",
    "MailboxCursor",
    "Payment",
    "PaymentAllocation",
    "PaymentState",
    "PaymentStatus",
    "ReminderRun",
    "RequestState",
    "UTCDateTime",
    "utcnow",
]
