"""Settlements paid invoice by invoice (Stripe): what a partial outcome paid, and where the
cardholder finishes a payment the bank wants confirmed (3-D Secure).

- ``settlement_attempts.paid_invoice_ids``: the invoices a partial outcome paid (NULL otherwise:
  a succeeded attempt paid all of ``invoice_ids``, any other outcome none).
- ``settlement_attempts.action_url``: the invoice's hosted page for an outcome that requires the
  cardholder's action (no card data: Stripe's page for paying that invoice).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("settlement_attempts") as batch:
        batch.add_column(sa.Column("paid_invoice_ids", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True))
        batch.add_column(sa.Column("action_url", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("settlement_attempts") as batch:
        batch.drop_column("action_url")
        batch.drop_column("paid_invoice_ids")
