"""a notice's identity by its content, so a replay with its headers changed is applied once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 08:00:00

``notice_key`` is a digest of what a delivery report, bounce or complaint says (its kind,
reporting MTA, arrival date, envelope id, the original's Message-ID, and each recipient's
address, action, status and diagnostic) and of the delivery it was tied to; the bounce
reader looks it up before applying a notice.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("notice_key", sa.String(), nullable=True))
    op.create_index("ix_inbound_messages_notice_key", "inbound_messages", ["notice_key"])


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_notice_key", table_name="inbound_messages")
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_column("notice_key")
