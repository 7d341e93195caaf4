"""Bolt's authorization in installation mode: a workspace's lookup is reused briefly, never past
its token's refresh point, and forgotten at once when the workspace is removed or reinstalled."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import event

from bot.installed import CACHE_SECONDS, InstalledAuthorize, InstalledWorkspaces
from handlers.workspaces import RunClients
from storage.db import make_engine, upgrade


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def workspaces(tmp_path) -> InstalledWorkspaces:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    return InstalledWorkspaces("1.2", "secret", make_engine(url), lambda token: WebClient(token=token))


def installed(workspaces: InstalledWorkspaces, team: str, token: str, expires_in: int | None = None) -> None:
    workspaces.store.save(Installation(app_id="A1", team_id=team, team_name=team, bot_token=token, bot_id="B1",
                                       bot_user_id="U0BOT", user_id="U1", bot_scopes="chat:write",
                                       bot_refresh_token="xoxe-1-r" if expires_in else None,
                                       bot_token_expires_in=expires_in, installed_at=time.time()))  # fmt: skip


def token(authorize: InstalledAuthorize, team: str) -> str | None:
    found = authorize(context={}, enterprise_id=None, team_id=team, user_id="U1")
    return None if found is None else found.bot_token


def test_a_lookup_is_reused_for_a_while_then_read_again(workspaces: InstalledWorkspaces) -> None:
    clock = Clock()
    authorize = InstalledAuthorize(workspaces, clock)
    installed(workspaces, "T1", "xoxb-old")
    assert token(authorize, "T1") == "xoxb-old"
    installed(workspaces, "T1", "xoxb-new")  # saved by another process: this one does not know yet
    assert token(authorize, "T1") == "xoxb-old"
    clock.now += CACHE_SECONDS
    assert token(authorize, "T1") == "xoxb-new"


def test_removing_a_workspace_is_seen_at_once(workspaces: InstalledWorkspaces) -> None:
    authorize = InstalledAuthorize(workspaces, Clock())
    installed(workspaces, "T1", "xoxb-1")
    installed(workspaces, "T2", "xoxb-2")
    assert token(authorize, "T1") == "xoxb-1" and token(authorize, "T2") == "xoxb-2"
    workspaces.forget("T1", None, "app_uninstalled")
    assert token(authorize, "T1") is None and token(authorize, "T2") == "xoxb-2"


class CountingWorkspaces:
    """Hands out one bot (expiring or not) and counts the lookups."""

    def __init__(self, bot: Bot) -> None:
        self.found, self.lookups, self.changed = bot, 0, []

    def bot(self, team_id: str | None, enterprise_id: str | None = None) -> Bot:
        self.lookups += 1
        return self.found


def a_bot(expires_in: int | None) -> Bot:
    return Bot(app_id="A1", team_id="T1", bot_token="xoxb-1", bot_id="B1", bot_user_id="U0BOT", bot_scopes="chat:write",
               bot_refresh_token="xoxe-1-r", bot_token_expires_in=expires_in, installed_at=time.time())  # fmt: skip


@pytest.mark.parametrize(("expires_in", "lookups"), [(600, 2), (12 * 3600, 1), (None, 1)])
def test_a_token_due_for_refresh_is_never_reused(expires_in: int | None, lookups: int) -> None:
    workspaces = CountingWorkspaces(a_bot(expires_in))  # 600 s: within the two hours before expiry
    authorize = InstalledAuthorize(workspaces, Clock())  # type: ignore[arg-type]
    assert token(authorize, "T1") == token(authorize, "T1") == "xoxb-1"
    assert workspaces.lookups == lookups


def test_a_run_reads_every_workspaces_installation_in_one_query_and_asks_alone_for_those_due_for_refresh(
    workspaces: InstalledWorkspaces,
) -> None:  # fmt: skip
    installed(workspaces, "T1", "xoxb-1")
    installed(workspaces, "T2", "xoxb-2")
    installed(workspaces, "T2", "xoxb-2-newer")  # the latest installation of a workspace wins, as for one lookup
    installed(workspaces, "T3", "xoxb-3", expires_in=60)  # due for a refresh: left to client_for
    statements: list[str] = []
    event.listen(workspaces._engine, "before_cursor_execute", lambda *args: statements.append(args[2][:6]))

    listed = workspaces.clients_by_workspace()

    assert statements.count("SELECT") == 1
    assert {key: make().token for key, make in listed.items()} == {("T1", None): "xoxb-1", ("T2", None): "xoxb-2-newer"}
    assert all(workspaces.client_for(team).token == client().token for (team, _), client in listed.items())
    run = RunClients(workspaces)
    statements.clear()
    assert [run.client_for(team).token for team in ("T1", "T2", "T1")] == ["xoxb-1", "xoxb-2-newer", "xoxb-1"]
    assert statements.count("SELECT") == 1
