"""indexes: delivery events by time (the relay's quota windows count recent SMTP outcomes),
inbound messages by content (a message seen before a UIDVALIDITY change is known by its bytes)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 03:00:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_delivery_events_at", "delivery_events", ["at"])
    op.create_index("ix_inbound_messages_raw_sha256", "inbound_messages", ["raw_sha256"])


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_raw_sha256", table_name="inbound_messages")
    op.drop_index("ix_delivery_events_at", table_name="delivery_events")
