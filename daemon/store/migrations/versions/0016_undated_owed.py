"""owed invoices that state no due date, newest issued first: the attention queue's items
for those reminders skip, read without a scan of every invoice

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 17:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_UNDATED_OWED = sa.text("due_date IS NULL AND payment_state IN ('unpaid', 'partial')")


def upgrade() -> None:
    op.create_index(
        "ix_invoices_undated_owed",
        "invoices",
        ["issue_date", "id"],
        sqlite_where=_UNDATED_OWED,
        postgresql_where=_UNDATED_OWED,
    )


def downgrade() -> None:
    op.drop_index("ix_invoices_undated_owed", table_name="invoices")
