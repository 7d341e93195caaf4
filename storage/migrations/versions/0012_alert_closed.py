"""Alerts the billing system ends: Stripe's own retry paid the balance, it was paid in Stripe, the
invoice was voided or written off.

- ``alerts.closed_reason`` / ``closed_at``: why and when the episode ended without a settlement in
  Slack (NULL while open or when settled in Slack).
- ``uq_alerts_open``: an open alert is now one neither settled nor closed, so the subscription's
  next past-due episode gets an alert of its own.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _open_index(where: sa.ColumnElement[bool]) -> None:
    op.create_index("uq_alerts_open", "alerts", ["subscription_id"], unique=True, sqlite_where=where,
                    postgresql_where=where)  # fmt: skip


def upgrade() -> None:
    op.add_column("alerts", sa.Column("closed_reason", sa.String(), nullable=True))
    op.add_column("alerts", sa.Column("closed_at", UTC_DATETIME, nullable=True))
    op.drop_index("uq_alerts_open", table_name="alerts")
    _open_index(sa.and_(sa.column("settled_attempt_id").is_(None), sa.column("closed_reason").is_(None)))


def downgrade() -> None:
    op.drop_index("uq_alerts_open", table_name="alerts")
    closed = "SELECT id FROM alerts WHERE closed_reason IS NOT NULL"  # the old schema cannot tell them open
    op.execute(sa.text(f"DELETE FROM reminders WHERE alert_id IN ({closed})"))
    op.execute(sa.text("DELETE FROM alerts WHERE closed_reason IS NOT NULL"))
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("closed_reason")
    _open_index(sa.column("settled_attempt_id").is_(None))
