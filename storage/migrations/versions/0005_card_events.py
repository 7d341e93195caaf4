"""What someone did to a card in Slack: added it on the add-card page, or changed its expiry.

An import never reverts these (``domain.import_rules``). Cards added or changed before this
revision left no record that can tell them apart from imported ones, so none is back-filled;
paid invoices and the card a settlement made the subscription's are told apart from the
settlement attempts and payments already kept.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_events",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("card_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name="fk_card_events_card_id_cards"),
        sa.PrimaryKeyConstraint("id", name="pk_card_events"),
    )
    op.create_index("ix_card_events_card_id", "card_events", ["card_id"])


def downgrade() -> None:
    op.drop_index("ix_card_events_card_id", table_name="card_events")
    op.drop_table("card_events")
