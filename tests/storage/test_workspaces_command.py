"""``settlebot workspaces list|remove`` on SQLite and PostgreSQL: installed workspaces from the
installation store, uninstalled ones from their accounts; a removal asks first, refuses an
installed workspace and prints what it removed and kept. No token is ever printed."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from collections.abc import Iterator

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot import cli
from bot.demo import demo_data
from domain.importing import import_billing_data
from installations.stores import installation_store
from tests.e2e.harness import Inspector, base_env

CLIENT_ID = "111.222"
TOKEN = "xoxb-secret-of-alpha"


@pytest.fixture
def known(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inspector]:
    """Alpha installed (rotating token) with the demo's Contoso; Bravo uninstalled with Fabrikam."""
    db = Inspector(db_url)
    data = demo_data(dt.datetime.now(dt.UTC).date())
    for acc, team in zip(data["accounts"], ("T0ALPHA001", "T0BRAVO002"), strict=True):
        acc["team_id"] = team
    import_billing_data(db.uow(), data)
    installation_store(CLIENT_ID, db.engine).save(Installation(
        app_id="A0APP", enterprise_id=None, team_id="T0ALPHA001", team_name="Alpha Co", bot_token=TOKEN,
        bot_id="B0ALPHA", bot_user_id="U0BOT", bot_scopes="chat:write,commands", bot_refresh_token="xoxe-1-alpha",
        bot_token_expires_at=int(time.time()) + 3600, user_id="U0INSTALL",
    ))  # fmt: skip
    env = base_env(db_url, "http://127.0.0.1:9/api/", SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET="shh")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    yield db
    db.close()


def test_list_shows_installed_and_uninstalled_workspaces_with_their_accounts(known, capsys) -> None:
    assert cli.main(["workspaces", "list", "--json"]) == 0
    rows = {r["workspace"]: r for r in json.loads(capsys.readouterr().out)}
    alpha, bravo = rows["T0ALPHA001"], rows["T0BRAVO002"]
    assert (alpha["status"], alpha["name"], alpha["accounts"], alpha["scopes"]) == (
        "installed", "Alpha Co", 1, ["chat:write", "commands"])  # fmt: skip
    assert alpha["past_due_subscriptions"] == 3 and alpha["token_expires_at"] and alpha["installed_at"]
    assert (bravo["status"], bravo["accounts"], bravo["past_due_subscriptions"]) == ("uninstalled, data kept", 1, 1)
    assert cli.main(["workspaces", "list"]) == 0
    text = capsys.readouterr().out
    header, *lines = text.splitlines()
    assert header.split()[:3] == ["WORKSPACE", "ENTERPRISE", "NAME"] and len(lines) == 2
    assert "uninstalled, data kept" in text and TOKEN not in text and "xoxe-" not in text


def test_remove_refuses_an_installed_workspace(known, capsys) -> None:
    assert cli.main(["workspaces", "remove", "T0ALPHA001", "--yes"]) == 1
    assert "still installed: uninstall the app there first" in capsys.readouterr().err
    with known.uow() as uow:
        assert uow.accounts.get("acc_contoso") is not None


def test_remove_asks_first_and_does_nothing_without_a_yes(known, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    assert cli.main(["workspaces", "remove", "T0BRAVO002"]) == 1
    assert "nothing removed" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert cli.main(["workspaces", "remove", "T0BRAVO002"]) == 0
    out = capsys.readouterr().out
    assert "removed the billing data of T0BRAVO002: " in out and "1 accounts" in out and "2 subscriptions" in out
    assert "kept (the money trail, detached from any account): 0 settlement attempts, 0 payments" in out
    with known.uow() as uow:
        assert uow.accounts.get("acc_fabrikam") is None and uow.accounts.get("acc_contoso") is not None


def test_remove_in_one_token_mode_is_refused(known, capsys, monkeypatch) -> None:
    monkeypatch.delenv("SLACK_CLIENT_ID")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-one")
    assert cli.main(["workspaces", "remove", "T0BRAVO002", "--yes"]) == 1
    assert "needs installation mode" in capsys.readouterr().err
    assert cli.main(["workspaces", "list", "--json"]) == 0
    assert {r["status"] for r in json.loads(capsys.readouterr().out)} == {"one-token mode"}
