"""what the compliance gate found on each invoice; the readable copy of an XML invoice

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 04:00:00

The rule sets run, the findings (rule, severity, message, location), the downgrades applied
with their reasons, and when the gate last ran (at import, and again before sending), as
JSON: read with the invoice, never searched. An invoice that arrives as CII XML is sent as
a Factur-X PDF made from it: that file's digest (in the invoice store) and name.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("compliance", sa.Text(), nullable=True))
        batch.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("readable_sha256", sa.String(), nullable=True))
        batch.add_column(sa.Column("readable_name", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("readable_name")
        batch.drop_column("readable_sha256")
        batch.drop_column("checked_at")
        batch.drop_column("compliance")
