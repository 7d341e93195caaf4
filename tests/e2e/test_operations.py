"""Operating the real app: GET /metrics after a real flow (read with prometheus_client's own
parser), JSON logs whose ids follow a Save from its request to the gateway call, and GET /readyz."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sandbox.driver import SlackDriver
from sandbox.signing import SlackRequester
from tests.e2e.harness import BOT_TOKEN, SIGNING_SECRET, AppProcess, wait_until
from tests.e2e.test_modal_options import _with_text
from tests.e2e.test_settle_flow import BA, _settled_alert, _view_with, alerts, open_modal_from_alert

FORM = "application/x-www-form-urlencoded"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def scrape(app_url: str) -> Samples:
    status, headers, text = get(f"{app_url}/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version="), (status, text)
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples that carry ``labels`` (0 when there is none)."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= set(have))


@pytest.fixture
def served(env: dict[str, str], tmp_path: Path) -> Iterator[AppProcess]:
    """settlebot with its scheduler (it scans at start), metrics in a directory of the test's."""
    metrics_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    with AppProcess(metrics_env, "serve", "--port", "0") as app:
        yield app
        assert "Traceback" not in app.log, app.log


def _save(slack: SlackDriver, user: str, subscription_id: str, shows: str) -> Any:
    modal = open_modal_from_alert(slack, user, subscription_id)
    response = slack.submit(user, modal["id"])
    assert response.status == 200
    wait_until(lambda: _with_text(slack, modal["id"], shows), timeout=20)
    return response


def _settle_one_declined_and_one_paid(slack: SlackDriver) -> None:
    wait_until(lambda: len(alerts(slack)) == 4, timeout=30)
    _save(slack, BA, "sub_power_bi", "insufficient")  # card_declines: insufficient funds
    _save(slack, BA, "sub_m365_e3", "Paid")
    wait_until(lambda: _settled_alert(slack, "sub_m365_e3"), timeout=20)


def test_metrics_count_the_scan_the_clicks_the_saves_and_slack_calls_of_a_real_flow(fake_slack, served):
    fake_slack.fail_next(1, "http_429", method="chat.postMessage", retry_after=1)  # the first alert's post
    slack = SlackDriver(fake_slack, SlackRequester(served.url, SIGNING_SECRET))
    _settle_one_declined_and_one_paid(slack)
    refused = SlackRequester(served.url, "not-the-signing-secret").post(b"payload=%7B%7D", FORM)
    assert refused.status == 401
    m = wait_until(lambda: (s := scrape(served.url)) and value(s, "settlebot_jobs_total", task="settle_submission") == 2
                   and s, timeout=10)  # fmt: skip

    assert value(m, "settlebot_scan_claims_total", kind="alert") == 4
    assert value(m, "settlebot_scan_seconds_count") == 1
    assert value(m, "settlebot_scheduler_leader") == 1
    assert value(m, "settlebot_deliveries_total", kind="posted") == 4
    assert value(m, "settlebot_slack_retries_total", method="chat.postMessage", reason="429") == 1
    assert value(m, "settlebot_slack_calls_total", method="chat.postMessage", error="ok") == 4
    assert value(m, "settlebot_slack_calls_total", method="views.open", error="ok") == 2
    assert value(m, "settlebot_requests_total", kind="block_actions", outcome="ok") == 2
    assert value(m, "settlebot_requests_total", kind="view_submission", outcome="ok") == 2
    assert value(m, "settlebot_requests_total", kind="unknown", outcome="unauthorized") == 1
    assert value(m, "settlebot_ack_seconds_count", kind="view_submission") == 2
    assert value(m, "settlebot_ack_seconds_bucket", kind="view_submission", le="3.0") == 2
    assert value(m, "settlebot_settlements_total", outcome="declined", reason="insufficient_funds") == 1
    assert value(m, "settlebot_settlements_total", outcome="succeeded") == 1
    assert value(m, "settlebot_settlements_total") == 2
    assert value(m, "settlebot_gateway_seconds_count", operation="pay") == 2
    assert value(m, "settlebot_gateway_errors_total") == 0
    assert value(m, "settlebot_jobs_total", task="settle_submission", outcome="ok") == 2
    assert value(m, "settlebot_jobs_total", task="open_clicked", outcome="ok") == 2
    assert value(m, "settlebot_job_wait_seconds_count", priority="now") == 2
    assert value(m, "settlebot_job_seconds_count", priority="later") == 2
    assert value(m, "settlebot_job_queue_depth") == 0
    assert value(m, "settlebot_database_up") == 1
    assert value(m, "settlebot_outbox_backlog", kind="alert") == 0  # the settled alert's update went out
    assert value(m, "settlebot_pending_settlements") == 0


def test_json_logs_follow_one_save_from_its_request_through_the_worker_to_the_gateway(fake_slack, env):
    with AppProcess({**env, "LOG_FORMAT": "json"}, "serve", "--port", "0") as app:
        slack = SlackDriver(fake_slack, SlackRequester(app.url, SIGNING_SECRET))
        wait_until(lambda: len(alerts(slack)) == 4, timeout=30)
        modal = open_modal_from_alert(slack, BA, "sub_m365_e3")
        saved = slack.submit(BA, modal["id"])
        wait_until(lambda: _view_with(slack, modal["id"], "Paid"), timeout=20)
        wait_until(lambda: '"settlement succeeded' in app.log)
        output = app.log
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    request_id = saved.headers["X-Request-Id"]
    mine = [line for line in lines if line.get("request_id") == request_id]
    charge = next(line for line in mine if line["message"].startswith("gateway payment"))
    settled = next(line for line in mine if line["message"].startswith("settlement succeeded"))
    assert charge["subscription_id"] == settled["subscription_id"] == "sub_m365_e3"
    assert charge["job_id"] == settled["job_id"] and settled["attempt_id"]
    assert charge["pid"] != app.pid  # it crossed to the worker process
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output


def test_readyz_answers_503_with_the_reason_while_the_worker_is_down_and_healthz_stays_200(env):
    from tests.multiprocess.test_worker_restart import workers_of

    with AppProcess(env) as app:
        ready = wait_until(lambda: (r := get(f"{app.url}/readyz")) and r[0] == 200 and r, timeout=30)
        assert json.loads(ready[2]) == {"ready": True}
        (worker,) = workers_of(app.pid)
        os.kill(worker, 9)
        _, _, body = wait_until(lambda: (r := get(f"{app.url}/readyz")) and r[0] == 503 and r, timeout=10)
        assert json.loads(body)["ready"] is False
        assert any("settlebot-worker-0" in reason for reason in json.loads(body)["reasons"]), body
        assert get(f"{app.url}/healthz")[0] == 200  # alive all the same: nothing to restart
        wait_until(lambda: get(f"{app.url}/readyz")[0] == 200, timeout=30)  # its replacement is up

