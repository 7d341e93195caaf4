"""GET /readyz against a PostgreSQL server that stops and starts: 503 with the reason while it is
down, 200 again once it is back (without a restart); /healthz stays a liveness check."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import prepare_database
from tests.e2e.harness import AppProcess, base_env, wait_until
from tests.e2e.test_operations import get, scrape, value
from tests.multiprocess.test_database_outage import postgres  # noqa: F401  (a server of the test's own)
from tests.multiprocess.throwaway_pg import ThrowawayPostgres

pytestmark = pytest.mark.slow


def test_readyz_is_503_while_the_database_is_down_and_200_once_it_is_back(
    fake_slack, postgres: ThrowawayPostgres,  # noqa: F811  (the fixture imported above)
) -> None:
    prepare_database(postgres.url)
    with AppProcess(base_env(postgres.url, fake_slack.url)) as app:
        wait_until(lambda: get(f"{app.url}/readyz")[0] == 200, timeout=30)
        postgres.stop()
        status, _, body = get(f"{app.url}/readyz")
        assert status == 503 and json.loads(body)["ready"] is False
        assert any(reason.startswith("database unavailable") for reason in json.loads(body)["reasons"]), body
        assert get(f"{app.url}/healthz")[0] == 200
        assert value(scrape(app.url), "settlebot_database_up") == 0  # the scrape itself still answers
        postgres.start()
        wait_until(lambda: get(f"{app.url}/readyz")[0] == 200, timeout=15)
        assert value(scrape(app.url), "settlebot_database_up") == 1
        assert app.returncode is None and "Traceback" not in app.log
