"""The real ``settlebot serve`` and its scheduler: one alert Slack refuses (its channel is gone)
and one whose records cannot be read (an invoice in another currency than its account) are
set aside, each logged once, while every other alert is delivered; both go out once fixed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from sandbox.fake_slack import FakeSlack
from storage.models import InvoiceRow
from tests.e2e.conftest import SPEC, slack_users
from tests.e2e.harness import BILLING_CHANNEL, BOT_TOKEN, AppProcess, Inspector, wait_until
from tests.e2e.test_settle_flow import alerts

GONE = "C0ARCHIVED1"  # Fabrikam's alert channel, which Slack no longer knows


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """Only the billing channel exists: a post anywhere else is ``channel_not_found``."""
    fake = FakeSlack(spec_path=str(SPEC) if SPEC.exists() else None, users=slack_users(), token=BOT_TOKEN,
                     strict_channels=True)  # fmt: skip
    fake.add_channel(BILLING_CHANNEL, "billing")
    with fake:
        yield fake
        assert fake.problems == [], "calls real Slack would have refused: " + "; ".join(map(str, fake.problems))


def _break_records(db: Inspector) -> None:
    with db.uow() as uow:
        uow.accounts.save(replace(uow.accounts.get("acc_fabrikam"), channel=GONE))
        uow.commit()
    _invoice_currency(db, "inv_pbi_nov", "EUR")  # Contoso's account is in USD


def _invoice_currency(db: Inspector, invoice_id: str, currency: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(currency=currency))


def _warnings(log: str, alert_id: str) -> list[str]:
    return re.findall(rf"WARNING domain\.failures: alert {re.escape(alert_id)} failed[^\n]*", log)


def _alert_id(db: Inspector, subscription_id: str) -> str:
    with db.uow() as uow:
        return uow.alerts.open_for(subscription_id).id


def test_one_alert_slack_refuses_and_one_unreadable_never_stop_the_others(fake_slack, env, db):
    _break_records(db)
    quick = {"DELIVERY_INTERVAL_SECONDS": "1", "DELIVERY_RETRY_MAX_SECONDS": "2"}  # set aside 1 s, then 2 s
    with AppProcess({**env, **quick}, "serve", "--port", "0") as app:
        wait_until(lambda: len(alerts_in(fake_slack)) == 2, timeout=30)
        assert sorted(alerts_in(fake_slack)) == ["sub_business_premium", "sub_m365_e3"]
        teams, power_bi = _alert_id(db, "sub_teams"), _alert_id(db, "sub_power_bi")
        wait_until(lambda: app.log.count("delivery:") >= 4, timeout=30)  # several runs, each retrying both
        assert len(_warnings(app.log, teams)) == 1 and "channel_not_found" in _warnings(app.log, teams)[0]
        assert len(_warnings(app.log, power_bi)) == 1 and "currency_mismatch" in _warnings(app.log, power_bi)[0]
        fake_slack.add_channel(GONE, "fabrikam-billing")  # restored
        _invoice_currency(db, "inv_pbi_nov", "USD")  # corrected
        wait_until(lambda: "sub_power_bi" in alerts_in(fake_slack), timeout=30)
        wait_until(lambda: len(fake_slack.messages(GONE)) == 1, timeout=30)
        wait_until(lambda: f"alert {teams} went through" in app.log and f"alert {power_bi} went through" in app.log)
        assert "Traceback" not in app.log, app.log
    assert len(fake_slack.messages(BILLING_CHANNEL)) == 3  # each alert posted once


def alerts_in(fake: FakeSlack) -> dict[str, dict]:
    return alerts(SimpleNamespace(fake=fake))  # type: ignore[arg-type]  # it only reads .fake
