"""Fixtures for the fake Slack's own tests: a started fake and a WebClient pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from sandbox.clock import Clock, ManualClock, system_clock
from sandbox.fake_slack import FakeSlack

SPEC_PATH = Path("/work/shared/slack-api/slack_web_openapi_v2.json")
FIXTURES = Path(__file__).parent / "fixtures"
ALICE = "U0ALICE001"
BORIS = "U0BORIS001"
CHANNEL = "C0ALERTS01"


@pytest.fixture
def clock() -> Clock:
    """The wall clock; modules that move time override this with a `ManualClock`."""
    return system_clock


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeSlack]:
    spec = str(SPEC_PATH) if SPEC_PATH.exists() else None
    with FakeSlack(spec_path=spec, clock=clock) as running:
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.url, token="xoxb-test")


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()
