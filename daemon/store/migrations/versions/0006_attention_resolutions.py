"""attention_resolutions: who dealt with an item of the attention queue, when and how

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 20:10:00
"""

import sqlalchemy as sa
from alembic import op

import sqlmodel

import daemon.domain.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attention_resolutions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("resolved_at", daemon.domain.models.UTCDateTime(), nullable=False),
        sa.Column("how", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.UniqueConstraint("kind", "ref", name="uq_attention_item"),
    )


def downgrade() -> None:
    op.drop_table("attention_resolutions")
