"""Metrics, log ids and JSON log lines, without a server: the scrape's access rule, what a JSON
line may hold, the ids a job carries, the instrumented gateway, and the shared directory."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.logs import JsonFormatter
from bot.metrics_http import MetricsEndpoint, request_kind
from domain.errors import InvalidInput
from domain.money import Money
from domain.ports import ChargeLine, ChargeResult, GatewayUnreachable, TokenizedCard
from handlers.work import Job, job, run_job, task
from payments.sandbox import MemoryLedger, SandboxGateway
from storage.db import make_engine, upgrade
from telemetry import context
from telemetry.gateway import InstrumentedGateway
from telemetry.metrics import metrics
from telemetry.multiproc import _dead_pids, _join

ROOT = Path(__file__).parents[2]
TOKEN = "t0ken-for-scrapers"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    url = f"sqlite:///{tmp_path_factory.mktemp('metrics') / 'settlebot.db'}"
    upgrade(url)
    return make_engine(url)


def _scrape(endpoint: MetricsEndpoint, remote: str, authorization: str | None = None) -> tuple[int, str]:
    environ = {"REQUEST_METHOD": "GET", "REMOTE_ADDR": remote}
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    response = endpoint(environ)
    return response.status_code, response.get_data(as_text=True)


def test_loopback_scrapes_without_a_token(engine: Engine) -> None:
    for remote in ("127.0.0.1", "::1"):
        status, text = _scrape(MetricsEndpoint(engine, TOKEN), remote)
        assert status == 200 and "settlebot_database_up 1.0" in text and "settlebot_outbox_backlog" in text


def test_a_scrape_from_elsewhere_needs_the_bearer_token(engine: Engine) -> None:
    endpoint = MetricsEndpoint(engine, TOKEN)
    assert _scrape(endpoint, "10.1.2.3")[0] == 401
    assert _scrape(endpoint, "10.1.2.3", f"Bearer {TOKEN}x")[0] == 401
    assert _scrape(endpoint, "10.1.2.3", TOKEN)[0] == 401
    assert _scrape(endpoint, "10.1.2.3", f"Bearer {TOKEN}")[0] == 200


def test_without_a_token_setting_only_loopback_may_scrape(engine: Engine) -> None:
    endpoint = MetricsEndpoint(engine, None)
    assert _scrape(endpoint, "192.168.0.9")[0] == 403
    assert _scrape(endpoint, "192.168.0.9", "Bearer ")[0] == 403
    assert _scrape(endpoint, "not an address")[0] == 403


def test_the_database_gauges_say_it_is_down_instead_of_failing_the_scrape(tmp_path: Path) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    status, text = _scrape(MetricsEndpoint(broken, None), "127.0.0.1")
    assert status == 200 and "settlebot_database_up 0.0" in text and "settlebot_outbox_backlog" not in text


def test_request_kinds_are_a_few_fixed_words_never_request_text() -> None:
    assert request_kind({"command": "/settle", "text": "anything"}) == "slash_command"
    assert request_kind({"type": "view_submission"}) == "view_submission"
    assert request_kind({"type": "event_callback", "event": {"type": "app_home_opened"}}) == "event"
    assert request_kind({"type": "<script>"}) == "unknown"
    assert request_kind(None) == "unknown"


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.getLogger("settlebot.test").makeRecord("settlebot.test", logging.INFO, __file__, 1, message,
                                                            args, None, extra=extra)  # fmt: skip
    return record


def test_a_json_line_holds_the_message_and_bound_ids_and_no_extra_fields() -> None:
    with context.bind(request_id="abc123", subscription_id="sub_1"):
        line = JsonFormatter().format(_record("charged %s", "sub_1", token="tok_visa", body="4242424242424242"))
    entry = json.loads(line)
    assert set(entry) == {"time", "level", "logger", "pid", "message", "request_id", "subscription_id"}
    assert entry["message"] == "charged sub_1" and entry["level"] == "INFO" and entry["time"].endswith("+00:00")
    assert "tok_visa" not in line and "4242" not in line


def test_only_known_id_names_and_id_shaped_values_can_be_bound() -> None:
    with pytest.raises(ValueError):
        context.annotate(token="xoxb-1")
    with context.bind(subscription_id="4242 4242 4242 4242", request_id="r1"):  # not an id: dropped
        assert context.current() == {"request_id": "r1"}
    assert context.current() == {}


SEEN: list[dict[str, str]] = []


@task
def _remember_ids(deps: object) -> None:
    SEEN.append(context.current())


def test_a_job_carries_its_submitters_ids_and_gets_a_job_id_of_its_own() -> None:
    with context.bind(request_id="req1", subscription_id="sub_9"):
        work = job(_remember_ids)
    assert context.current() == {}
    before = metrics().registry.get_sample_value("settlebot_jobs_total", {"task": "_remember_ids", "outcome": "ok"})
    run_job(None, work)  # type: ignore[arg-type]  # as a worker would, in another thread or process
    (seen,) = SEEN[-1:]
    assert seen["request_id"] == "req1" and seen["subscription_id"] == "sub_9" and seen["job_id"]
    after = metrics().registry.get_sample_value("settlebot_jobs_total", {"task": "_remember_ids", "outcome": "ok"})
    assert (after or 0) - (before or 0) == 1
    assert isinstance(work, Job) and work.submitted_at > 0


class _Silent:
    def pay(self, *, idempotency_key: str, token: str, lines: tuple[ChargeLine, ...]) -> ChargeResult:
        raise GatewayUnreachable("no answer")

    def find_payment(self, idempotency_key: str, lines: tuple[ChargeLine, ...], *, token: str | None) -> None:
        return None

    def tokenize(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> TokenizedCard:
        raise InvalidInput("card_number_invalid", field="number")


def _sample(name: str, **labels: str) -> float:
    return metrics().registry.get_sample_value(name, labels) or 0.0


def test_the_gateway_counts_calls_and_errors_but_not_refused_card_details() -> None:
    errors, calls = _sample("settlebot_gateway_errors_total", operation="pay", error="GatewayUnreachable"), \
        _sample("settlebot_gateway_seconds_count", operation="pay")  # fmt: skip
    gateway = InstrumentedGateway(_Silent())
    with pytest.raises(GatewayUnreachable):
        gateway.pay(idempotency_key="k1", token="tok_visa", lines=(ChargeLine("inv_1", Money(Decimal("1.00"), "USD")),))
    with pytest.raises(InvalidInput):
        gateway.tokenize(number="1234", exp_month=1, exp_year=2040, cvc="123")
    assert _sample("settlebot_gateway_errors_total", operation="pay", error="GatewayUnreachable") == errors + 1
    assert _sample("settlebot_gateway_seconds_count", operation="pay") == calls + 1
    assert _sample("settlebot_gateway_errors_total", operation="tokenize", error="InvalidInput") == 0
    ok = InstrumentedGateway(SandboxGateway(MemoryLedger()))
    lines = (ChargeLine("inv_2", Money(Decimal("2.00"), "USD")),)
    assert ok.pay(idempotency_key="k2", token="tok_visa", lines=lines).reference


def test_the_first_process_on_the_directory_wipes_it_and_later_ones_join(tmp_path: Path) -> None:
    (tmp_path / "counter_1.db").write_bytes(b"old run")
    first = _join(tmp_path)
    assert not (tmp_path / "counter_1.db").exists()  # nobody was using it: wiped
    (tmp_path / "counter_2.db").write_bytes(b"the first process's counts")
    second = _join(tmp_path)
    assert (tmp_path / "counter_2.db").exists()  # the first one still runs: kept
    first.close()
    second.close()
    (tmp_path / "counter_3.db").write_bytes(b"x")
    _join(tmp_path).close()
    assert not (tmp_path / "counter_3.db").exists()


def test_live_gauges_of_processes_that_are_gone_are_found(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = int(done.stdout)
    for pid in (os.getpid(), gone):
        (tmp_path / f"gauge_livesum_{pid}.db").write_bytes(b"")
    (tmp_path / f"counter_{gone}.db").write_bytes(b"")  # counters of the dead still count
    assert _dead_pids(tmp_path) == {gone}


def test_no_module_loads_prometheus_client_at_import_so_the_server_can_choose_its_mode_first() -> None:
    code = ("import sys, bot.cli, bot.commands, bot.runtime, bot.web, bot.workers, bot.scheduler, "
            "handlers.register, telemetry.metrics, telemetry.slack, telemetry.gateway; "
            "print('prometheus_client' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
