"""Token rotation: a bot token that expires soon is refreshed before use, once per workspace
however many processes need it at the same moment (a refresh token works once)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from sandbox.fake_slack import FakeSlack
from storage.db import make_engine, upgrade
from storage.slack_tables import BOTS, INSTALLATIONS, OAUTH_STATES
from tests.e2e.conftest import prepare_database
from tests.e2e.harness import ROOT, AppProcess, wait_until
from tests.e2e.installing import install, installed
from tests.storage.conftest import PG_URL, POSTGRES

SOON = 600.0  # seconds: well inside the two hours before expiry in which a token is refreshed


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=POSTGRES)])
def rotation_env(
    request: pytest.FixtureRequest, env: dict[str, str], fake_slack: FakeSlack
) -> Iterator[dict[str, str]]:
    url = env["DATABASE_URL"]
    if request.param == "postgresql":
        url = PG_URL
        prepare_database(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            for table in (BOTS, INSTALLATIONS, OAUTH_STATES):
                conn.execute(delete(table))
        engine.dispose()
    fake_slack.add_team("T0ALPHA001", "Alpha Co")
    oauth = fake_slack.oauth
    yield {**{k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}, "DATABASE_URL": url,
           "SLACK_CLIENT_ID": oauth.client_id, "SLACK_CLIENT_SECRET": oauth.client_secret}  # fmt: skip


def test_three_processes_needing_a_refresh_at_once_refresh_once(
    fake_slack: FakeSlack, rotation_env: dict[str, str]
) -> None:
    fake_slack.oauth.token_lifetime = SOON
    with AppProcess(rotation_env) as app:
        install(app.url, fake_slack, "T0ALPHA001")
    fake_slack.oauth.token_lifetime = 43200.0  # the refreshed token lives 12 hours
    workspaces = installed(rotation_env["DATABASE_URL"], fake_slack)
    stale = workspaces.store.find_bot(enterprise_id=None, team_id="T0ALPHA001")
    assert stale is not None and fake_slack.oauth.refresh_grants == 0
    start_at = time.time() + 4.0  # all three ask at this moment
    children = [
        subprocess.Popen([sys.executable, "-m", "tests.e2e.refresh_child", "T0ALPHA001", str(start_at)],
                         env=rotation_env, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]  # fmt: skip
    outcomes = [child.communicate(timeout=60) for child in children]
    assert all(child.returncode == 0 for child in children), outcomes
    tokens = {out.strip() for out, _ in outcomes}
    assert fake_slack.oauth.refresh_grants == 1
    (token,) = tokens
    assert token != stale.bot_token and fake_slack.oauth.check(token).expires_at is not None
    assert workspaces.bot("T0ALPHA001").bot_token == token  # stored for every later process
    assert not any("Traceback" in err for _, err in outcomes)


def test_a_refresh_slack_refuses_means_the_workspace_is_gone(
    fake_slack: FakeSlack, rotation_env: dict[str, str]
) -> None:
    from handlers.workspaces import WorkspaceGone

    fake_slack.oauth.token_lifetime = SOON
    with AppProcess(rotation_env) as app:
        install(app.url, fake_slack, "T0ALPHA001")
    fake_slack.oauth.uninstall("T0ALPHA001")  # its events never arrived
    workspaces = installed(rotation_env["DATABASE_URL"], fake_slack)
    for _ in range(2):
        with pytest.raises(WorkspaceGone):
            workspaces.client_for("T0ALPHA001")
    assert fake_slack.oauth.refresh_grants == 0


def test_the_scheduler_refreshes_a_token_before_it_expires_with_no_request(
    fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'no-billing-data.db'}"  # nothing to alert: only the refresh job works
    upgrade(url)
    fake_slack.add_team("T0ALPHA001", "Alpha Co")
    quiet = {**{k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}, "DATABASE_URL": url,
             "SLACK_CLIENT_ID": fake_slack.oauth.client_id, "SLACK_CLIENT_SECRET": fake_slack.oauth.client_secret}
    fake_slack.oauth.token_lifetime = SOON
    with AppProcess(quiet) as app:  # --no-scheduler
        install(app.url, fake_slack, "T0ALPHA001")
    stale = installed(url, fake_slack).store.find_bot(enterprise_id=None, team_id="T0ALPHA001")
    assert stale is not None and fake_slack.oauth.refresh_grants == 0
    with AppProcess(quiet, "serve", "--port", "0") as scheduled:  # the scheduler on; no request sent to it
        wait_until(lambda: fake_slack.oauth.refresh_grants == 1, timeout=30)
        assert "Traceback" not in scheduled.log
    fresh = installed(url, fake_slack).store.find_bot(enterprise_id=None, team_id="T0ALPHA001")
    assert fresh is not None and fresh.bot_token != stale.bot_token
