"""Many Saves for one balance, over several processes: exactly one charge, one payment, one update."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from handlers import ids
from sandbox import payloads
from sandbox.driver import SlackDriver
from sandbox.inputs import state_values
from sandbox.signing import SlackRequester
from tests.e2e.harness import BILLING_CHANNEL, SIGNING_SECRET, AppProcess, cli, wait_until
from tests.e2e.test_settle_flow import BA, GA, ZH, alerts
from tests.reporting import record

pytestmark = pytest.mark.slow


def save_storm(fake, apps: list[AppProcess], users: list[str], submissions: int) -> list[int]:
    """Open one modal per user, then send ``submissions`` Saves spread over users and processes."""
    drivers = [SlackDriver(fake, SlackRequester(app.url, SIGNING_SECRET)) for app in apps]
    views = []
    for user in users:
        drivers[0].slash(user, "Microsoft 365 E3")
        views.append(wait_until(lambda u=user: fake.current_view(u)))
    bodies = [
        payloads.view_submission(user_id=users[i % len(users)], view=dict(views[i % len(users)]),
                                 state_values=state_values(views[i % len(users)], {}),
                                 trigger_id=fake.issue_trigger_id(users[i % len(users)]))  # fmt: skip
        for i in range(submissions)
    ]
    with ThreadPoolExecutor(max_workers=submissions) as pool:
        futures = [pool.submit(drivers[i % len(drivers)].requester.send, body) for i, body in enumerate(bodies)]
        return [f.result().status for f in futures]


def outcomes(fake) -> tuple[int, int]:
    """(modals updated with the receipt, modals updated with "already settled by ..."), any language."""
    views = [c.params.get("view", {}) for c in fake.calls_to("views.update", ok=True)]
    levels = [next((b.get("level") for b in v.get("blocks", []) if b.get("type") == "alert"), None) for v in views]
    payer = [json.dumps(v) for v in views]
    receipts = sum(level == "success" for level in levels)
    notices = sum(level == "warning" and "129.99" in text and "<@" in text for level, text in zip(levels, payer))
    return receipts, notices


def check_one_charge(fake, db, submissions: int) -> None:
    wait_until(lambda: sum(outcomes(fake)) >= submissions, timeout=60)
    charges = db.charges()
    assert [(c["subscription_id"], c["outcome"]) for c in charges] == [("sub_m365_e3", "succeeded")]
    assert outcomes(fake) == (1, submissions - 1)
    with db.uow() as uow:
        attempts = uow.attempts.for_subscription("sub_m365_e3")
        paid = [i for i in uow.invoices.for_subscriptions(["sub_m365_e3"])["sub_m365_e3"] if i.status == "paid"]
        assert uow.payments.last_for("sub_m365_e3") is not None
    assert [a.outcome.value for a in attempts] == ["succeeded"]
    assert len(paid) == 3  # the two open invoices + the one paid before
    alert_ts = alerts_ts(fake)
    settled_updates = [c for c in fake.calls_to("chat.update", ok=True) if c.params.get("ts") == alert_ts]
    assert len(settled_updates) == 1


def alerts_ts(fake) -> str:
    class _Driver:  # alerts() only needs .fake
        pass

    driver = _Driver()
    driver.fake = fake
    return alerts(driver)["sub_m365_e3"]["ts"]


def test_fifty_saves_over_three_processes_on_postgresql_charge_once(fake_slack, pg_url):
    from tests.e2e.conftest import prepare_database
    from tests.e2e.harness import Inspector, base_env

    prepare_database(pg_url)
    env = base_env(pg_url, fake_slack.url)
    cli(env, "scan")
    apps = [AppProcess(env).start() for _ in range(3)]
    try:
        statuses = save_storm(fake_slack, apps, [GA, BA, ZH], 50)
        assert statuses == [200] * 50
        inspector = Inspector(pg_url)
        check_one_charge(fake_slack, inspector, 50)
        inspector.close()
    finally:
        for app in apps:
            app.stop()
    record("exactly one charge (PostgreSQL)", requests=50, processes=3, faults=0, charges=1)


def test_sixteen_saves_on_sqlite_in_one_process_charge_once(fake_slack, env, db):
    cli(env, "scan")
    with AppProcess(env) as app:
        statuses = save_storm(fake_slack, [app], [GA, BA, ZH], 16)
        assert statuses == [200] * 16
        check_one_charge(fake_slack, db, 16)
    record("exactly one charge (SQLite)", requests=16, processes=1, faults=0, charges=1)
