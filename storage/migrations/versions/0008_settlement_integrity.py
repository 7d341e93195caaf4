"""Settlement integrity: one payment per attempt, what each attempt was made for, and the
installation's own id for idempotency keys.

- ``payments.attempt_id`` becomes unique: a late Save and a reconciliation cannot both record
  one charge (refused here, with the attempt ids, if a database already holds such a pair).
- ``settlement_attempts.invoice_amounts``: the amount (minor units) of each invoice, in the
  order of ``invoice_ids``, when the attempt was made (NULL for attempts made before this).
- ``installation``: one row, a random id made when the schema is created, so that two
  deployments sharing one processor account never send the same idempotency key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _refuse_doubled_payments()
    op.drop_index("ix_payments_attempt_id", table_name="payments")
    op.create_index("ix_payments_attempt_id", "payments", ["attempt_id"], unique=True)
    with op.batch_alter_table("settlement_attempts") as batch:
        batch.add_column(sa.Column("invoice_amounts", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True))
    installation = op.create_table(
        "installation",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_installation"),
    )
    now = dt.datetime.now(dt.UTC)
    created = now.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else now  # as UTCDateTime stores it
    op.bulk_insert(installation, [{"id": uuid.uuid4().hex, "created_at": created}])


def _refuse_doubled_payments() -> None:
    payments = sa.table("payments", sa.column("attempt_id"))
    doubled = op.get_bind().execute(
        sa.select(payments.c.attempt_id).group_by(payments.c.attempt_id).having(sa.func.count() > 1).limit(10)
    ).scalars().all()
    if doubled:
        raise RuntimeError(f"payments recorded twice for attempts {sorted(doubled)}: resolve them before upgrading")


def downgrade() -> None:
    op.drop_table("installation")
    with op.batch_alter_table("settlement_attempts") as batch:
        batch.drop_column("invoice_amounts")
    op.drop_index("ix_payments_attempt_id", table_name="payments")
    op.create_index("ix_payments_attempt_id", "payments", ["attempt_id"])
