"""Initial schema: billing data, settlement audit, alerts outbox, sandbox ledger, card links.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
JSON_LIST = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BYTE_TEXT = sa.String().with_variant(sa.String(collation="C"), "postgresql")


def _id(name: str = "id") -> sa.Column[str]:
    return sa.Column(name, sa.String(), nullable=False)


def _text(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(), nullable=nullable)


def _money() -> list[sa.Column[int] | sa.Column[str]]:
    return [
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    ]


def _partial_index(
    name: str, table: str, columns: list[str], where: sa.ColumnElement[bool], unique: bool = False
) -> None:
    op.create_index(name, table, columns, unique=unique, sqlite_where=where, postgresql_where=where)


def _billing() -> None:
    op.create_table(
        "accounts", _id(), _text("name"),
        sa.Column("currency", sa.String(3), nullable=False),
        _text("channel", nullable=True), _text("locale"),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
    )  # fmt: skip
    op.create_table(
        "admins", _id("account_id"), _id("slack_user_id"), _text("role"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_admins_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("account_id", "slack_user_id", name="pk_admins"),
    )  # fmt: skip
    op.create_index("ix_admins_slack_user_id", "admins", ["slack_user_id"])
    op.create_table(
        "cards", _id(), _id("account_id"), _text("brand"),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        _text("owner_slack_user_id"), _text("token"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_cards_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_cards"),
    )  # fmt: skip
    op.create_index("ix_cards_account_id", "cards", ["account_id"])
    op.create_table(
        "subscriptions", _id(), _id("account_id"), _text("product"),
        _text("payment_method_id", nullable=True), _text("status"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_subscriptions_account_id_accounts"
        ),
        sa.ForeignKeyConstraint(
            ["payment_method_id"], ["cards.id"], name="fk_subscriptions_payment_method_id_cards"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
    )  # fmt: skip
    op.create_index("ix_subscriptions_account_id", "subscriptions", ["account_id"])
    op.create_table(
        "invoices", _id(), _id("subscription_id"), *_money(),
        sa.Column("due_date", sa.Date(), nullable=False), _text("status"),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"],
            name="fk_invoices_subscription_id_subscriptions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
    )  # fmt: skip
    op.create_index("ix_invoices_subscription_id", "invoices", ["subscription_id"])
    _partial_index(
        "ix_invoices_open_due", "invoices", ["due_date", "subscription_id", "id"],
        sa.column("status") == "open",
    )  # fmt: skip


def _settlements() -> None:
    op.create_table(
        "settlement_attempts", _id(), _id("subscription_id"), _id("account_id"),
        _id("card_id"), _text("actor"), *_money(),
        sa.Column("invoice_ids", JSON_LIST, nullable=False),
        sa.Column("idempotency_key", BYTE_TEXT, nullable=False), _text("outcome"),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("completed_at", UTC_DATETIME, nullable=True),
        _text("gateway_reference", nullable=True), _text("decline_code", nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"],
            name="fk_settlement_attempts_subscription_id_subscriptions",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_settlement_attempts_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_settlement_attempts"),
        sa.UniqueConstraint("idempotency_key", name="uq_settlement_attempts_idempotency_key"),
    )  # fmt: skip
    op.create_index("ix_settlement_attempts_subscription_id", "settlement_attempts", ["subscription_id"])
    _partial_index(
        "uq_settlement_attempts_pending", "settlement_attempts", ["subscription_id"],
        sa.column("outcome") == "pending", unique=True,
    )  # fmt: skip
    op.create_table(
        "payments", _id(), _id("subscription_id"), _id("attempt_id"), _id("card_id"),
        _text("actor"), *_money(), sa.Column("paid_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"],
            name="fk_payments_subscription_id_subscriptions",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["settlement_attempts.id"],
            name="fk_payments_attempt_id_settlement_attempts",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
    )  # fmt: skip
    op.create_index("ix_payments_attempt_id", "payments", ["attempt_id"])
    op.create_index("ix_payments_subscription_paid", "payments", ["subscription_id", "paid_at"])


def _alerts() -> None:
    op.create_table(
        "alerts", _id(), _id("subscription_id"), _text("episode"), _text("channel"),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("delivered_version", sa.Integer(), nullable=False),
        _text("ts", nullable=True), _text("settled_attempt_id", nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"],
            name="fk_alerts_subscription_id_subscriptions",
        ),
        sa.ForeignKeyConstraint(
            ["settled_attempt_id"], ["settlement_attempts.id"],
            name="fk_alerts_settled_attempt_id_settlement_attempts",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
    )  # fmt: skip
    op.create_index("ix_alerts_settled_attempt_id", "alerts", ["settled_attempt_id"])
    _partial_index(
        "uq_alerts_open", "alerts", ["subscription_id"],
        sa.column("settled_attempt_id").is_(None), unique=True,
    )  # fmt: skip
    _partial_index(
        "ix_alerts_undelivered", "alerts", ["created_at", "id"],
        sa.or_(sa.column("ts").is_(None), sa.column("delivered_version") < sa.column("version")),
    )  # fmt: skip
    op.create_table(
        "reminders", _id(), _id("alert_id"),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False), _text("ts", nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name="fk_reminders_alert_id_alerts"),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint("alert_id", "stage", name="uq_reminders_alert_id_stage"),
    )  # fmt: skip
    _partial_index("ix_reminders_undelivered", "reminders", ["created_at", "id"], sa.column("ts").is_(None))


def _side_tables() -> None:
    op.create_table(
        "sandbox_charges", _id(), _text("idempotency_key"), _text("token"), *_money(),
        _text("status"), _text("decline_code", nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sandbox_charges"),
        sa.UniqueConstraint("idempotency_key", name="uq_sandbox_charges_idempotency_key"),
    )  # fmt: skip
    op.create_index("ix_sandbox_charges_created_at", "sandbox_charges", ["created_at"])
    op.create_table(
        "card_links", sa.Column("nonce", sa.String(), nullable=False), _id("account_id"),
        _text("slack_user_id"), _text("view_id", nullable=True),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("used_at", UTC_DATETIME, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_card_links_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("nonce", name="pk_card_links"),
    )  # fmt: skip


def upgrade() -> None:
    _billing()
    _settlements()
    _alerts()
    _side_tables()


def downgrade() -> None:
    for table in (
        "card_links", "sandbox_charges", "reminders", "alerts", "payments",
        "settlement_attempts", "invoices", "subscriptions", "cards", "admins", "accounts",
    ):  # fmt: skip
        op.drop_table(table)
