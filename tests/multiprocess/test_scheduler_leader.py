"""Three processes each running their scheduler on one database: one does the work at a time."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from domain.model import Invoice, Subscription
from domain.money import Money
from tests.e2e.conftest import prepare_database
from tests.e2e.harness import BILLING_CHANNEL, AppProcess, Inspector, base_env, wait_until
from tests.reporting import record

pytestmark = pytest.mark.slow
SCHEDULED = ("serve", "--port", "0")  # with the scheduler


def alerts_by_subscription(fake) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in fake.messages(BILLING_CHANNEL):
        for block in message.get("blocks", []):
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                counts[element["value"]] = counts.get(element["value"], 0) + 1
    return counts


def recorded_alerts(inspector: Inspector) -> int:
    """Alerts whose message ts the deliverer has written back."""
    from sqlalchemy import text

    with inspector.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM alerts WHERE ts IS NOT NULL")).scalar_one())


def add_past_due(inspector: Inspector, sub_id: str, days: int) -> None:
    today = dt.datetime.now(dt.UTC).date()
    with inspector.uow() as uow:
        uow.subscriptions.save(Subscription(sub_id, "acc_contoso", f"Product {sub_id}", "card_visa"))
        due = today - dt.timedelta(days=days)
        uow.invoices.save(Invoice(f"inv_{sub_id}", sub_id, Money.parse("10.00", "USD"), due))
        uow.commit()


def test_three_schedulers_alert_once_and_a_survivor_takes_over(fake_slack, pg_url):
    prepare_database(pg_url)
    env = base_env(pg_url, fake_slack.url, DELIVERY_INTERVAL_SECONDS="1")
    apps = [AppProcess(env, *SCHEDULED).start() for _ in range(3)]
    inspector = Inspector(pg_url)
    try:
        wait_until(lambda: len(alerts_by_subscription(fake_slack)) == 4, timeout=20)
        for app in apps:
            wait_until(lambda a=app: "scheduler started" in a.log)
        leaders = [a for a in apps if "now runs the scheduled jobs" in a.log]
        assert len(leaders) == 1
        # Killed once its posts are recorded: a kill between a post and its record is the
        # known at-least-once window (README), not what this test is about.
        wait_until(lambda: recorded_alerts(inspector) == 4, timeout=10)
        leaders[0].kill()
        add_past_due(inspector, "sub_new_after_kill", 2)
        wait_until(lambda: "sub_new_after_kill" in alerts_by_subscription(fake_slack), timeout=10)
        followers = [a for a in apps if a is not leaders[0]]
        assert sum("now runs the scheduled jobs" in a.log for a in followers) == 1
        counts = alerts_by_subscription(fake_slack)
        assert set(counts.values()) == {1} and len(counts) == 5
        assert fake_slack.calls_to("chat.postMessage", ok=True).__len__() == 5
        replies = [c for c in fake_slack.calls_to("chat.postMessage", ok=True) if c.params.get("thread_ts")]
        assert replies == []
    finally:
        inspector.close()
        for app in apps:
            app.stop()
    record("one scheduler at a time, takeover after SIGKILL (PostgreSQL)", requests=0, processes=3, faults=1, charges=0)


def test_reminder_stages_get_exactly_one_reply_with_three_schedulers(fake_slack, pg_url):
    prepare_database(pg_url)
    inspector = Inspector(pg_url)
    daily = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=25)).time().replace(microsecond=0)
    env = base_env(pg_url, fake_slack.url, DELIVERY_INTERVAL_SECONDS="1", ALERT_TIME=daily.isoformat())
    apps = [AppProcess(env, *SCHEDULED).start() for _ in range(3)]
    try:
        wait_until(lambda: len(alerts_by_subscription(fake_slack)) == 4, timeout=12)
        # A week later, as far as the data can tell: every alert reaches its next stage by the
        # time the three daily scans fire together.
        shift_due_dates(inspector, days=7)
        wait_until(lambda: len(thread_replies(fake_slack)) >= 4, timeout=40)
        time.sleep(3)  # several more ticks of every scheduler
        replies = thread_replies(fake_slack)
        assert len(replies) == len(set(replies)) == 4  # one per alert whose stage moved
    finally:
        inspector.close()
        for app in apps:
            app.stop()
    record("one reminder per stage with 3 schedulers (PostgreSQL)", requests=0, processes=3, faults=0, charges=0)


def thread_replies(fake) -> list[tuple[str, str]]:
    return [(c.params["thread_ts"], json.dumps(c.params.get("blocks"))[:60])
            for c in fake.calls_to("chat.postMessage", ok=True) if c.params.get("thread_ts")]  # fmt: skip


def shift_due_dates(inspector: Inspector, days: int) -> None:
    from dataclasses import replace

    with inspector.uow() as uow:
        for sub in uow.subscriptions.for_accounts(["acc_contoso", "acc_fabrikam"]):
            for invoice in uow.invoices.for_subscriptions([sub.id]).get(sub.id, []):
                if invoice.status.value == "open":
                    uow.invoices.save(replace(invoice, due_date=invoice.due_date - dt.timedelta(days=days)))
        uow.commit()
