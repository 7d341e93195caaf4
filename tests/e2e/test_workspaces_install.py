"""Installation mode through the real app: "Add to Slack" into three teams through the real
redirect flow, each served with its own bot token; state checked; one uninstalled, the others
untouched; a reinstall with new scopes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.demo import demo_data
from domain.importing import import_billing_data
from handlers.workspaces import WorkspaceGone
from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.signing import SlackRequester
from storage.installation import InstallationRecord
from tests.e2e.harness import BILLING_CHANNEL, SIGNING_SECRET, AppProcess, Inspector, cli, cli_json, wait_until
from tests.e2e.installing import approve, finish, get, install, installed, send_events

TEAMS = {"T0ALPHA001": "Alpha Co", "T0BRAVO002": "Bravo Inc", "T0CHARL003": "Charlie Ltd"}


@pytest.fixture
def install_env(env: dict[str, str], fake_slack: FakeSlack) -> dict[str, str]:
    for team_id, name in TEAMS.items():
        fake_slack.add_team(team_id, name)
    installing = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}  # no single token
    return {**installing, "SLACK_CLIENT_ID": fake_slack.oauth.client_id,
            "SLACK_CLIENT_SECRET": fake_slack.oauth.client_secret}  # fmt: skip


@pytest.fixture
def installing_app(install_env: dict[str, str]) -> Iterator[AppProcess]:
    with AppProcess(install_env) as process:
        yield process
        assert "Traceback" not in process.log, process.log
        assert install_env["SLACK_CLIENT_SECRET"] not in process.log
        assert "xoxb-" not in process.log and "xoxe-" not in process.log  # no token is logged


def test_three_workspaces_installed_through_the_redirect_each_post_with_their_own_token(
    fake_slack: FakeSlack, installing_app: AppProcess, database_url: str
) -> None:
    for team_id in TEAMS:
        page = install(installing_app.url, fake_slack, team_id)
        assert TEAMS[team_id] in page.body
    workspaces = installed(database_url, fake_slack)
    assert {(w.team_id, w.name) for w in workspaces.workspaces()} == set(TEAMS.items())
    for team_id in TEAMS:
        client = workspaces.client_for(team_id)
        assert client.auth_test()["team_id"] == team_id  # the fake answers with the token's own team
        client.chat_postMessage(channel=BILLING_CHANNEL, text=f"hello {team_id}")
    posts = fake_slack.calls_to("chat.postMessage", ok=True)
    teams_by_token = {fake_slack.oauth.tokens[c.token or ""].team.id: c.params["text"] for c in posts}
    assert teams_by_token == {team_id: f"hello {team_id}" for team_id in TEAMS}


def test_the_install_page_speaks_the_browsers_language(fake_slack: FakeSlack, installing_app: AppProcess) -> None:
    page = installing_app.url + "/slack/install"
    english, chinese = (get(page, language=lang) for lang in ("en-US", "zh-CN,zh;q=0.9"))
    assert "Add to Slack" in english.body and "添加到 Slack" in chinese.body
    assert english.headers["Cache-Control"] == "no-store"


def test_a_replayed_or_forged_state_installs_nothing(
    fake_slack: FakeSlack, installing_app: AppProcess, database_url: str
) -> None:
    redirect = approve(installing_app.url, fake_slack, "T0ALPHA001")
    forged = redirect.path_and_query.replace(f"state={redirect.cookie}", "state=forged-state")
    assert finish(installing_app.url, redirect.__class__(forged, "forged-state")).status == 401  # not issued
    assert finish(installing_app.url, redirect, cookie=None).status == 400  # not the browser that started
    assert installed(database_url, fake_slack).workspaces() == []
    assert finish(installing_app.url, redirect).status == 200
    replayed = finish(installing_app.url, redirect)
    assert replayed.status == 401 and "already used" in replayed.body
    assert [w.team_id for w in installed(database_url, fake_slack).workspaces()] == ["T0ALPHA001"]


def test_uninstalling_one_workspace_leaves_the_other_two_and_reinstalling_resumes_with_new_scopes(
    fake_slack: FakeSlack, install_env: dict[str, str], installing_app: AppProcess, database_url: str
) -> None:
    for team_id in TEAMS:
        install(installing_app.url, fake_slack, team_id)
    workspaces = installed(database_url, fake_slack)
    before = {team_id: workspaces.bot(team_id).bot_token for team_id in TEAMS}
    send_events(installing_app.url, fake_slack.uninstall("T0BRAVO002"))
    wait_until(lambda: "T0BRAVO002" not in {w.team_id for w in workspaces.workspaces()})
    with pytest.raises(WorkspaceGone):
        workspaces.client_for("T0BRAVO002")
    for team_id in ("T0ALPHA001", "T0CHARL003"):
        assert workspaces.bot(team_id).bot_token == before[team_id]
        assert workspaces.client_for(team_id).auth_test()["ok"]
    wider = {**install_env, "SLACK_SCOPES": install_env.get("SLACK_SCOPES", "") + "chat:write,commands,im:write,"
             "users:read,users:read.email,channels:read"}  # fmt: skip
    with AppProcess(wider) as again:  # the app as redeployed asking for more scopes
        install(again.url, fake_slack, "T0BRAVO002")
        assert "Traceback" not in again.log
    bravo = workspaces.bot("T0BRAVO002")
    assert bravo.bot_token != before["T0BRAVO002"] and "channels:read" in bravo.bot_scopes
    assert workspaces.client_for("T0BRAVO002").auth_test()["team_id"] == "T0BRAVO002"


def test_an_org_wide_install_serves_every_team_of_its_grid_org_until_uninstalled(
    fake_slack: FakeSlack, installing_app: AppProcess, database_url: str
) -> None:
    fake_slack.add_team("E0GRIDORG1", "Grid Org", "E0GRIDORG1", "Grid Org", org_wide=True)
    install(installing_app.url, fake_slack, "T0ALPHA001")
    assert "Grid Org" in install(installing_app.url, fake_slack, "E0GRIDORG1").body
    workspaces = installed(database_url, fake_slack)
    assert (None, "E0GRIDORG1", "Grid Org") in {(w.team_id, w.enterprise_id, w.name) for w in workspaces.workspaces()}
    org_token = workspaces.bot(None, "E0GRIDORG1").bot_token
    assert workspaces.client_for("T0ORGTEAM1", "E0GRIDORG1").token == org_token  # a team of the org
    answer = workspaces.client_for("T0ORGTEAM2", "E0GRIDORG1").auth_test()
    assert answer["enterprise_id"] == "E0GRIDORG1" and answer["is_enterprise_install"] is True
    send_events(installing_app.url, fake_slack.uninstall("E0GRIDORG1"))
    wait_until(lambda: [w.team_id for w in workspaces.workspaces()] == ["T0ALPHA001"])
    with pytest.raises(WorkspaceGone):
        workspaces.client_for("T0ORGTEAM1", "E0GRIDORG1")


def test_a_person_of_a_workspace_without_the_app_is_told_so_and_nothing_runs(
    fake_slack: FakeSlack, installing_app: AppProcess
) -> None:
    install(installing_app.url, fake_slack, "T0ALPHA001")
    driver = SlackDriver(fake_slack, SlackRequester(installing_app.url, SIGNING_SECRET))
    answer = driver.slash("U0ANYONE01")  # from the fake's default team, which never installed the app
    assert "no longer installed in this workspace" in answer.text
    assert fake_slack.calls_to("views.open") == [] and fake_slack.calls_to("chat.postMessage") == []


MALFORMED_REDIRECTS = [
    ("error=access_denied&state=x", 200),  # the admin pressed Cancel in Slack
    ("", 400),
    ("code=&state=", 400),
    ("code=abc&state=%00%ff" + "x" * 3000, 400),
    ("state=a&state=b&code=c&code=d", 400),
]


def test_a_malformed_redirect_installs_nothing_and_never_fails(
    fake_slack: FakeSlack, installing_app: AppProcess, database_url: str
) -> None:
    for query, status in MALFORMED_REDIRECTS:
        answer = get(f"{installing_app.url}/slack/oauth_redirect?{query}")
        assert answer.status == status and "settlebot was not installed" in answer.body, query
    assert installed(database_url, fake_slack).workspaces() == []


def test_an_uninstalled_workspaces_data_is_listed_as_kept_and_removed_by_the_operator_only(
    fake_slack: FakeSlack, install_env: dict[str, str], installing_app: AppProcess, database_url: str
) -> None:
    data = demo_data(dt.datetime.now(dt.UTC).date())
    for account, team_id in zip(data["accounts"], ("T0ALPHA001", "T0BRAVO002"), strict=True):
        account["team_id"] = team_id  # Contoso in Alpha, Fabrikam in Bravo
    db = Inspector(database_url)
    import_billing_data(db.uow(), data)
    install(installing_app.url, fake_slack, "T0ALPHA001")
    install(installing_app.url, fake_slack, "T0BRAVO002")
    send_events(installing_app.url, fake_slack.uninstall("T0BRAVO002"))
    workspaces = installed(database_url, fake_slack)
    wait_until(lambda: "T0BRAVO002" not in {w.team_id for w in workspaces.workspaces()})

    listed = {row["workspace"]: row for row in cli_json(install_env, "workspaces", "list")}
    assert (listed["T0ALPHA001"]["status"], listed["T0ALPHA001"]["name"]) == ("installed", "Alpha Co")
    assert (listed["T0BRAVO002"]["status"], listed["T0BRAVO002"]["accounts"]) == ("uninstalled, data kept", 1)
    refused = cli(install_env, "workspaces", "remove", "T0ALPHA001", "--yes", check=False)
    assert refused.returncode == 1 and "uninstall the app there first" in refused.stderr
    removed = cli(install_env, "workspaces", "remove", "T0BRAVO002", "--yes")
    assert "removed the billing data of T0BRAVO002: " in removed.stdout and "1 accounts" in removed.stdout

    with db.uow() as uow:
        assert uow.accounts.get("acc_fabrikam") is None and uow.subscriptions.get("sub_teams") is None
        assert uow.accounts.get("acc_contoso") is not None and uow.cards.get("card_visa") is not None
        assert len(uow.subscriptions.for_accounts(["acc_contoso"])) == 4
    listed_after = {row["workspace"] for row in cli_json(install_env, "workspaces", "list")}
    assert listed_after == {"T0ALPHA001"}
    assert workspaces.client_for("T0ALPHA001").auth_test()["team_id"] == "T0ALPHA001"  # still installed
    db.close()


def test_a_record_of_an_uninstall_left_by_one_token_mode_never_pauses_installation_mode(
    fake_slack: FakeSlack, install_env: dict[str, str], installing_app: AppProcess, database_url: str
) -> None:
    db = Inspector(database_url)
    InstallationRecord(db.engine).mark_gone("T0OLDTEAM1", "app_uninstalled", dt.datetime.now(dt.UTC))
    data = demo_data(dt.datetime.now(dt.UTC).date())
    for account in data["accounts"]:
        account["team_id"] = "T0ALPHA001"
    import_billing_data(db.uow(), data)
    install(installing_app.url, fake_slack, "T0ALPHA001")
    cli(install_env, "scan")
    posts = fake_slack.calls_to("chat.postMessage", ok=True)
    assert posts and {fake_slack.oauth.tokens[c.token or ""].team.id for c in posts} == {"T0ALPHA001"}
    db.close()
