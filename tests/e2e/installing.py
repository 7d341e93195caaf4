"""Installing the app into fake Slack teams through the real "Add to Slack" flow
(``sandbox.installing``), checking each step as a test should."""

from __future__ import annotations

import json

from slack_sdk import WebClient

from bot.installed import InstalledWorkspaces
from sandbox import installing as flow
from sandbox.fake_slack import FakeSlack
from sandbox.installing import Answer, Redirect, finish, get
from sandbox.signing import SlackRequester
from storage.db import make_engine
from tests.e2e.harness import SIGNING_SECRET


def approve(app_url: str, fake: FakeSlack, team_id: str) -> Redirect:
    """Open the install page, press "Add to Slack", approve as ``team_id``'s admin."""
    redirect = flow.approve(app_url, team_id)
    assert redirect.authorize_url.startswith(fake.url.removesuffix("api/") + "oauth/v2/authorize?")
    return redirect


def install(app_url: str, fake: FakeSlack, team_id: str) -> Answer:
    answer = finish(app_url, approve(app_url, fake, team_id))
    assert answer.status == 200, answer.body
    return answer


def installed(database_url: str, fake: FakeSlack) -> InstalledWorkspaces:
    """The installations as the app reads them (the same class), in the test's process."""
    return InstalledWorkspaces(fake.oauth.client_id, fake.oauth.client_secret, make_engine(database_url),
                               lambda token: WebClient(base_url=fake.url, token=token))  # fmt: skip


def send_events(app_url: str, events: list[dict[str, object]]) -> None:
    requester = SlackRequester(app_url, SIGNING_SECRET)
    for event in events:
        assert requester.post(json.dumps(event).encode(), "application/json").status == 200


__all__ = ["Answer", "Redirect", "approve", "finish", "get", "install", "installed", "send_events"]
