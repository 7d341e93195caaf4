"""End-to-end fixtures: a fake Slack over HTTP, and the real settlebot as a child process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo import DEMO_USERS, demo_data
from domain.importing import import_billing_data
from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.fake_stripe.fake_stripe import TEST_WEBHOOK_SECRET, FakeStripe
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
    cli,
)  # fmt: skip
from tests.stripe.conftest import past_due

POSTED_WITHIN = 10.0  # seconds from a Stripe event to its effect in Slack (about 1 s on a quiet machine)
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


# -- Stripe as the billing backend (the fake Stripe over HTTP) ---------------------------------


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    """The fake Stripe over HTTP, for every Stripe end-to-end test."""
    with FakeStripe(seed=41) as running:
        yield running


@pytest.fixture
def stripe_env(env: dict[str, str], fake_stripe: FakeStripe) -> dict[str, str]:
    return {**env, "BILLING_BACKEND": "stripe", "STRIPE_API_KEY": fake_stripe.api_key,
            "STRIPE_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET, "STRIPE_API_BASE": fake_stripe.url,
            "STRIPE_SYNC_INTERVAL_SECONDS": "3600"}  # fmt: skip


@pytest.fixture
def one_invoice(stripe_env: dict[str, str], fake_stripe: FakeStripe) -> dict[str, Any]:
    """A linked Stripe customer whose subscription has one open invoice (one attempt so far), synced."""
    account = past_due(fake_stripe, invoices=1, amount=4250)
    customer = account["customer"]["id"]
    cli(stripe_env, "link", customer, "--channel", BILLING_CHANNEL)
    cli(stripe_env, "sync")
    return account


@pytest.fixture
def stripe_app(stripe_env: dict[str, str], fake_stripe: FakeStripe) -> Iterator[AppProcess]:
    with AppProcess(stripe_env) as process:
        fake_stripe.add_webhook(process.url + "/stripe/webhook")
        yield process
        assert "Traceback" not in process.log, process.log
