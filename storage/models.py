"""Typed ORM models of settlebot's tables.

The schema itself is created only by the Alembic migrations in ``storage/migrations``;
these models describe it for queries (and a test checks that the two agree).
Money is an integer of minor units plus an ISO currency. No column ever holds a full
card number or a CVC: a card is brand, last 4, expiry, owner and an opaque token.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime, byte_ordered_text, json_list

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        str: String(),
        dt.datetime: UTCDateTime(),
        dt.date: Date(),
    }


class AccountRow(Base):
    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    currency: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str | None]
    locale: Mapped[str] = mapped_column(default="en")
    # Its Slack workspace or Enterprise Grid org; both NULL: the one-token mode's (migration 0014).
    team_id: Mapped[str | None] = mapped_column(String(32), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), index=True)


class AdminRow(Base):
    __tablename__ = "admins"
    __table_args__ = (Index("ix_admins_slack_user_id", "slack_user_id"),)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(primary_key=True)
    role: Mapped[str]


class CardRow(Base):
    __tablename__ = "cards"
    id: Mapped[str] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    brand: Mapped[str]
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]
    owner_slack_user_id: Mapped[str]
    token: Mapped[str]


class CardEventRow(Base):
    """What someone did to a card in Slack (added it, changed its expiry): an import keeps it."""

    __tablename__ = "card_events"
    id: Mapped[str] = mapped_column(primary_key=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), index=True)
    kind: Mapped[str]
    actor: Mapped[str]
    day: Mapped[dt.date]


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    # Room on each page, so that the scan's status updates are HOT on PostgreSQL (migration 0003).
    __table_args__ = {"postgresql_with": {"fillfactor": 90}}  # noqa: RUF012
    id: Mapped[str] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    product: Mapped[str]
    payment_method_id: Mapped[str | None] = mapped_column(ForeignKey("cards.id"))
    status: Mapped[str]
    billing_status: Mapped[str | None]  # Stripe's own status (migration 0010)


class InvoiceRow(Base):
    __tablename__ = "invoices"
    id: Mapped[str] = mapped_column(primary_key=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[dt.date]
    status: Mapped[str]
    attempt_count: Mapped[int] = mapped_column(default=0, server_default="0")
    next_payment_attempt: Mapped[dt.datetime | None]


class SettlementAttemptRow(Base):
    __tablename__ = "settlement_attempts"
    id: Mapped[str] = mapped_column(primary_key=True)
    # No foreign keys to the subscription, account or card: the money trail outlives a removed
    # card and an uninstalled workspace's removed billing data (migration 0015).
    subscription_id: Mapped[str] = mapped_column(index=True)
    account_id: Mapped[str]
    card_id: Mapped[str]
    actor: Mapped[str]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    invoice_ids: Mapped[list[str]] = mapped_column(json_list())
    # Each invoice's amount in minor units when the attempt was made, in invoice_ids' order
    # (NULL: an attempt made before migration 0005).
    invoice_amounts: Mapped[list[int] | None] = mapped_column(json_list())
    idempotency_key: Mapped[str] = mapped_column(byte_ordered_text(), unique=True)
    outcome: Mapped[str]
    created_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]
    gateway_reference: Mapped[str | None]
    decline_code: Mapped[str | None]
    # The invoices a partial outcome paid (NULL: all of them when succeeded, none otherwise).
    paid_invoice_ids: Mapped[list[str] | None] = mapped_column(json_list())
    action_url: Mapped[str | None]  # the invoice's page where the cardholder finishes a 3-D Secure payment


class PaymentRow(Base):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_subscription_paid", "subscription_id", "paid_at"),)
    id: Mapped[str] = mapped_column(primary_key=True)
    subscription_id: Mapped[str]  # no foreign key, as the attempt's (migration 0015)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("settlement_attempts.id"), index=True, unique=True)
    card_id: Mapped[str]
    actor: Mapped[str]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[dt.datetime]


class InstallationRow(Base):
    """One row: this installation's id, made by ``db upgrade``, part of every idempotency key."""

    __tablename__ = "installation"
    id: Mapped[str] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime]


class AlertRow(Base):
    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(primary_key=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("subscriptions.id"))
    episode: Mapped[str]
    channel: Mapped[str]
    created_at: Mapped[dt.datetime]
    stage: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    delivered_version: Mapped[int] = mapped_column(default=0)
    ts: Mapped[str | None]
    settled_attempt_id: Mapped[str | None] = mapped_column(ForeignKey("settlement_attempts.id"))
    failures: Mapped[int] = mapped_column(default=0, server_default="0")  # failed deliveries in a row
    retry_at: Mapped[dt.datetime | None]  # set aside until then
    closed_reason: Mapped[str | None]
    closed_at: Mapped[dt.datetime | None]


class ReminderRow(Base):
    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("alert_id", "stage"),)
    id: Mapped[str] = mapped_column(primary_key=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"))
    stage: Mapped[int]
    created_at: Mapped[dt.datetime]
    ts: Mapped[str | None]
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    retry_at: Mapped[dt.datetime | None]


class AlertScanRow(Base):
    """One scan: when it ran, what it claimed, and how its claims become alerts (the channel for
    accounts without their own, the digest threshold). ``taken_at``: when the deliverer made its
    claims into alerts and reminders."""

    __tablename__ = "alert_scans"
    id: Mapped[str] = mapped_column(primary_key=True)  # the scan's id prefix
    at: Mapped[dt.datetime]
    default_channel: Mapped[str]
    digest_threshold: Mapped[int]
    alerts: Mapped[int]  # new-alert claims
    reminders: Mapped[int]  # reminder claims
    taken_at: Mapped[dt.datetime | None]


# What a scan found due and the deliverer has not yet taken: a new alert for a past-due
# subscription (``alert_id`` NULL), or a reminder of an open alert at a later stage. A queue
# written in bulk and read whole (by scan), so it has neither foreign keys nor any index, not
# even a primary key: a scan writes 100,000 claims in one cheap statement (an index on ``id``
# alone cost 0.2-0.4 s of it). ``id`` is the alert's or reminder's id to be, unique by
# construction (a scan's prefix, the kind, the subscription); the alerts' and reminders'
# primary keys check it when the claims are taken.
ALERT_CLAIMS = Table(
    "alert_claims", Base.metadata,
    Column("id", String(), nullable=False), Column("scan_id", String(), nullable=False),
    Column("subscription_id", String(), nullable=False), Column("episode", String(), nullable=False),
    Column("stage", Integer(), nullable=False), Column("alert_id", String(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)  # fmt: skip


class SandboxChargeRow(Base):
    """The sandbox gateway's own ledger (an external processor's records, kept locally)."""

    __tablename__ = "sandbox_charges"
    id: Mapped[str] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(unique=True)
    token: Mapped[str]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str]
    decline_code: Mapped[str | None]
    created_at: Mapped[dt.datetime] = mapped_column(index=True)


class CardLinkRow(Base):
    """A one-time link to the add-card page."""

    __tablename__ = "card_links"
    nonce: Mapped[str] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    slack_user_id: Mapped[str]
    view_id: Mapped[str | None]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    used_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CardTokenizationRow(Base):
    """A card number handed to the processor's tokenizer (counted per person per hour)."""

    __tablename__ = "card_tokenizations"
    __table_args__ = (Index(None, "slack_user_id", "created_at"),)
    id: Mapped[str] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str]
    created_at: Mapped[dt.datetime] = mapped_column(index=True)

class BillingLinkRow(Base):
    """A customer of the billing system (Stripe) that settlebot serves."""

    __tablename__ = "billing_links"
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    via: Mapped[str]
    linked_at: Mapped[dt.datetime]
    synced_at: Mapped[dt.datetime | None]


class BillingSyncRow(Base):
    """Where the sync left off: the last Stripe event seen (one row)."""

    __tablename__ = "billing_sync"
    id: Mapped[str] = mapped_column(primary_key=True)
    cursor: Mapped[str | None]
    synced_at: Mapped[dt.datetime]
    full_at: Mapped[dt.datetime | None]


class StripeEventRow(Base):
    """A webhook event received (each id once) and when it was handled."""

    __tablename__ = "stripe_events"
    id: Mapped[str] = mapped_column(primary_key=True)
    type: Mapped[str]
    received_at: Mapped[dt.datetime] = mapped_column(index=True)
    handled_at: Mapped[dt.datetime | None]


def _partial(name: str, *columns: Any, where: Any, unique: bool = False) -> Index:
    return Index(name, *columns, unique=unique, sqlite_where=where, postgresql_where=where)


# The scan's past-due query reads open invoices by due date; the index covers what it reads.
_partial(
    "ix_invoices_open_due", InvoiceRow.due_date, InvoiceRow.subscription_id, InvoiceRow.id,
    where=InvoiceRow.status == "open",
)  # fmt: skip
# At most one pending attempt per subscription: concurrent claims get one winner.
_partial(
    "uq_settlement_attempts_pending", SettlementAttemptRow.subscription_id,
    where=SettlementAttemptRow.outcome == "pending", unique=True,
)  # fmt: skip
# At most one open (neither settled nor closed by the billing system) alert per subscription.
_partial(
    "uq_alerts_open", AlertRow.subscription_id,
    where=and_(AlertRow.settled_attempt_id.is_(None), AlertRow.closed_reason.is_(None)), unique=True,
)  # fmt: skip
# Alerts by the attempt that settled them; open alerts (most, and all the scan writes) stay out.
_partial(
    "ix_alerts_settled_attempt_id", AlertRow.settled_attempt_id,
    where=AlertRow.settled_attempt_id.is_not(None),
)  # fmt: skip
# The deliverer's outbox queries.
_partial(
    "ix_alerts_undelivered", AlertRow.created_at, AlertRow.id,
    where=or_(AlertRow.ts.is_(None), AlertRow.delivered_version < AlertRow.version),
)  # fmt: skip
_partial(
    "ix_reminders_undelivered", ReminderRow.created_at, ReminderRow.id,
    where=ReminderRow.ts.is_(None),
)  # fmt: skip

# Tables whose models live in their own modules; importing them here puts them in Base.metadata.
from storage import installation as _installation  # noqa: E402, F401
from storage import seen_model as _seen_model  # noqa: E402, F401
from storage import slack_tables as _slack_tables  # noqa: E402, F401
