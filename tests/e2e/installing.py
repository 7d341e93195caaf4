"""Installing the app into fake Slack teams through the real "Add to Slack" flow, as a browser
would: the install page (its state cookie), Slack's authorize page, the redirect back."""

from __future__ import annotations

import html
import http.client
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from slack_sdk import WebClient

from bot.installed import InstalledWorkspaces
from sandbox.fake_slack import FakeSlack
from sandbox.signing import SlackRequester
from storage.db import make_engine
from tests.e2e.harness import SIGNING_SECRET

COOKIE = "slack-app-oauth-state"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str


def get(url: str, cookie: str | None = None, language: str | None = None) -> Answer:
    """One GET, redirects not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    if language:
        headers["Accept-Language"] = language
    connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
    response = connection.getresponse()
    answer = Answer(response.status, response.headers, response.read().decode())
    connection.close()
    return answer


@dataclass(frozen=True)
class Redirect:
    """Slack's redirect back to the app, and the state cookie the browser holds."""

    path_and_query: str
    cookie: str


def approve(app_url: str, fake: FakeSlack, team_id: str) -> Redirect:
    """Open the install page, press "Add to Slack", approve as ``team_id``'s admin."""
    page = get(f"{app_url}/slack/install?team={team_id}")
    assert page.status == 200, page.body
    cookie = re.search(COOKIE + r"=([^;]+)", page.headers["Set-Cookie"])
    button = re.search(r'id="add-to-slack" href="([^"]+)"', page.body)
    assert cookie and button, page.body
    authorize = html.unescape(button.group(1))
    assert authorize.startswith(fake.url.removesuffix("api/") + "oauth/v2/authorize?")
    slack = get(authorize)
    assert slack.status == 302, slack.body
    location = urlsplit(slack.headers["Location"])
    return Redirect(f"{location.path}?{location.query}", cookie.group(1))


def finish(app_url: str, redirect: Redirect, cookie: str | None = "same") -> Answer:
    return get(app_url + redirect.path_and_query, redirect.cookie if cookie == "same" else cookie)


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
