"""Add-card page limits: tokenizations per person, and expired links found by their expiry.

- ``card_tokenizations``: one row per card number handed to the processor's tokenizer, by
  whom and when, so that a person's tokenizations over the last hour can be counted over all
  their links (a link alone allows a few attempts; a person may open many links). Rows older
  than an hour are purged with expired links.
- ``ix_card_links_expires_at``: the purge of expired links reads them by expiry.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_tokenizations", sa.Column("id", sa.String(), nullable=False),
        sa.Column("slack_user_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_card_tokenizations"),
    )  # fmt: skip
    op.create_index(
        "ix_card_tokenizations_slack_user_id_created_at", "card_tokenizations", ["slack_user_id", "created_at"]
    )
    op.create_index("ix_card_tokenizations_created_at", "card_tokenizations", ["created_at"])
    op.create_index("ix_card_links_expires_at", "card_links", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_card_links_expires_at", table_name="card_links")
    op.drop_table("card_tokenizations")
