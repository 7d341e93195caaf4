"""An uninstalled workspace's billing data removed in one transaction, on SQLite and PostgreSQL:
everything that hangs on its accounts goes, the money trail (attempts, payments) stays, other
workspaces are untouched."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import Engine, func, insert, select

from domain.errors import DomainError
from domain.model import Admin, InvoiceStatus, Role
from domain.records import CardChange, CardEvent, Outcome
from domain.workspaces import Footprint
from storage.db import make_session_factory
from storage.models import (
    ALERT_CLAIMS,
    AccountRow,
    BillingLinkRow,
    CardLinkRow,
    PaymentRow,
    SettlementAttemptRow,
)
from storage.uow import SqlUnitOfWork
from storage.workspaces import SqlWorkspaceData
from tests.storage.builders import NOW, TODAY, account, alert, attempt, card, invoice, payment, reminder, subscription

ALPHA, BRAVO, GRID = "T0ALPHA001", "T0BRAVO002", "E0GRIDORG1"


def _seed(engine: Engine, suffix: str, *, team: str | None, org: str | None = None, settled: bool = True) -> None:
    """An account of (team, org) with a card, a subscription, two invoices (one past due), an
    alert with a reminder, an admin, a card event, a card link, a billing link, a scan's claim
    and, ``settled``, a settlement with its payment; else one pending."""
    uow, acc, sub = SqlUnitOfWork(make_session_factory(engine)), f"acc_{suffix}", f"sub_{suffix}"
    with uow:
        uow.accounts.save(replace(account(acc), team_id=team, enterprise_id=org))
        uow.accounts.replace_admins(acc, [Admin(acc, "U0ADMIN01", Role.GLOBAL_ADMIN)])
        uow.cards.save(card(f"card_{suffix}", acc))
        uow.cards.add_event(CardEvent(f"ev_{suffix}", f"card_{suffix}", CardChange.EXPIRY, "U0ADMIN01", TODAY))
        uow.subscriptions.save(replace(subscription(sub, acc), payment_method_id=f"card_{suffix}"))
        uow.invoices.save(invoice(f"inv_{suffix}_1", sub))
        uow.invoices.save(invoice(f"inv_{suffix}_2", sub, days_ago=40, status=InvoiceStatus.PAID))
        started = replace(attempt(f"att_{suffix}", sub), account_id=acc)
        uow.attempts.add(started.finish(Outcome.SUCCEEDED, NOW, "ch_1", None) if settled else started)
        if settled:
            uow.payments.add(replace(payment(f"pay_{suffix}", f"att_{suffix}"), subscription_id=sub))
        uow.alerts.add([replace(alert(f"al_{suffix}", sub), settled_attempt_id=f"att_{suffix}" if settled else None)])
        uow.alerts.add_reminders([reminder(f"rem_{suffix}", f"al_{suffix}")])
        uow.commit()
    with engine.begin() as conn:
        conn.execute(insert(CardLinkRow).values(nonce=f"n_{suffix}", account_id=acc, slack_user_id="U0ADMIN01",
                                                view_id=None, expires_at=NOW, attempts=0))  # fmt: skip
        conn.execute(insert(BillingLinkRow).values(account_id=acc, via="stripe", linked_at=NOW))
        conn.execute(insert(ALERT_CLAIMS).values(id=f"s-a-{sub}", scan_id="s", subscription_id=sub, episode="e",
                                                 stage=1, alert_id=None, created_at=NOW))  # fmt: skip


def _count(engine: Engine, column: object, value: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(column == value)).scalar_one())  # type: ignore[operator]


def test_removing_a_workspace_deletes_what_hangs_on_its_accounts_and_keeps_the_money_trail(engine: Engine) -> None:
    _seed(engine, "a", team=ALPHA)
    _seed(engine, "b", team=BRAVO)
    removal = SqlWorkspaceData(engine).remove(ALPHA)
    assert removal.removed == {
        "reminders": 1, "alerts": 1, "alert claims": 1, "invoices": 2, "subscriptions": 1, "card events": 1,
        "cards": 1, "admins": 1, "card links": 1, "billing links": 1, "accounts": 1,
    }  # fmt: skip
    assert removal.kept == {"settlement attempts": 1, "payments": 1}
    assert _count(engine, AccountRow.team_id, ALPHA) == 0
    assert _count(engine, SettlementAttemptRow.subscription_id, "sub_a") == 1  # kept, its subscription gone
    assert _count(engine, PaymentRow.subscription_id, "sub_a") == 1
    uow = SqlUnitOfWork(make_session_factory(engine))
    with uow:  # a customer imported again under the same ids never reuses the removed one's keys
        assert uow.attempts.count_for_key_prefix("settle:sub_a:") == 1
    with uow:  # the other workspace, whole
        assert uow.accounts.get("acc_b") is not None and uow.cards.get("card_b") is not None
        assert uow.alerts.get("al_b") is not None and len(uow.invoices.for_subscriptions(["sub_b"])["sub_b"]) == 2
        assert uow.attempts.get("att_b") is not None and uow.payments.last_for("sub_b") is not None
    assert (
        _count(engine, CardLinkRow.account_id, "acc_b") == 1 and _count(engine, BillingLinkRow.account_id, "acc_b") == 1
    )


def test_a_workspace_with_a_pending_settlement_is_not_removed_at_all(engine: Engine) -> None:
    _seed(engine, "a", team=ALPHA, settled=False)
    with pytest.raises(DomainError) as refused:
        SqlWorkspaceData(engine).remove(ALPHA)
    assert refused.value.key == "settlements_pending" and refused.value.params["pending"] == 1
    assert _count(engine, AccountRow.team_id, ALPHA) == 1


def test_an_org_is_removed_without_the_accounts_of_its_teams(engine: Engine) -> None:
    _seed(engine, "org", team=None, org=GRID)
    _seed(engine, "team", team=ALPHA, org=GRID)
    assert SqlWorkspaceData(engine).remove(GRID).removed["accounts"] == 1
    assert _count(engine, AccountRow.team_id, ALPHA) == 1


def test_footprints_count_accounts_and_past_due_subscriptions_per_workspace(engine: Engine) -> None:
    _seed(engine, "a", team=ALPHA)
    _seed(engine, "a2", team=ALPHA)
    _seed(engine, "none", team=None)
    found = SqlWorkspaceData(engine).footprints(TODAY)
    assert sorted(found, key=lambda f: f.team_id or "") == [Footprint(None, None, 1, 1), Footprint(ALPHA, None, 2, 2)]
    assert SqlWorkspaceData(engine).footprints(TODAY - dt.timedelta(days=30))[0].past_due == 0
