"""invoices paid more than they owe: the attention queue's items for the money that is the
customer's, read without a scan of every invoice

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_OVERPAID = sa.text(
    "payment_state = 'paid' AND amount_paid > 0 AND amount_paid > amount_due - amount_credited"
)


def upgrade() -> None:
    op.create_index(
        "ix_invoices_overpaid",
        "invoices",
        ["id"],
        sqlite_where=_OVERPAID,
        postgresql_where=_OVERPAID,
    )


def downgrade() -> None:
    op.drop_index("ix_invoices_overpaid", table_name="invoices")
