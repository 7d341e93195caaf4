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
from tests.e2e.harness import SIGNING_SECRET, AppProcess, cli, shown_view, wait_until
from tests.e2e.test_settle_flow import BA, GA, ZH, alerts
from tests.reporting import record

pytestmark = pytest.mark.slow


def save_storm(fake, apps: list[AppProcess], users: list[str], submissions: int) -> list[tuple[int, dict]]:
    """Open one modal per user, then send ``submissions`` Saves spread over users and processes."""
    drivers = [SlackDriver(fake, SlackRequester(app.url, SIGNING_SECRET)) for app in apps]
    views = []
    for user in users:
        drivers[0].slash(user, "Microsoft 365 E3")
        views.append(wait_until(lambda u=user: shown_view(fake, u)))
    bodies = [
        payloads.view_submission(user_id=users[i % len(users)], view=dict(views[i % len(users)]),
                                 state_values=state_values(views[i % len(users)], {}),
                                 trigger_id=fake.issue_trigger_id(users[i % len(users)]))
        for i in range(submissions)
    ]
    with ThreadPoolExecutor(max_workers=submissions) as pool:
        futures = [pool.submit(drivers[i % len(drivers)].requester.send, body) for i, body in enumerate(bodies)]
        return [(f.result().status, f.result().json() if f.result().body else {}) for f in futures]


def outcomes(fake, acks: list[dict]) -> tuple[int, int]:
    """(receipts, "already settled by ..." notices) shown, by a later views.update or in the ack itself."""
    views = [c.params.get("view", {}) for c in fake.calls_to("views.update", ok=True)]
    views = [v for v in views if v.get("callback_id") not in (ids.SETTLE_MODAL, ids.LOADING_MODAL)]  # forms filled
    views += [a["view"] for a in acks if a.get("response_action") == "update" and "Charging" not in json.dumps(a)]
    levels = [next((b.get("level") for b in v.get("blocks", []) if b.get("type") == "alert"), None) for v in views]
    payer = [json.dumps(v) for v in views]
    receipts = sum(level == "success" for level in levels)
    pairs = zip(levels, payer, strict=True)
    notices = sum(level == "warning" and "129.99" in text and "<@" in text for level, text in pairs)
    return receipts, notices


def check_one_charge(fake, db, acks: list[dict], alert_ts: str) -> None:
    submissions = len(acks)
    wait_until(lambda: sum(outcomes(fake, acks)) >= submissions, timeout=60)
    charges = db.charges()
    assert [(c["subscription_id"], c["outcome"]) for c in charges] == [("sub_m365_e3", "succeeded")]
    assert outcomes(fake, acks) == (1, submissions - 1)
    with db.uow() as uow:
        attempts = uow.attempts.for_subscription("sub_m365_e3")
        paid = [i for i in uow.invoices.for_subscriptions(["sub_m365_e3"])["sub_m365_e3"] if i.status == "paid"]
        assert uow.payments.last_for("sub_m365_e3") is not None
    assert [a.outcome.value for a in attempts] == ["succeeded"]
    assert len(paid) == 3  # the two open invoices + the one paid before
    settled_updates = [c for c in fake.calls_to("chat.update", ok=True) if c.params.get("ts") == alert_ts]
    assert len(settled_updates) == 1


def alert_ts(fake) -> str:
    return alerts(SlackDriver(fake, None))["sub_m365_e3"]["ts"]  # type: ignore[arg-type]


def test_fifty_saves_over_three_processes_on_postgresql_charge_once(fake_slack, pg_url):
    from tests.e2e.conftest import prepare_database
    from tests.e2e.harness import Inspector, base_env

    prepare_database(pg_url)
    env = base_env(pg_url, fake_slack.url)
    cli(env, "scan")
    ts = alert_ts(fake_slack)
    apps = [AppProcess(env).start() for _ in range(3)]
    try:
        answers = save_storm(fake_slack, apps, [GA, BA, ZH], 50)
        assert [status for status, _ in answers] == [200] * 50
        inspector = Inspector(pg_url)
        check_one_charge(fake_slack, inspector, [body for _, body in answers], ts)
        inspector.close()
    finally:
        for app in apps:
            app.stop()
    record("exactly one charge (PostgreSQL)", requests=50, processes=3, faults=0, charges=1)


def test_sixteen_saves_on_sqlite_in_one_process_charge_once(fake_slack, env, db):
    cli(env, "scan")
    ts = alert_ts(fake_slack)
    with AppProcess(env) as app:
        answers = save_storm(fake_slack, [app], [GA, BA, ZH], 16)
        assert [status for status, _ in answers] == [200] * 16
        check_one_charge(fake_slack, db, [body for _, body in answers], ts)
    record("exactly one charge (SQLite)", requests=16, processes=1, faults=0, charges=1)
