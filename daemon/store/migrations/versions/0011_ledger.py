"""the ledger: inbound notices and address changes hash-chained; the address-change log and
the ledger append-only, enforced by the database

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:00:00

The rows written before this revision are chained here, address changes first, then inbound
messages, each in the order it was written. Triggers on both engines refuse an UPDATE or a
DELETE of ``address_changes`` and ``ledger_entries`` (and, on PostgreSQL, a TRUNCATE).
"""

import sqlalchemy as sa
from alembic import op

from daemon.domain.ledger import (
    ADDRESS_CHANGE,
    GENESIS,
    INBOUND,
    address_change_digest,
    inbound_digest,
    link_hash,
)
from daemon.domain.models import AddressChange, InboundMessage, UTCDateTime, utcnow

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

APPEND_ONLY = ("address_changes", "ledger_entries")


def upgrade() -> None:
    ledger = op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("chain_hash", sa.String(), nullable=False, unique=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "ref_id", name="uq_ledger_ref"),
    )
    bind = op.get_bind()
    rows = []
    seq, prev, now = 0, GENESIS, utcnow()
    changes = AddressChange.__table__  # type: ignore[attr-defined]
    inbound = InboundMessage.__table__  # type: ignore[attr-defined]
    for kind, table, model, digest in (
        (ADDRESS_CHANGE, changes, AddressChange, address_change_digest),
        (INBOUND, inbound, InboundMessage, inbound_digest),
    ):
        for row in bind.execute(sa.select(table).order_by(table.c.id)).mappings():
            seq += 1
            said = digest(model(**row))
            link = link_hash(prev, seq, kind, row["id"], said)
            rows.append(
                {
                    "seq": seq,
                    "kind": kind,
                    "ref_id": row["id"],
                    "digest": said,
                    "prev_hash": prev,
                    "chain_hash": link,
                    "at": now,
                }
            )
            prev = link
    if rows:
        op.bulk_insert(ledger, rows)
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION facturier_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION facturier_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION facturier_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
                )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS facturier_append_only()")
    else:
        for table in APPEND_ONLY:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    op.drop_table("ledger_entries")
