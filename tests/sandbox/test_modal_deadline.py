"""A modal opens within its trigger id's 3 seconds, or the person is told to click again."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk import WebClient

from handlers.ids import LOADING_MODAL
from handlers.modal_flow import TRIGGER_BUDGET, open_modal
from handlers.people import Locales
from sandbox.clock import ManualClock
from sandbox.fake_slack import FakeSlack
from tests.sandbox.conftest import ALICE, CHANNEL


class Jobs:
    def __init__(self) -> None:
        self.submitted: list[Any] = []

    def submit(self, job: Any) -> None:
        self.submitted.append(job)


@pytest.fixture
def clock(manual_clock: ManualClock) -> ManualClock:
    return manual_clock


def deps_for(client: WebClient) -> Any:
    return SimpleNamespace(client=client, client_for=lambda actor: client, locales=Locales(client), jobs=Jobs())


def test_in_time_a_loading_modal_opens_and_a_job_fills_it(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel(CHANNEL)
    deps = deps_for(client)
    open_modal(deps, None, ALICE, "sub_1", fake.issue_trigger_id(ALICE), CHANNEL, time.time())
    assert fake.current_view(ALICE)["callback_id"] == LOADING_MODAL
    (job,) = deps.jobs.submitted
    assert job.task.endswith("fill_modal") and job.args[-1] == fake.current_view(ALICE)["id"]
    assert fake.problems == []


def test_a_job_that_comes_too_late_tells_the_person_to_click_again(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel(CHANNEL)
    deps = deps_for(client)
    open_modal(deps, None, ALICE, "sub_1", fake.issue_trigger_id(ALICE), CHANNEL, time.time() - TRIGGER_BUDGET - 1)
    assert fake.calls_to("views.open") == [] and deps.jobs.submitted == []
    (note,) = fake.ephemerals(ALICE)
    assert "click" in note["text"].lower() and "again" in note["text"].lower()


def test_a_trigger_that_slack_finds_expired_gets_the_same_note(
    fake: FakeSlack, client: WebClient, manual_clock: ManualClock
) -> None:
    fake.add_channel(CHANNEL)
    deps = deps_for(client)
    trigger = fake.issue_trigger_id(ALICE)
    manual_clock.advance(4)  # Slack's clock: the trigger id is 4 s old when views.open arrives
    open_modal(deps, None, ALICE, "sub_1", trigger, CHANNEL, time.time())
    assert [c.error for c in fake.calls_to("views.open")] == ["expired_trigger_id"]
    assert fake.current_view(ALICE) is None and deps.jobs.submitted == []
    (note,) = fake.ephemerals(ALICE)
    assert "again" in note["text"].lower()
    fake.reset()  # the refused views.open was the point of this test
