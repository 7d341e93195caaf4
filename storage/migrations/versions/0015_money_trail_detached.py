"""The money trail outlives a removed workspace: settlement attempts and payments keep their
account and subscription ids but no longer need those rows (``settlebot workspaces remove``
deletes an uninstalled workspace's billing data and keeps every attempt and payment), as
``card_id`` never needed its card.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DETACHED = {
    "settlement_attempts": [
        ("fk_settlement_attempts_subscription_id_subscriptions", "subscription_id", "subscriptions"),
        ("fk_settlement_attempts_account_id_accounts", "account_id", "accounts"),
    ],
    "payments": [("fk_payments_subscription_id_subscriptions", "subscription_id", "subscriptions")],
}


def _pending_index(where: sa.ColumnElement[bool]) -> None:
    op.create_index("uq_settlement_attempts_pending", "settlement_attempts", ["subscription_id"], unique=True,
                    sqlite_where=where, postgresql_where=where)  # fmt: skip


def upgrade() -> None:
    op.drop_index("uq_settlement_attempts_pending", table_name="settlement_attempts")  # rebuilt below, as it was
    for table, keys in DETACHED.items():
        with op.batch_alter_table(table) as batch:
            for name, _column, _referred in keys:
                batch.drop_constraint(name, type_="foreignkey")
    _pending_index(sa.column("outcome") == "pending")


def downgrade() -> None:
    op.drop_index("uq_settlement_attempts_pending", table_name="settlement_attempts")
    for table, keys in DETACHED.items():
        with op.batch_alter_table(table) as batch:
            for name, column, referred in keys:
                batch.create_foreign_key(name, referred, [column], ["id"])
    _pending_index(sa.column("outcome") == "pending")
