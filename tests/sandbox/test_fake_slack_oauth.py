"""The fake's "Add to Slack": code exchange, token rotation (a refresh token works once), an
identity per token, revocation, checked by slack_sdk's own client over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from werkzeug.test import Client

from sandbox.fake_slack import FakeSlack
from tests.e2e.conftest import SPEC


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    running = FakeSlack(spec_path=str(SPEC) if SPEC.exists() else None)
    running.add_team("T0ALPHA001", "Alpha Co")
    running.add_team("T0BRAVO002", "Bravo Inc")
    with running:
        yield running
        assert running.problems == []


def approved_code(fake: FakeSlack, team: str, redirect: str = "https://app.example/slack/oauth_redirect") -> str:
    query = urlencode({"client_id": fake.oauth.client_id, "scope": "chat:write", "state": "st-1",
                       "redirect_uri": redirect, "team": team})  # fmt: skip
    answer = Client(fake.wsgi_app).get(f"/oauth/v2/authorize?{query}")
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    args = parse_qs(location.query)
    assert location.path == "/slack/oauth_redirect" and args["state"] == ["st-1"]
    return args["code"][0]


def exchange(fake: FakeSlack, **args: str) -> dict:
    client = WebClient(base_url=fake.url)
    return client.oauth_v2_access(client_id=fake.oauth.client_id, client_secret=fake.oauth.client_secret, **args).data


def test_a_code_is_exchanged_once_for_a_token_of_the_approving_team(fake: FakeSlack) -> None:
    code = approved_code(fake, "T0BRAVO002")
    answer = exchange(fake, code=code, redirect_uri="https://app.example/slack/oauth_redirect")
    assert answer["team"] == {"id": "T0BRAVO002", "name": "Bravo Inc"} and answer["token_type"] == "bot"
    assert answer["expires_in"] == 43200 and answer["refresh_token"].startswith("xoxe-1-")
    identity = WebClient(base_url=fake.url, token=answer["access_token"]).auth_test()
    assert identity["team_id"] == "T0BRAVO002"
    with pytest.raises(SlackApiError, match="invalid_code"):
        exchange(fake, code=code)


def test_the_wrong_client_secret_is_refused(fake: FakeSlack) -> None:
    code = approved_code(fake, "T0ALPHA001")
    with pytest.raises(SlackApiError, match="bad_client_secret"):
        WebClient(base_url=fake.url).oauth_v2_access(client_id=fake.oauth.client_id, client_secret="guess", code=code)


def test_a_refresh_token_works_once(fake: FakeSlack) -> None:
    first = exchange(fake, code=approved_code(fake, "T0ALPHA001"))
    renewed = exchange(fake, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert renewed["access_token"] != first["access_token"] and fake.oauth.refresh_grants == 1
    with pytest.raises(SlackApiError, match="invalid_refresh_token"):
        exchange(fake, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert fake.oauth.refresh_grants == 1


def test_an_expired_or_revoked_token_is_refused_with_slacks_error(fake: FakeSlack) -> None:
    fake.oauth.token_lifetime = 0.0
    expired = exchange(fake, code=approved_code(fake, "T0ALPHA001"))["access_token"]
    with pytest.raises(SlackApiError, match="token_expired"):
        WebClient(base_url=fake.url, token=expired).auth_test()
    fake.oauth.token_lifetime = 60.0
    token = exchange(fake, code=approved_code(fake, "T0ALPHA001"))["access_token"]
    client = WebClient(base_url=fake.url, token=token)
    assert client.auth_revoke()["revoked"] is True
    with pytest.raises(SlackApiError, match="token_revoked"):
        client.auth_test()


def test_each_call_records_its_token(fake: FakeSlack) -> None:
    token = exchange(fake, code=approved_code(fake, "T0ALPHA001"))["access_token"]
    WebClient(base_url=fake.url, token=token).auth_test()
    assert [c.method for c in fake.calls_with_token("auth.test", token)] == ["auth.test"]
