"""Tenancy: each account belongs to one Slack workspace or one Enterprise Grid org.

- ``accounts.team_id`` / ``enterprise_id``: the workspace (or org) whose requests see the
  account. Existing accounts keep both NULL: the single workspace of the one-token mode.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("team_id", sa.String(32), nullable=True))
    op.add_column("accounts", sa.Column("enterprise_id", sa.String(32), nullable=True))
    op.create_index("ix_accounts_team_id", "accounts", ["team_id"])
    op.create_index("ix_accounts_enterprise_id", "accounts", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index("ix_accounts_enterprise_id", table_name="accounts")
    op.drop_index("ix_accounts_team_id", table_name="accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("enterprise_id")
        batch.drop_column("team_id")
