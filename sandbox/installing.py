"""Installing the app into a fake Slack team through the real "Add to Slack" flow, as a browser
would: the app's install page (its state cookie), Slack's authorize page, the redirect back.
Used by the end-to-end tests and by the local sandbox (``make run``) alike."""

from __future__ import annotations

import html
import http.client
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

COOKIE = "slack-app-oauth-state"


class InstallFailed(RuntimeError):
    """A step of the flow did not answer as Slack and the app should."""


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
    authorize_url: str = ""  # the "Add to Slack" button's link


def approve(app_url: str, team_id: str) -> Redirect:
    """Open the install page, press "Add to Slack", approve as ``team_id``'s admin."""
    page = get(f"{app_url}/slack/install?team={team_id}")
    cookie = re.search(COOKIE + r"=([^;]+)", page.headers.get("Set-Cookie") or "")
    button = re.search(r'id="add-to-slack" href="([^"]+)"', page.body)
    if page.status != 200 or not (cookie and button):
        raise InstallFailed(f"the install page answered {page.status}")
    authorize = html.unescape(button.group(1))
    slack = get(authorize)
    if slack.status != 302:
        raise InstallFailed(f"Slack's authorize page answered {slack.status}: {slack.body[:200]}")
    location = urlsplit(slack.headers["Location"])
    return Redirect(f"{location.path}?{location.query}", cookie.group(1), authorize)


def finish(app_url: str, redirect: Redirect, cookie: str | None = "same") -> Answer:
    return get(app_url + redirect.path_and_query, redirect.cookie if cookie == "same" else cookie)


def install(app_url: str, team_id: str) -> Answer:
    """The whole flow; the app's "installed" page."""
    answer = finish(app_url, approve(app_url, team_id))
    if answer.status != 200:
        raise InstallFailed(f"the app's redirect page answered {answer.status}")
    return answer
