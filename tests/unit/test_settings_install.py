"""Installation mode's settings: SLACK_CLIENT_ID switches it on; the secret is never shown."""

import pytest

from bot.bootstrap import build_services
from bot.installed import InstalledWorkspaces
from bot.settings import DEFAULT_SCOPES, ConfigError, load_settings
from handlers.workspaces import SingleWorkspace


def test_a_client_id_switches_on_installation_mode_with_the_manifests_scopes() -> None:
    settings = load_settings(slack_client_id="1.2", slack_client_secret="s3cret", _env_file=None)
    assert settings.installs and settings.scopes == DEFAULT_SCOPES.split(",")
    assert not load_settings(_env_file=None).installs


def test_slacks_authorize_page_is_beside_its_web_api() -> None:
    assert load_settings(_env_file=None).authorize_url == "https://slack.com/oauth/v2/authorize"
    fake = load_settings(slack_api_url="http://127.0.0.1:5000/api", _env_file=None)
    assert fake.authorize_url == "http://127.0.0.1:5000/oauth/v2/authorize"


def test_malformed_scopes_stop_start_up_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"^SLACK_SCOPES"):
        load_settings(slack_scopes="chat:write, DROP TABLE", _env_file=None)


def test_installation_mode_needs_its_secret_and_never_shows_it(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    missing = load_settings(slack_client_id="1.2", database_url=url, _env_file=None)
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET is not set"):
        build_services(missing)
    settings = load_settings(slack_client_id="1.2", slack_client_secret="s3cret-value", database_url=url,
                             _env_file=None)  # fmt: skip
    assert "s3cret-value" not in repr(settings) and "s3cret-value" not in str(settings)
    services = build_services(settings)
    assert isinstance(services.clients, InstalledWorkspaces) and services.client is not None
    assert services.client.token is None  # no single token: each workspace's own
    services.close()


def test_one_token_mode_serves_its_one_workspace(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    settings = load_settings(slack_bot_token="xoxb-1", slack_team_id="T0ONE", database_url=url, _env_file=None)
    services = build_services(settings)
    assert isinstance(services.clients, SingleWorkspace)
    assert services.clients.client_for("T0ANY") is services.client
    assert [(w.team_id, w.enterprise_id) for w in services.clients.workspaces()] == [("T0ONE", None)]
    services.close()
