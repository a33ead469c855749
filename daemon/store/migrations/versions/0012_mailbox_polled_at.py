"""when each bounce mailbox was last read to its end, for health and monitoring

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op

from daemon.domain.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mailbox_cursors") as batch:
        batch.add_column(sa.Column("polled_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mailbox_cursors") as batch:
        batch.drop_column("polled_at")
