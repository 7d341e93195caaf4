"""The scan's claims as set-based statements: the database finds what is due and writes the
claims itself (``INSERT ... SELECT``, ``UPDATE ... FROM``), so no past-due row crosses into
Python; only the new rows come back (``RETURNING``), for the scan's report.

Each statement is the same Core construct on SQLite and PostgreSQL; the one dialect
difference, days between two dates, is a small compiled expression.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Insert,
    Integer,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    Update,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from domain.alert_views import DIGEST_PREFIX
from domain.model import InvoiceStatus, SubscriptionStatus
from domain.records import Claim
from storage.models import AccountRow, AlertRow, InvoiceRow, ReminderRow, SubscriptionRow
from storage.repositories.base import table_of
from storage.types import UTCDateTime

ID_BASE = 10**9  # claimed ids end in ID_BASE + n: the same width, so they sort as numbered
ALERTS, REMINDERS, SUBSCRIPTIONS = table_of(AlertRow), table_of(ReminderRow), table_of(SubscriptionRow)


class days_between(FunctionElement[int]):  # lower case, as SQL functions are named
    """Whole days from the first date to the second (both ``Date``)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between, "postgresql")
def _days_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = element.clauses
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = element.clauses
    return f"CAST(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}) AS INTEGER)"


def stage_reached(days: ColumnElement[int], stage_days: tuple[int, ...], every: int) -> ColumnElement[int]:
    """``ReminderPolicy.stage_for`` as SQL: the last of ``stage_days`` reached, then every
    ``every`` days after the last of them."""
    if not stage_days:
        return literal(0, Integer)
    *earlier, last = stage_days
    periodic = literal(last) + (days - last) // every * every if every > 0 else literal(last)
    whens = [(days >= last, periodic), *((days >= d, literal(d)) for d in reversed(earlier))]
    return case(*whens, else_=literal(0))


# The past-due rows, computed once per scan for both claims (a temporary table: this
# connection's only, dropped at the end of the scan, or with its rollback).
DUE = Table(
    "scan_due", MetaData(), Column("subscription_id", String), Column("episode", String),
    Column("stage", Integer), prefixes=["TEMPORARY"],
)  # fmt: skip


def fill_due(claim: Claim) -> Insert:
    return insert(DUE).from_select([c.name for c in DUE.columns], select(due(claim)))


def due(claim: Claim) -> Subquery:
    """Every subscription with an overdue open invoice: its oldest one (ties by id), the stage."""
    oldest = func.row_number().over(
        partition_by=InvoiceRow.subscription_id, order_by=(InvoiceRow.due_date, InvoiceRow.id)
    )
    today = literal(claim.today, Date)
    overdue = (
        select(
            InvoiceRow.subscription_id, InvoiceRow.id.label("episode"),
            days_between(InvoiceRow.due_date, today).label("days"), oldest.label("nth"),
        )
        .where(InvoiceRow.status == InvoiceStatus.OPEN.value, InvoiceRow.due_date < today)
        .subquery("overdue")
    )  # fmt: skip
    stage = stage_reached(overdue.c.days, claim.stage_days, claim.every)
    return (
        select(overdue.c.subscription_id, overdue.c.episode, stage.label("stage"))
        .where(overdue.c.nth == 1).subquery("due")
    )  # fmt: skip


def new_alerts(claim: Claim) -> Insert:
    """``INSERT INTO alerts ... SELECT``: the past-due subscriptions without an open alert."""
    d = DUE
    has_open = exists().where(AlertRow.subscription_id == d.c.subscription_id, AlertRow.settled_attempt_id.is_(None))
    fresh = (
        select(d, func.coalesce(AccountRow.channel, claim.default_channel).label("channel"))
        .join(SubscriptionRow, SubscriptionRow.id == d.c.subscription_id)
        .join(AccountRow, AccountRow.id == SubscriptionRow.account_id)
        .where(~has_open).subquery("fresh")
    )  # fmt: skip
    crowded = func.count().over(partition_by=fresh.c.channel) > claim.digest_threshold
    rows = select(
        _ids(claim, "a", fresh.c.subscription_id), fresh.c.subscription_id, fresh.c.episode,
        fresh.c.channel, literal(claim.now, UTCDateTime), fresh.c.stage, literal(1), literal(0),
        case((crowded, literal(DIGEST_PREFIX, String)), else_=null()), null(),
    )  # fmt: skip
    return insert(ALERTS).from_select([col.name for col in ALERTS.columns], rows)


def digest_counts(claim: Claim) -> Select[str, int]:
    """The channels whose new alerts this claim put in a digest, with how many."""
    return (
        select(ALERTS.c.channel, func.count())
        .where(*claimed(ALERTS, claim, "a"), _UNDELIVERED, ALERTS.c.ts == DIGEST_PREFIX)
        .group_by(ALERTS.c.channel)
    )  # fmt: skip


def mark_past_due(claim: Claim) -> Update:
    """The status of the subscriptions just alerted, where it is not past due already."""
    past_due = SubscriptionStatus.PAST_DUE.value
    alerted = select(ALERTS.c.subscription_id).where(*claimed(ALERTS, claim, "a"), _UNDELIVERED)
    return (
        update(SUBSCRIPTIONS)
        .where(SUBSCRIPTIONS.c.id.in_(alerted), SUBSCRIPTIONS.c.status != past_due)
        .values(status=past_due)
    )  # fmt: skip


def new_reminders(claim: Claim) -> Insert:
    """``INSERT INTO reminders ... SELECT``: open alerts whose subscription reached a later stage."""
    d = DUE
    rows = (
        select(_ids(claim, "r", AlertRow.subscription_id), AlertRow.id, d.c.stage,
               literal(claim.now, UTCDateTime), null())
        .join_from(d, AlertRow, and_(
            AlertRow.subscription_id == d.c.subscription_id, AlertRow.settled_attempt_id.is_(None)
        ))
        .where(d.c.stage > AlertRow.stage)
    )  # fmt: skip
    return insert(REMINDERS).from_select([col.name for col in REMINDERS.columns], rows)


def advance(claim: Claim) -> Update:
    """``UPDATE alerts ... FROM reminders``: each reminded alert takes its reminder's stage,
    and a new version, so the deliverer brings its message up to date."""
    r = REMINDERS
    return (
        update(ALERTS)
        .where(ALERTS.c.id == r.c.alert_id, *claimed(r, claim, "r"), r.c.ts.is_(None))
        .values(stage=r.c.stage, version=ALERTS.c.version + 1)
    )  # fmt: skip


def _ids(claim: Claim, tag: str, order: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    number = func.row_number().over(order_by=order) + ID_BASE
    return literal(f"{claim.id_prefix}-{tag}", String) + cast(number, String)


def claimed(table: Any, claim: Claim, tag: str) -> list[ColumnElement[bool]]:
    """The rows this scan inserted: found through the outbox index on ``created_at``."""
    return [table.c.created_at == literal(claim.now, UTCDateTime), table.c.id.like(f"{claim.id_prefix}-{tag}%")]


# As the partial index ix_alerts_undelivered, so that a query naming it can use it.
_UNDELIVERED = or_(ALERTS.c.ts.is_(None), ALERTS.c.delivered_version < ALERTS.c.version)
