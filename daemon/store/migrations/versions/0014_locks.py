"""named locks a transaction takes first, so that two instances doing one thing at once do
it one after the other: "customers", taken before a new buyer becomes a customer

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    locks = op.create_table("locks", sa.Column("name", sa.String(), primary_key=True))
    op.bulk_insert(locks, [{"name": "customers"}])


def downgrade() -> None:
    op.drop_table("locks")
