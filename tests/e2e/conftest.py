"""End-to-end fixtures: a fake Slack over HTTP, and the real settlebot as a child process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo import DEMO_USERS, demo_data
from domain.importing import import_billing_data
from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.signing import SlackRequester
from storage.db import upgrade
from tests.e2e.harness import (
    BILLING_CHANNEL,
    BOT_TOKEN,
    ROOT,
    SIGNING_SECRET,
    AppProcess,
    Inspector,
    base_env,
)  # fmt: skip

SPEC = ROOT.parent / "shared" / "slack-api" / "slack_web_openapi_v2.json"


def slack_users() -> dict[str, dict[str, str]]:
    return {uid: {"real_name": name, "locale": locale} for uid, (name, locale) in DEMO_USERS.items()}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(spec_path=str(SPEC) if SPEC.exists() else None, users=slack_users(), token=BOT_TOKEN)
    fake.add_channel(BILLING_CHANNEL, "billing")
    with fake:
        yield fake
        assert fake.problems == [], "calls real Slack would have refused: " + "; ".join(map(str, fake.problems))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'settlebot.db'}"


@pytest.fixture
def env(database_url: str, fake_slack: FakeSlack) -> dict[str, str]:
    """The app's environment, with the database migrated and the demo data loaded (in-process)."""
    prepare_database(database_url)
    return base_env(database_url, fake_slack.url)


def prepare_database(url: str) -> None:
    """Migrate and load the demo data, in-process (faster than two CLI runs)."""
    upgrade(url)
    inspector = Inspector(url)
    import_billing_data(inspector.uow(), demo_data(dt.datetime.now(dt.UTC).date()))
    inspector.close()


@pytest.fixture
def db(env: dict[str, str], database_url: str) -> Iterator[Inspector]:
    inspector = Inspector(database_url)
    yield inspector
    inspector.close()


@pytest.fixture
def app(env: dict[str, str]) -> Iterator[AppProcess]:
    with AppProcess(env) as process:
        yield process
        assert "Traceback" not in process.log, process.log


@pytest.fixture
def slack(fake_slack: FakeSlack, app: AppProcess) -> SlackDriver:
    return SlackDriver(fake_slack, SlackRequester(app.url, SIGNING_SECRET))
