import json
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).parents[2]
SCHEMA = ROOT.parent / "shared" / "slack-api" / "manifest-schema" / "manifest.schema.1.0.0.json"


def manifest() -> dict:
    return yaml.safe_load((ROOT / "app_manifest.yml").read_text())


def test_the_manifest_is_valid_against_slacks_schema():
    if not SCHEMA.exists():
        import pytest

        pytest.skip("Slack's manifest schema is not beside the project")
    jsonschema.validate(manifest(), json.loads(SCHEMA.read_text()))


def test_the_manifest_declares_what_the_app_uses():
    m = manifest()
    assert [c["command"] for c in m["features"]["slash_commands"]] == ["/settle"]
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    events = m["settings"]["event_subscriptions"]["bot_events"]
    assert events == ["app_home_opened", "app_uninstalled", "tokens_revoked"]
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is False  # distributed apps use HTTP mode
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "users:read", "users:read.email", "im:write"} <= scopes


def test_the_manifest_is_ready_for_distribution():
    from bot.settings import DEFAULT_SCOPES

    m = manifest()
    assert m["oauth_config"]["redirect_urls"] == ["https://settlebot.example.com/slack/oauth_redirect"]
    assert m["settings"]["token_rotation_enabled"] is True
    assert m["settings"]["org_deploy_enabled"] is True  # org-wide installs on Enterprise Grid
    assert sorted(m["oauth_config"]["scopes"]["bot"]) == DEFAULT_SCOPES.split(",")  # SLACK_SCOPES' default
    urls = {m["settings"]["event_subscriptions"]["request_url"], m["settings"]["interactivity"]["request_url"]}
    assert urls == {"https://settlebot.example.com/slack/events"}
