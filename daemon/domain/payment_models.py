"""Payments received and their allocation to invoices; requests to customers for a central
invoice address (stored with SQLModel, beside ``models``)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric
from sqlmodel import Field, SQLModel

from daemon.domain.columns import stamp, utcnow


class PaymentStatus(enum.StrEnum):
    APPLIED = "applied"  # counted against the invoices it is allocated to
    WAITING = "waiting"  # matches nothing, or pays more than is owed: a person decides
    REVERSED = "reversed"  # taken back, with a reason; its allocations no longer count


class Payment(SQLModel, table=True):
    """One payment received: a bank statement's entry, a CSV row or one typed by hand."""

    __tablename__ = "payments"
    id: int | None = Field(default=None, primary_key=True)
    received_on: date
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = "EUR"
    reference: str | None = None
    """The structured reference quoted (RF…, +++…+++), or the bank's end-to-end id."""
    remittance: str | None = None
    """The free remittance text."""
    payer_name: str | None = None
    payer_account: str | None = None
    source: str
    """``camt.053:<file>``, ``camt.054:<file>``, ``csv:<file>``, ``cli``, ``tui``."""
    entry_key: str = Field(unique=True)
    """What makes the same entry imported twice the same row (the bank's own entry
    reference where it gives one, else a digest of the entry)."""
    status: str = Field(default=PaymentStatus.APPLIED, index=True)
    waiting_reason: str | None = None
    recorded_by: str
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=stamp(nullable=False))
    reversed_by: str | None = None
    reversed_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    reversal_reason: str | None = None


class PaymentAllocation(SQLModel, table=True):
    """Part (or all) of a payment counted against one invoice, and how it was matched."""

    __tablename__ = "payment_allocations"
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payments.id", index=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    matched_by: str
    """``reference RF…``, ``number in remittance``, ``amount and customer``, ``by hand``."""


class RequestState(enum.StrEnum):
    ASKED = "asked"  # sent; waiting for the customer's answer
    PROPOSED = "proposed"  # the answer names an address: a person confirms or rejects it
    ANSWERED = "answered"  # the answer names no address: a person reads it
    CONFIRMED = "confirmed"  # the proposed address became the invoice address
    REJECTED = "rejected"
    FAILED = "failed"  # could not be sent


class AddressRequest(SQLModel, table=True):
    """A request to a customer for a central invoice address (``facturier campaign
    central-address``): sent, asked again, answered, and what a person made of the answer."""

    __tablename__ = "address_requests"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    campaign: str = "central-address"
    sent_to: str
    state: str = Field(default=RequestState.ASKED, index=True)
    attempts: int = 0
    token: str = Field(unique=True)
    """Signed (HMAC): a reply that quotes it is this request's, and nothing else's."""
    message_ids: str = ""
    """The Message-IDs of every copy sent, space-separated (a reply's In-Reply-To)."""
    first_sent_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    last_sent_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    reply_inbound_id: int | None = Field(default=None, foreign_key="inbound_messages.id")
    proposed_email: str | None = None
    asked_by: str | None = None
    """Who ran the campaign that last asked (the scheduler names itself)."""
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_column=stamp(nullable=True))
    decision_reason: str | None = None
    last_error: str | None = None
