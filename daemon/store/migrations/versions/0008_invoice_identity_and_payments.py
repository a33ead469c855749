"""invoice identity (seller, number, document kind), credit notes, payments, disputes,
customers' channel, requests for a central invoice address

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 00:30:00

Columns are added in place (no table copy: SQLite's batch mode would drop the invoice search
triggers of 0007). Invoices already stored get their identity from their own columns; where
earlier imports let one identity in several times, the later ones are numbered 1, 2… in the
order they came, so the unique key holds and nothing already sent changes.
"""

import sqlalchemy as sa
from alembic import op

import sqlmodel

import daemon.domain.models
from daemon.domain.identity import invoice_identity

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_MONEY = sa.Numeric(18, 2)


def upgrade() -> None:
    for column in (
        sa.Column("seller_key", _TEXT(), nullable=False, server_default=""),
        sa.Column("document_kind", _TEXT(), nullable=False, server_default="invoice"),
        sa.Column("identity_seq", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("preceding_number", _TEXT(), nullable=True),
        sa.Column("payment_reference", _TEXT(), nullable=True),
        sa.Column("remittance_reference", _TEXT(), nullable=True),
        sa.Column("amount_paid", _MONEY, nullable=False, server_default="0"),
        sa.Column("amount_credited", _MONEY, nullable=False, server_default="0"),
        sa.Column("disputed_at", daemon.domain.models.UTCDateTime(), nullable=True),
        sa.Column("dispute_reason", _TEXT(), nullable=True),
    ):
        op.add_column("invoices", column)
    _identities()
    op.add_column(
        "customers", sa.Column("channel", _TEXT(), nullable=False, server_default="email")
    )
    op.add_column("customers", sa.Column("consent_on", sa.Date(), nullable=True))
    op.add_column("customers", sa.Column("consent_source", _TEXT(), nullable=True))
    op.create_index(
        "uq_invoice_identity",
        "invoices",
        ["seller_key", "number", "document_kind", "identity_seq"],
        unique=True,
    )
    op.create_index("ix_invoices_payment_reference", "invoices", ["payment_reference"])
    op.create_index("ix_invoices_remittance_reference", "invoices", ["remittance_reference"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("currency", _TEXT(), nullable=False),
        sa.Column("reference", _TEXT(), nullable=True),
        sa.Column("remittance", _TEXT(), nullable=True),
        sa.Column("payer_name", _TEXT(), nullable=True),
        sa.Column("payer_account", _TEXT(), nullable=True),
        sa.Column("source", _TEXT(), nullable=False),
        sa.Column("entry_key", _TEXT(), nullable=False, unique=True),
        sa.Column("status", _TEXT(), nullable=False, index=True),
        sa.Column("waiting_reason", _TEXT(), nullable=True),
        sa.Column("recorded_by", _TEXT(), nullable=False),
        sa.Column("recorded_at", daemon.domain.models.UTCDateTime(), nullable=False),
        sa.Column("reversed_by", _TEXT(), nullable=True),
        sa.Column("reversed_at", daemon.domain.models.UTCDateTime(), nullable=True),
        sa.Column("reversal_reason", _TEXT(), nullable=True),
    )
    op.create_table(
        "payment_allocations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("payment_id", sa.Integer(), sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("matched_by", _TEXT(), nullable=False),
    )
    op.create_index("ix_payment_allocations_payment_id", "payment_allocations", ["payment_id"])
    op.create_index("ix_payment_allocations_invoice_id", "payment_allocations", ["invoice_id"])
    op.create_table(
        "invoice_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("at", daemon.domain.models.UTCDateTime(), nullable=False),
        sa.Column("event", _TEXT(), nullable=False),
        sa.Column("by", _TEXT(), nullable=False),
        sa.Column("reason", _TEXT(), nullable=False),
        sa.Column(
            "related_invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=True
        ),
        sa.Column("payment_id", sa.Integer(), sa.ForeignKey("payments.id"), nullable=True),
    )
    op.create_index("ix_invoice_events_invoice_id", "invoice_events", ["invoice_id"])
    op.create_table(
        "address_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("campaign", _TEXT(), nullable=False),
        sa.Column("sent_to", _TEXT(), nullable=False),
        sa.Column("state", _TEXT(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("token", _TEXT(), nullable=False, unique=True),
        sa.Column("message_ids", _TEXT(), nullable=False),
        sa.Column("first_sent_at", daemon.domain.models.UTCDateTime(), nullable=True),
        sa.Column("last_sent_at", daemon.domain.models.UTCDateTime(), nullable=True),
        sa.Column(
            "reply_inbound_id",
            sa.Integer(),
            sa.ForeignKey("inbound_messages.id"),
            nullable=True,
        ),
        sa.Column("proposed_email", _TEXT(), nullable=True),
        sa.Column("asked_by", _TEXT(), nullable=True),
        sa.Column("decided_by", _TEXT(), nullable=True),
        sa.Column("decided_at", daemon.domain.models.UTCDateTime(), nullable=True),
        sa.Column("decision_reason", _TEXT(), nullable=True),
        sa.Column("last_error", _TEXT(), nullable=True),
    )
    op.create_index("ix_address_requests_customer_id", "address_requests", ["customer_id"])
    op.create_index("ix_address_requests_state", "address_requests", ["state"])
    # an invoice already marked paid by hand counts as paid in full
    op.execute("UPDATE invoices SET amount_paid = amount_due WHERE payment_state = 'paid'")


def _identities() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, seller_vat_id, seller_name, number, type_code FROM invoices ORDER BY id")
    ).all()
    seen: dict[tuple[str, str, str], int] = {}
    for invoice_id, vat_id, name, number, type_code in rows:
        key, _number, kind = invoice_identity(vat_id, name or "", number, type_code)
        identity = (key, number, kind)
        seq = seen.get(identity, -1) + 1
        seen[identity] = seq
        bind.execute(
            sa.text(
                "UPDATE invoices SET seller_key = :key, document_kind = :kind, "
                "identity_seq = :seq WHERE id = :id"
            ),
            {"key": key, "kind": kind, "seq": seq, "id": invoice_id},
        )


def downgrade() -> None:
    op.drop_table("address_requests")
    for column in ("consent_source", "consent_on", "channel"):
        op.drop_column("customers", column)
    op.drop_table("invoice_events")
    op.drop_table("payment_allocations")
    op.drop_table("payments")
    op.drop_index("ix_invoices_remittance_reference", "invoices")
    op.drop_index("ix_invoices_payment_reference", "invoices")
    op.drop_index("uq_invoice_identity", "invoices")
    for column in (
        "dispute_reason",
        "disputed_at",
        "amount_credited",
        "amount_paid",
        "remittance_reference",
        "payment_reference",
        "preceding_number",
        "corrects_id",
        "duplicate_of_id",
        "identity_seq",
        "document_kind",
        "seller_key",
    ):
        op.drop_column("invoices", column)
