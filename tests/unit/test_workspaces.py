"""The workspace a request came from, read from Slack's genuine payloads (org-wide installs too),
and the one-token mode's ``SingleWorkspace``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient

from domain.tenancy import Tenant
from handlers import payloads
from handlers.workspaces import SingleWorkspace, Workspace
from sandbox.fake_slack import FakeSlack

CORPUS = Path(__file__).parents[1] / "corpus"


def corpus_body(name: str) -> dict[str, Any]:
    """A body of the in-house corpus (tests/corpus), as Bolt parses it."""
    entry = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    raw = entry["body"]
    fields = raw if isinstance(raw, dict) else dict(parse_qsl(raw, keep_blank_values=True))
    payload = fields.get("payload")
    if payload is None:
        return dict(fields)
    return json.loads(payload) if isinstance(payload, str) else dict(payload)


@pytest.mark.parametrize("unassigned", [True, False])
def test_a_click_from_an_org_wide_install_acts_in_the_users_workspace_of_its_org(unassigned: bool) -> None:
    body = corpus_body("view_submission_org_wide_team_null.json")
    org = body["enterprise"]["id"]
    assert body["team"] is None and body["is_enterprise_install"] is True
    body["user"] = {k: v for k, v in body["user"].items() if k != "team_id"}  # no workspace named at all
    body["view"] = {k: v for k, v in body["view"].items() if k != "app_installed_team_id"}
    assert payloads.tenant(body, unassigned=unassigned) == Tenant(None, org, unassigned)
    body["user"] = {**body["user"], "team_id": "T0WS00001"}  # the user's own workspace in the org
    assert payloads.tenant(body, unassigned=unassigned) == Tenant("T0WS00001", org, unassigned)


def test_a_slash_command_acts_in_its_team_and_enterprise() -> None:
    body = corpus_body("slash_command_enterprise.json")
    actor = payloads.command(body, unassigned=False).user_id
    assert actor == body["user_id"] and actor.tenant == Tenant(body["team_id"], body["enterprise_id"])


def test_a_workspace_id_that_is_not_one_is_not_believed() -> None:
    body = {"team": {"id": "T0GOOD001"}, "enterprise": {"id": "not an org"}}
    assert payloads.tenant(body, unassigned=False) == Tenant("T0GOOD001", None)


def test_the_one_token_mode_gives_its_client_to_every_workspace_and_names_its_own() -> None:
    with FakeSlack(token="xoxb-one") as fake:
        client = WebClient(token="xoxb-one", base_url=fake.url)
        single = SingleWorkspace(client)
        assert single.client_for("T0ANY0001") is client and single.client_for(None, "E0ORG0001") is client
        assert single.workspaces() == [Workspace(fake.identity.team_id, None, fake.identity.team_name)]
        assert SingleWorkspace(client, "T0SET0001").workspaces()[0].team_id == "T0SET0001"
