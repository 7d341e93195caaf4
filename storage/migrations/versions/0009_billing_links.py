"""Stripe as the system of record: which customers settlebot serves, where the sync left off,
the webhook events already received, and what Stripe says of subscriptions and invoices.

- ``billing_links``: one row per linked customer (its account has the customer's id), how it was
  linked (command or metadata) and when its billing was last read whole.
- ``billing_sync``: one row, the cursor (the last Stripe event seen) and the last full sync.
- ``stripe_events``: each webhook event id once (Stripe delivers at least once), and when handled.
- ``subscriptions.billing_status``: Stripe's status (active, past_due, unpaid, canceled, paused...).
- ``invoices.attempt_count`` / ``next_payment_attempt``: Stripe's automatic payment attempts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "billing_links", sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("via", sa.String(), nullable=False), sa.Column("linked_at", UTC_DATETIME, nullable=False),
        sa.Column("synced_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_billing_links_account_id_accounts"),
        sa.PrimaryKeyConstraint("account_id", name="pk_billing_links"),
    )  # fmt: skip
    op.create_table(
        "billing_sync", sa.Column("id", sa.String(), nullable=False), sa.Column("cursor", sa.String(), nullable=True),
        sa.Column("synced_at", UTC_DATETIME, nullable=False), sa.Column("full_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_billing_sync"),
    )  # fmt: skip
    op.create_table(
        "stripe_events", sa.Column("id", sa.String(), nullable=False), sa.Column("type", sa.String(), nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False), sa.Column("handled_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stripe_events"),
    )  # fmt: skip
    op.create_index("ix_stripe_events_received_at", "stripe_events", ["received_at"])
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("billing_status", sa.String(), nullable=True))
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("attempt_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_payment_attempt", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("next_payment_attempt")
        batch.drop_column("attempt_count")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("billing_status")
    op.drop_index("ix_stripe_events_received_at", table_name="stripe_events")
    op.drop_table("stripe_events")
    op.drop_table("billing_sync")
    op.drop_table("billing_links")
