"""An uninstall (or a revoked bot token) stops posting to the workspace, leaving alerts in the
outbox; a start-up whose auth.test succeeds clears it and the alerts go out."""

from __future__ import annotations

import json

from sandbox.fake_slack import FakeSlack
from sandbox.signing import SlackRequester
from storage.installation import InstallationRecord
from tests.e2e.harness import SIGNING_SECRET, AppProcess, Inspector, cli, wait_until

UNINSTALLED = {"token": "x", "team_id": "T0SETTLE01", "api_app_id": "A0SETTLE01", "type": "event_callback",
               "event": {"type": "app_uninstalled"}, "event_id": "Ev0UNINST1", "event_time": 1700000000}  # fmt: skip


def test_an_uninstalled_workspace_gets_no_posts_until_a_start_up_confirms_the_token(
    env: dict[str, str], db: Inspector, fake_slack: FakeSlack, app: AppProcess
) -> None:
    answer = SlackRequester(app.url, SIGNING_SECRET).post(json.dumps(UNINSTALLED).encode(), "application/json")
    assert answer.status == 200
    record = InstallationRecord(db.engine)
    gone = wait_until(record.gone)
    assert gone.reason == "app_uninstalled" and gone.team_id == "T0SETTLE01"
    cli(env, "scan")
    assert fake_slack.calls_to("chat.postMessage") == []  # the alerts wait in the outbox
    with AppProcess({**env, "DELIVERY_INTERVAL_SECONDS": "1"}, "serve", "--port", "0") as restarted:  # scheduler on
        wait_until(lambda: fake_slack.calls_to("chat.postMessage", True), timeout=30)
        assert record.gone() is None and "Traceback" not in restarted.log
