"""Paying through Stripe with several `settlebot serve` processes and crashes: one successful
`invoices.pay` per invoice in the fake Stripe's own log, never paid twice."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from domain.billing_mirror import card_id_for
from domain.model import InvoiceStatus
from handlers import ids
from sandbox import payloads
from sandbox.driver import SlackDriver
from sandbox.fake_stripe.fake_stripe import TEST_WEBHOOK_SECRET, FakeStripe
from sandbox.inputs import state_values
from sandbox.signing import SlackRequester
from tests.e2e.harness import SIGNING_SECRET, AppProcess, Inspector, wait_until
from tests.e2e.test_settle_flow import BA, GA, ZH, open_modal_from_alert
from tests.e2e.test_stripe_settle import customer_with_cards, linked_and_alerted
from tests.reporting import record

pytestmark = pytest.mark.slow


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    with FakeStripe(seed=16) as running:
        yield running


def with_stripe(env: dict[str, str], fake: FakeStripe) -> dict[str, str]:
    return {**env, "BILLING_BACKEND": "stripe", "STRIPE_API_KEY": fake.api_key,
            "STRIPE_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET, "STRIPE_API_BASE": fake.url,
            "STRIPE_SYNC_INTERVAL_SECONDS": "3600"}  # fmt: skip


def successful_pays(fake: FakeStripe) -> Counter[str]:
    """Per invoice, the invoices.pay requests that paid it (replays of a first answer excluded)."""
    return Counter(r.path.split("/")[3] for r in fake.requests_to("invoices.pay") if r.status == 200 and not r.replayed)


def local_status(db: Inspector, invoice_ids: list[str]) -> set[InvoiceStatus | None]:
    with db.uow() as uow:
        return {getattr(uow.invoices.get(i), "status", None) for i in invoice_ids}


def storm(fake_slack: Any, apps: list[AppProcess], users: list[str], sub: str, card: str, n: int) -> list[int]:
    drivers = [SlackDriver(fake_slack, SlackRequester(app.url, SIGNING_SECRET)) for app in apps]
    views = [open_modal_from_alert(drivers[0], user, sub) for user in users]
    bodies = [payloads.view_submission(user_id=users[i % len(users)], view=dict(views[i % len(users)]),
                                       state_values=state_values(views[i % len(users)], {ids.PAY_WITH_ACTION: card}),
                                       trigger_id=fake_slack.issue_trigger_id(users[i % len(users)]))
              for i in range(n)]  # fmt: skip
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(drivers[i % len(drivers)].requester.send, body) for i, body in enumerate(bodies)]
        return [f.result().status for f in futures]


def test_fifty_saves_over_three_processes_on_postgresql_pay_each_stripe_invoice_once(fake_slack, fake_stripe, pg_url):
    from tests.e2e.conftest import prepare_database
    from tests.e2e.harness import base_env, cli

    prepare_database(pg_url)
    env = with_stripe(base_env(pg_url, fake_slack.url), fake_stripe)
    made = customer_with_cards(fake_stripe)
    linked_and_alerted(env, made)
    cli(env, "admins", "add", "--account", made["customer"]["id"], "--user", ZH, "--role", "billing_admin")
    invoices, sub = [i["id"] for i in made["invoices"]], made["subscription"]["id"]
    db = Inspector(pg_url)
    apps = [AppProcess(env).start() for _ in range(3)]
    try:
        statuses = storm(fake_slack, apps, [GA, BA, ZH], sub, card_id_for(made["owned"]["id"]), 50)
        assert statuses == [200] * 50
        wait_until(lambda: local_status(db, invoices) == {InvoiceStatus.PAID}, timeout=60)
        time.sleep(3.0)  # any straggling Save would have reached Stripe by now
        with db.uow() as uow:
            attempts = uow.attempts.for_subscription(sub)
    finally:
        for app in apps:
            app.stop()
        db.close()
    assert successful_pays(fake_stripe) == Counter({invoice: 1 for invoice in invoices})
    assert sorted(p.invoice for p in fake_stripe.payments) == sorted(invoices)
    assert [a.outcome.value for a in attempts] == ["succeeded"]
    keys = {r.idempotency_key for r in fake_stripe.requests_to("invoices.pay")}
    assert keys == {f"{attempts[0].idempotency_key}:{i}" for i in invoices}  # only one attempt reached Stripe
    assert all("Traceback" not in app.log for app in apps)
    record("exactly one invoices.pay per invoice (Stripe, PostgreSQL)", requests=50, processes=3, faults=0,
           charges=len(fake_stripe.payments))  # fmt: skip


def test_killed_between_invoices_pay_and_the_commit_is_completed_from_stripe_on_restart(
    fake_slack, fake_stripe, env, db
):
    env = with_stripe(env, fake_stripe)
    made = customer_with_cards(fake_stripe)
    linked_and_alerted(env, made)
    invoices, sub, card = [i["id"] for i in made["invoices"]], made["subscription"]["id"], made["other"]["id"]
    doomed = AppProcess({**env, "SETTLEBOT_TEST_MODE": "1", "FAULT_INJECTION": "kill_after_charge"}).start()
    slack = SlackDriver(fake_slack, SlackRequester(doomed.url, SIGNING_SECRET))
    modal = open_modal_from_alert(slack, BA, sub)
    slack.submit(BA, modal["id"], {ids.PAY_WITH_ACTION: card_id_for(card)})
    wait_until(lambda: doomed.returncode == -9, timeout=20)
    assert sorted(p.invoice for p in fake_stripe.payments) == sorted(invoices)  # Stripe was paid...
    assert local_status(db, invoices) == {InvoiceStatus.OPEN}  # ...but settlebot never committed it
    with db.uow() as uow:
        assert [a.outcome.value for a in uow.attempts.pending()] == ["pending"]

    with AppProcess(env, "serve", "--port", "0") as restarted:  # its scheduler reconciles at start
        wait_until(lambda: local_status(db, invoices) == {InvoiceStatus.PAID}, timeout=20)
        wait_until(lambda: fake_stripe.get(sub)["default_payment_method"] == card, timeout=10)
    assert "Traceback" not in restarted.log, restarted.log
    assert successful_pays(fake_stripe) == Counter({invoice: 1 for invoice in invoices})  # never paid twice
    assert len(fake_stripe.payments) == 2
    assert any(r.replayed for r in fake_stripe.requests_to("invoices.pay"))  # read back under the same keys
    with db.uow() as uow:
        assert uow.attempts.pending() == [] and uow.payments.last_for(sub) is not None
    record("SIGKILL between invoices.pay and commit, then restart (Stripe, SQLite): completed from Stripe",
           requests=1, processes=2, faults=1, charges=len(fake_stripe.payments))  # fmt: skip
