"""Billing data per workspace (``accounts.team_id``/``enterprise_id``), and its removal.

The removal deletes, in one transaction, a workspace's accounts and every row that hangs on them,
children first; settlement attempts and payments are kept whole (migration 0015 detached them from
their accounts and subscriptions), and so is the sandbox processor's own ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, delete, func, or_, select

from domain.errors import DomainError
from domain.workspaces import Footprint, Removal
from storage.models import (
    ALERT_CLAIMS,
    AccountRow,
    AdminRow,
    AlertRow,
    BillingLinkRow,
    CardEventRow,
    CardLinkRow,
    CardRow,
    InvoiceRow,
    PaymentRow,
    ReminderRow,
    SettlementAttemptRow,
    SubscriptionRow,
)


class SqlWorkspaceData:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def footprints(self, today: dt.date) -> list[Footprint]:
        past_due = (
            select(SubscriptionRow.account_id, func.count(func.distinct(SubscriptionRow.id)).label("n"))
            .join(InvoiceRow, InvoiceRow.subscription_id == SubscriptionRow.id)
            .where(and_(InvoiceRow.status == "open", InvoiceRow.due_date < today))
            .group_by(SubscriptionRow.account_id)
            .subquery()
        )
        query = (
            select(AccountRow.team_id, AccountRow.enterprise_id, func.count(AccountRow.id),
                   func.coalesce(func.sum(past_due.c.n), 0))
            .outerjoin(past_due, past_due.c.account_id == AccountRow.id)
            .group_by(AccountRow.team_id, AccountRow.enterprise_id)
        )  # fmt: skip
        with self._engine.connect() as conn:
            return [Footprint(team, org, int(n), int(due)) for team, org, n, due in conn.execute(query)]

    def remove(self, workspace_id: str) -> Removal:
        with self._engine.begin() as conn:
            accounts = select(AccountRow.id).where(_of_workspace(workspace_id))
            subs = select(SubscriptionRow.id).where(SubscriptionRow.account_id.in_(accounts))
            conn.execute(subs.with_for_update())  # PostgreSQL: no Save starts on them meanwhile
            trail = or_(SettlementAttemptRow.subscription_id.in_(subs), SettlementAttemptRow.account_id.in_(accounts))
            attempts = select(SettlementAttemptRow.id).where(trail)
            pending = _count(conn, attempts.where(SettlementAttemptRow.outcome == "pending"))
            if pending:
                raise DomainError("settlements_pending", workspace=workspace_id, pending=pending)
            kept = {
                "settlement attempts": _count(conn, attempts),
                "payments": _count(conn, select(PaymentRow.id).where(PaymentRow.subscription_id.in_(subs))),
            }
            return Removal(_delete_all(conn, accounts, subs), kept)


def _of_workspace(workspace_id: str) -> Any:
    """A team's accounts, or an org's (``E…``) linked to no team of it."""
    if workspace_id.startswith("E"):
        return and_(AccountRow.team_id.is_(None), AccountRow.enterprise_id == workspace_id)
    return AccountRow.team_id == workspace_id


def _delete_all(conn: Connection, accounts: Select[Any], subs: Select[Any]) -> dict[str, int]:
    alerts = select(AlertRow.id).where(AlertRow.subscription_id.in_(subs))
    cards = select(CardRow.id).where(CardRow.account_id.in_(accounts))
    steps = [  # children before parents (a subscription names its card)
        ("reminders", delete(ReminderRow).where(ReminderRow.alert_id.in_(alerts))),
        ("alerts", delete(AlertRow).where(AlertRow.subscription_id.in_(subs))),
        ("alert claims", delete(ALERT_CLAIMS).where(ALERT_CLAIMS.c.subscription_id.in_(subs))),
        ("invoices", delete(InvoiceRow).where(InvoiceRow.subscription_id.in_(subs))),
        ("subscriptions", delete(SubscriptionRow).where(SubscriptionRow.id.in_(subs))),
        ("card events", delete(CardEventRow).where(CardEventRow.card_id.in_(cards))),
        ("cards", delete(CardRow).where(CardRow.id.in_(cards))),
        ("admins", delete(AdminRow).where(AdminRow.account_id.in_(accounts))),
        ("card links", delete(CardLinkRow).where(CardLinkRow.account_id.in_(accounts))),
        ("billing links", delete(BillingLinkRow).where(BillingLinkRow.account_id.in_(accounts))),
        ("accounts", delete(AccountRow).where(AccountRow.id.in_(accounts))),
    ]
    return {name: conn.execute(statement).rowcount for name, statement in steps}


def _count(conn: Connection, query: Select[Any]) -> int:
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
