"""The acknowledgement never waits on the payment gateway."""

from __future__ import annotations

import json
import time

from sandbox.driver import SlackDriver
from sandbox.signing import SlackRequester
from tests.e2e.harness import SIGNING_SECRET, AppProcess, shown_view, wait_until
from tests.e2e.test_settle_flow import BA


def test_a_save_is_acknowledged_at_once_while_a_5_second_gateway_charges(fake_slack, env, db):
    with AppProcess({**env, "GATEWAY_LATENCY_MS": "5000"}) as app:
        slack = SlackDriver(fake_slack, SlackRequester(app.url, SIGNING_SECRET))
        slack.slash(BA, "Microsoft 365 E3")
        modal = wait_until(lambda: shown_view(fake_slack, BA))
        started = time.monotonic()
        response = slack.submit(BA, modal["id"])
        acked = time.monotonic() - started
        assert response.status == 200 and acked < 3.0
        processing = fake_slack.view(modal["id"])
        assert "Charging" in json.dumps(processing) and "submit" not in processing
        assert db.charges() == []
        done = wait_until(lambda: "Paid" in json.dumps(fake_slack.view(modal["id"])), timeout=15)
        assert done and time.monotonic() - started >= 5.0
        assert [c["outcome"] for c in db.charges()] == ["succeeded"]
