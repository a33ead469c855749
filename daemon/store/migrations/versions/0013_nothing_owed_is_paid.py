"""an invoice that owes nothing at import (paid in advance, BT-113, or a balance in the
customer's favour) is paid, not unpaid: it was recorded unpaid, reminded of nothing but
counted late and listed as owing

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:00:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE invoices SET payment_state = 'paid' "
        "WHERE payment_state <> 'paid' AND amount_due - amount_paid - amount_credited <= 0"
    )


def downgrade() -> None:
    """Nothing to undo: the states it set are what the code before it would compute for
    these invoices on their next payment."""
