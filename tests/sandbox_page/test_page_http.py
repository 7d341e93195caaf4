"""The sandbox page over HTTP (no browser): loopback only, actions from the page only, the fake
Web API mounted under /api/, regions sent only when they change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.test import Client

from bot.quickstart import LocalSandbox
from bot.settings import load_settings
from sandbox.page.frame import REGIONS
from sandbox.page.mrkdwn import IMAGES
from tests.sandbox_page.ui import BA, NOBODY

BASE = "http://127.0.0.1:3000/"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSandbox]:
    box = LocalSandbox(load_settings(), database=tmp_path_factory.mktemp("page") / "sandbox.db", page_port=0)
    box.start()
    yield box
    box.stop()
    assert box.fake.problems == []


@pytest.fixture
def client(running: LocalSandbox) -> Client:
    return Client(running.page)


def act(client: Client, body: object, **headers: str) -> tuple[int, dict]:
    response = client.post("/act", data=json.dumps(body), content_type="application/json",
                           headers=headers, base_url=BASE)  # fmt: skip
    return response.status_code, response.get_json()


def test_the_page_answers_on_loopback_names_only(client: Client) -> None:
    assert client.get("/", base_url=BASE).status_code == 200
    assert client.get("/", base_url="http://localhost:3000/").status_code == 200
    assert client.get("/", base_url="http://attacker.example/").status_code == 421


def test_actions_are_json_from_this_page_only(client: Client) -> None:
    form = client.post("/act", data={"user": BA, "kind": "home"}, base_url=BASE)
    assert form.status_code == 403
    status, _ = act(client, {"user": BA, "kind": "home"}, Origin="http://attacker.example")
    assert status == 403
    assert client.get("/act", base_url=BASE).status_code == 405
    status, body = act(client, {"user": BA, "kind": "home"}, Origin="http://127.0.0.1:3000")
    assert (status, body["ok"]) == (200, True)


@pytest.mark.parametrize("body", [
    {"user": "U0STRANGER", "kind": "home"}, {"user": BA, "kind": "delete_everything"},
    {"user": BA, "kind": "scan", "days": "7"}, {"user": BA, "kind": "submit", "view_id": "V0NOSUCH"},
    {"user": BA, "kind": "click", "action_id": "settle_open", "container": {"kind": "view", "view_id": "../x"}},
    ["not", "an", "object"],
])  # fmt: skip
def test_anything_a_slack_client_could_not_send_is_refused(client: Client, body: object) -> None:
    status, answer = act(client, body)
    assert status == 400 and answer["ok"] is False


def test_an_unknown_slash_command_gets_slacks_answer(client: Client) -> None:
    status, body = act(client, {"user": NOBODY, "kind": "slash", "text": "/pay everything", "pane": "channel"})
    assert status == 200 and not body["ok"] and "/pay is not a valid command" in body["message"]


def test_regions_the_page_already_shows_are_not_sent_again(client: Client) -> None:
    first = client.get(f"/frame?user={BA}", base_url=BASE).get_json()["regions"]
    assert set(first) == set(REGIONS) and all("html" in part for part in first.values())
    known = ",".join(f"{name}:{part['sig']}" for name, part in first.items())
    again = client.get(f"/frame?user={BA}&known={known}", base_url=BASE).get_json()["regions"]
    assert all("html" not in part for part in again.values())


def test_the_fake_slack_web_api_is_served_under_api_with_a_bot_token_per_workspace(
    client: Client, running: LocalSandbox
) -> None:
    installed = running.runtime.services.installed
    tokens = {w.team_id: installed.bot(w.team_id).bot_token for w in running.workspaces}
    assert len(set(tokens.values())) == 2  # each workspace installed the app through "Add to Slack"
    for team_id, token in tokens.items():
        answer = client.post("/api/auth.test", headers={"Authorization": f"Bearer {token}"}).get_json()
        assert answer["ok"] and answer["user_id"] == running.fake.identity.bot_user_id
        assert answer["team_id"] == team_id
    assert client.post("/api/auth.test").get_json()["error"] == "not_authed"
    running.fake.reset()  # that refusal was the point; forget it


def test_static_files_come_from_the_static_folder_only(client: Client) -> None:
    assert client.get("/static/sandbox.js", base_url=BASE).status_code == 200
    assert client.get("/static/../app.py", base_url=BASE).status_code == 404
    for name in IMAGES:
        response = client.get(f"/static/emoji-{name}.svg", base_url=BASE)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_the_app_links_to_its_own_loopback_address_and_the_sandbox_keeps_its_own_database(
    running: LocalSandbox,
) -> None:
    settings = running.runtime.settings
    assert settings.public_url == running.runtime.url and settings.host == "127.0.0.1"
    assert settings.database_url == f"sqlite:///{running.database}" and Path(running.database).exists()
    assert settings.api_url == running.url + "api/"
