"""how each invoice says it is paid (BT-81, UNTDID 4461): an invoice the seller collects by
direct debit is not reminded

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("payment_means", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("payment_means")
