"""The scan's claims and their taking as set-based statements: the database finds what is due
and writes the claims itself (``INSERT ... SELECT``), and the deliverer makes alerts and
reminders of them the same way (``INSERT ... SELECT``, ``UPDATE ... FROM``), so no past-due
row crosses into Python; only counts come back.

The scan writes one narrow row per claim (``alert_claims``, no foreign key, no secondary
index): 100,000 claims in one statement. Taking them checks each against the data as it is
then (still past due, alert still open), so a subscription settled in between is never alerted.

Each statement is the same Core construct on SQLite and PostgreSQL; the one dialect
difference, days between two dates, is a small compiled expression.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Delete,
    Insert,
    Integer,
    Select,
    String,
    Subquery,
    Update,
    and_,
    case,
    delete,
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
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from domain.alert_views import DIGEST_PREFIX
from domain.model import InvoiceStatus, SubscriptionStatus
from domain.records import Claim
from storage.models import ALERT_CLAIMS, AccountRow, AlertRow, AlertScanRow, InvoiceRow, ReminderRow, SubscriptionRow
from storage.repositories.base import table_of
from storage.types import UTCDateTime

ALERTS, REMINDERS, SUBSCRIPTIONS = table_of(AlertRow), table_of(ReminderRow), table_of(SubscriptionRow)
CLAIMS = ALERT_CLAIMS
Scan = AlertScanRow  # a scan's row says how its claims become alerts
_ALERT_COLUMNS = [  # what new_alerts writes (the others keep their defaults)
    "id", "subscription_id", "episode", "channel", "created_at", "stage", "version", "delivered_version", "ts",
    "settled_attempt_id",
]  # fmt: skip


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


class bytewise(FunctionElement[str]):  # lower case, as SQL functions are named
    """A text column compared byte by byte, for sorts whose order does not matter (grouping):
    PostgreSQL's libc collations (C.UTF-8 included) compare through strcoll, several times
    slower than the "C" collation; SQLite's default BINARY collation is bytewise already."""

    type = String()
    inherit_cache = True


@compiles(bytewise)
def _bytewise(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(bytewise, "postgresql")
def _bytewise_postgresql(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.clauses, **kw)} COLLATE "C")'


def stage_reached(days: ColumnElement[int], stage_days: tuple[int, ...], every: int) -> ColumnElement[int]:
    """``ReminderPolicy.stage_for`` as SQL: the last of ``stage_days`` reached, then every
    ``every`` days after the last of them."""
    if not stage_days:
        return literal(0, Integer)
    *earlier, last = stage_days
    periodic = literal(last) + (days - last) // every * every if every > 0 else literal(last)
    whens = [(days >= last, periodic), *((days >= d, literal(d)) for d in reversed(earlier))]
    return case(*whens, else_=literal(0))


def due(claim: Claim) -> Subquery:
    """Every subscription with an overdue open invoice: its oldest one (ties by id), the stage."""
    oldest = func.row_number().over(
        partition_by=bytewise(InvoiceRow.subscription_id), order_by=(InvoiceRow.due_date, InvoiceRow.id)
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


def new_claims(claim: Claim) -> Insert:
    """``INSERT INTO alert_claims ... SELECT``, one statement for both kinds of claim.

    A new alert for each past-due subscription with neither an open alert nor an untaken
    claim of one; a reminder for each open alert whose subscription reached a later stage
    than the alert's and than its untaken reminder claims'. A claim's id is the scan's prefix,
    its kind and the subscription (one of each kind per subscription and scan).
    """
    d, c = due(claim), CLAIMS
    claiming = select(c.c.subscription_id).where(c.c.alert_id.is_(None)).distinct().subquery("claiming")
    reminding = (
        select(c.c.alert_id, func.max(c.c.stage).label("stage"))
        .where(c.c.alert_id.is_not(None)).group_by(c.c.alert_id).subquery("reminding")
    )  # fmt: skip
    is_new = ALERTS.c.id.is_(None)
    kind = case((is_new, literal(f"{claim.id_prefix}-a-", String)), else_=literal(f"{claim.id_prefix}-r-", String))
    rows = (
        select(
            kind + d.c.subscription_id, literal(claim.id_prefix, String), d.c.subscription_id, d.c.episode,
            d.c.stage, ALERTS.c.id, literal(claim.now, UTCDateTime),
        )
        .select_from(d)
        .outerjoin(ALERTS, and_(ALERTS.c.subscription_id == d.c.subscription_id, *_OPEN))
        .outerjoin(claiming, claiming.c.subscription_id == d.c.subscription_id)
        .outerjoin(reminding, reminding.c.alert_id == ALERTS.c.id)
        .where(or_(
            and_(is_new, claiming.c.subscription_id.is_(None)),
            and_(~is_new, d.c.stage > ALERTS.c.stage, or_(reminding.c.stage.is_(None), d.c.stage > reminding.c.stage)),
        ))
    )  # fmt: skip
    return insert(CLAIMS).from_select([col.name for col in CLAIMS.columns], rows)


def claim_counts(scan_id: str) -> Select[int, int]:
    """A scan's claims: (new alerts, reminders)."""
    c = CLAIMS
    return select(func.count() - func.count(c.c.alert_id), func.count(c.c.alert_id)).where(c.c.scan_id == scan_id)


def new_alerts(scan: Scan) -> Insert:
    """``INSERT INTO alerts ... SELECT``: a scan's new-alert claims whose subscription is still
    past due (the claimed episode still open) and still without an open alert; in the account's
    channel or the scan's default one, and in the channel's digest when more than the scan's
    threshold of them reach it (counted per workspace: a channel id is a workspace's)."""
    c = CLAIMS
    has_open = exists().where(AlertRow.subscription_id == c.c.subscription_id, AlertRow.settled_attempt_id.is_(None),
                              AlertRow.closed_reason.is_(None))  # fmt: skip
    channel = func.coalesce(AccountRow.channel, literal(scan.default_channel, String))
    fresh = (
        select(c.c.id, c.c.subscription_id, c.c.episode, channel.label("channel"), c.c.created_at, c.c.stage,
               AccountRow.team_id, AccountRow.enterprise_id)
        .join(SubscriptionRow, SubscriptionRow.id == c.c.subscription_id)
        .join(AccountRow, AccountRow.id == SubscriptionRow.account_id)
        .join(InvoiceRow, and_(InvoiceRow.id == c.c.episode, InvoiceRow.status == InvoiceStatus.OPEN.value))
        .where(c.c.scan_id == scan.id, c.c.alert_id.is_(None), ~has_open).subquery("fresh")
    )  # fmt: skip
    lane = (fresh.c.channel, fresh.c.team_id, fresh.c.enterprise_id)
    crowded = func.count().over(partition_by=lane) > scan.digest_threshold
    rows = select(
        fresh.c.id, fresh.c.subscription_id, fresh.c.episode, fresh.c.channel, fresh.c.created_at, fresh.c.stage,
        literal(1), literal(0), case((crowded, literal(DIGEST_PREFIX, String)), else_=null()), null(),
    )  # fmt: skip
    return insert(ALERTS).from_select(_ALERT_COLUMNS, rows)


def digest_counts(scan: Scan) -> Select[str, int]:
    """The channels whose new alerts from this scan went in a digest, with how many."""
    return (
        select(ALERTS.c.channel, func.count())
        .where(*claimed(ALERTS, scan.id, scan.at, "a"), _UNDELIVERED, ALERTS.c.ts == DIGEST_PREFIX)
        .group_by(ALERTS.c.channel)
    )  # fmt: skip


def mark_past_due(scan: Scan) -> Update:
    """The status of the subscriptions just alerted, where it is not past due already."""
    past_due = SubscriptionStatus.PAST_DUE.value
    alerted = select(ALERTS.c.subscription_id).where(*claimed(ALERTS, scan.id, scan.at, "a"), _UNDELIVERED)
    return (
        update(SUBSCRIPTIONS)
        .where(SUBSCRIPTIONS.c.id.in_(alerted), SUBSCRIPTIONS.c.status != past_due)
        .values(status=past_due)
    )  # fmt: skip


def new_reminders(scan: Scan) -> Insert:
    """``INSERT INTO reminders ... SELECT``: a scan's reminder claims whose alert is still open
    and still at an earlier stage."""
    c = CLAIMS
    rows = (
        select(c.c.id, c.c.alert_id, c.c.stage, c.c.created_at, null())
        .join(ALERTS, ALERTS.c.id == c.c.alert_id)
        .where(c.c.scan_id == scan.id, *_OPEN, c.c.stage > ALERTS.c.stage)
    )  # fmt: skip
    return insert(REMINDERS).from_select(["id", "alert_id", "stage", "created_at", "ts"], rows)


def advance(scan: Scan) -> Update:
    """``UPDATE alerts ... FROM reminders``: each reminded alert takes its reminder's stage,
    and a new version, so the deliverer brings its message up to date."""
    r = REMINDERS
    return (
        update(ALERTS)
        .where(ALERTS.c.id == r.c.alert_id, *claimed(r, scan.id, scan.at, "r"), r.c.ts.is_(None))
        .values(stage=r.c.stage, version=ALERTS.c.version + 1)
    )  # fmt: skip


def taken(scan: Scan) -> Delete:
    return delete(CLAIMS).where(CLAIMS.c.scan_id == scan.id)


def claimed(table: Any, scan_id: str, at: dt.datetime, tag: str) -> list[ColumnElement[bool]]:
    """The alerts (``tag`` "a") or reminders ("r") made of one scan's claims: found through the
    outbox index on ``created_at``."""
    return [table.c.created_at == literal(at, UTCDateTime), table.c.id.like(f"{scan_id}-{tag}-%")]


# An open alert, as the partial index uq_alerts_open.
_OPEN = (ALERTS.c.settled_attempt_id.is_(None), ALERTS.c.closed_reason.is_(None))
# As the partial index ix_alerts_undelivered, so that a query naming it can use it.
_UNDELIVERED = or_(ALERTS.c.ts.is_(None), ALERTS.c.delivered_version < ALERTS.c.version)
