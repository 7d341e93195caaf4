"""A process killed between the gateway's charge and the commit: the next start completes it."""

from __future__ import annotations

import json
import re
import time

import pytest

from sandbox.driver import SlackDriver
from sandbox.signing import SlackRequester
from tests.e2e.harness import SIGNING_SECRET, AppProcess, cli, shown_view, wait_until
from tests.e2e.test_settle_flow import BA, alerts
from tests.reporting import record

pytestmark = pytest.mark.slow


def settled_alert_updates(fake, ts: str) -> int:
    return sum(1 for c in fake.calls_to("chat.update", ok=True)
               if c.params.get("ts") == ts and "settle_open" not in json.dumps(c.params.get("blocks")))  # fmt: skip


def receipts_to(fake, user: str) -> list[str]:
    """The direct messages ``user`` got (their blocks as text)."""
    return [json.dumps(c.params.get("blocks")) for c in fake.calls_to("chat.postMessage", ok=True)
            if c.params.get("channel") == user]  # fmt: skip


def test_sigkill_after_the_charge_is_completed_on_restart_without_a_second_charge(fake_slack, env, db):
    cli(env, "scan")
    alert_ts = alerts(SlackDriver(fake_slack, None))["sub_m365_e3"]["ts"]  # type: ignore[arg-type]
    doomed = AppProcess({**env, "SETTLEBOT_TEST_MODE": "1", "FAULT_INJECTION": "kill_after_charge"}).start()
    slack = SlackDriver(fake_slack, SlackRequester(doomed.url, SIGNING_SECRET))
    slack.slash(BA, "Microsoft 365 E3")
    modal = wait_until(lambda: shown_view(fake_slack, BA))
    slack.submit(BA, modal["id"])
    wait_until(lambda: doomed.returncode == -9, timeout=15)
    assert [c["outcome"] for c in db.charges()] == ["succeeded"]  # the processor charged...
    assert "sub_m365_e3" in db.open_balances()  # ...but the app never committed it
    with db.uow() as uow:
        assert [a.outcome.value for a in uow.attempts.pending()] == ["pending"]
    restarted_at = time.monotonic()
    with AppProcess(env, "serve", "--port", "0"):  # default settings, with its scheduler: reconciles at start
        wait_until(lambda: "sub_m365_e3" not in db.open_balances(), timeout=10)
        wait_until(lambda: settled_alert_updates(fake_slack, alert_ts) == 1, timeout=10)
        wait_until(lambda: receipts_to(fake_slack, BA), timeout=10)
        recovered_in = time.monotonic() - restarted_at
    assert recovered_in < 10, f"recovered {recovered_in:.1f} s after the restart"
    assert len(receipts_to(fake_slack, BA)) == 1 and "$129.99" in receipts_to(fake_slack, BA)[0]
    assert len(db.charges()) == 1
    with db.uow() as uow:
        assert uow.attempts.pending() == []
        assert uow.payments.last_for("sub_m365_e3") is not None
    record("SIGKILL between charge and commit, then restart (SQLite): paid, alert updated, payer told < 10 s",
           requests=1, processes=2, faults=1, charges=1)  # fmt: skip
    print(f"recovered {recovered_in:.1f} s after the restart")


def test_a_lost_gateway_answer_is_retried_under_the_same_key(fake_slack, env, db):
    with AppProcess({**env, "SETTLEBOT_TEST_MODE": "1", "FAULT_INJECTION": "gateway_timeout_after_charge"}) as app:
        slack = SlackDriver(fake_slack, SlackRequester(app.url, SIGNING_SECRET))
        slack.slash(BA, "Microsoft 365 E3")
        modal = wait_until(lambda: shown_view(fake_slack, BA))
        slack.submit(BA, modal["id"])
        wait_until(lambda: "sub_m365_e3" not in db.open_balances(), timeout=15)
        assert re.search(r"answer for settle:[0-9a-f]{32}:sub_m365_e3:", app.log)  # the first answer was lost...
    (charge,) = db.charges()  # ...and the retry under the same key did not charge again
    with db.uow() as uow:
        (attempt,) = uow.attempts.for_subscription("sub_m365_e3")
    assert charge["idempotency_key"] == attempt.idempotency_key and attempt.outcome.value == "succeeded"
    record("gateway answer lost, retried with the same key (SQLite)", requests=1, processes=1, faults=1, charges=1)
