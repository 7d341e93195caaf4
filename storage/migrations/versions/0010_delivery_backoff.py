"""Failed deliveries set an alert or reminder aside: how many failed in a row, and until when.

The deliverer's batch takes what was never set aside first, then what is due again (its
``retry_at`` passed), so alerts that fail for good never fill a batch and hold up the others.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("alerts", "reminders")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
        op.add_column(table, sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "retry_at")
        op.drop_column(table, "failures")
