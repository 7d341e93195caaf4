"""PostgreSQL stopped and started under a running app: clean refusals, then back without a restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.driver import SlackDriver
from sandbox.signing import SlackRequester
from tests.e2e.conftest import prepare_database
from tests.e2e.harness import SIGNING_SECRET, AppProcess, Inspector, base_env, shown_view, wait_until
from tests.e2e.test_settle_flow import BA
from tests.multiprocess.throwaway_pg import ThrowawayPostgres
from tests.reporting import record

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres() -> Iterator[ThrowawayPostgres]:
    try:
        server = ThrowawayPostgres()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"no PostgreSQL server binaries here: {exc}")
    server.start()
    yield server
    server.destroy()


def test_requests_during_an_outage_are_refused_cleanly_and_work_resumes_after(fake_slack, postgres):
    prepare_database(postgres.url)
    env = base_env(postgres.url, fake_slack.url)
    with AppProcess(env) as app:
        slack = SlackDriver(fake_slack, SlackRequester(app.url, SIGNING_SECRET))
        slack.slash(BA, "Microsoft 365 E3")
        modal = wait_until(lambda: shown_view(fake_slack, BA))
        postgres.stop()
        answers = [slack.slash(BA).status, slack.submit(BA, modal["id"]).status, slack.open_home(BA).status]
        assert all(status < 500 or status == 503 for status in answers), answers
        assert app.returncode is None and "Traceback" not in app.log  # no crash, no stack dump
        assert "database is unavailable" in app.log
        postgres.start()
        wait_until(lambda: slack.slash(BA).status == 200, timeout=15)
        slack.slash(BA, "Microsoft 365 E3")
        modal = wait_until(lambda: (v := shown_view(fake_slack, BA)) and v["id"] != modal["id"] and v)
        slack.submit(BA, modal["id"])
        inspector = Inspector(postgres.url)
        wait_until(lambda: "sub_m365_e3" not in inspector.open_balances(), timeout=15)
        assert len(inspector.charges()) == 1
        with inspector.uow() as uow:
            assert uow.attempts.pending() == []
        inspector.close()
    record("PostgreSQL stopped and restarted under load", requests=len(answers) + 4, processes=1, faults=1,
           charges=1)  # fmt: skip
