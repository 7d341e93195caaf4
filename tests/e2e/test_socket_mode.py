"""``settlebot socket`` end to end: the whole flow over Socket Mode, envelopes acked within 3 s,
and a Save that survives a refreshed or dropped connection, charged once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox import payloads
from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.inputs import state_values
from sandbox.socket_requester import SocketModeRequester
from tests.e2e.conftest import SPEC, prepare_database, slack_users
from tests.e2e.harness import BILLING_CHANNEL, BOT_TOKEN, shown_view, wait_until
from tests.e2e.socket_harness import APP_TOKEN, SocketAppProcess, late_or_unacked, socket_driver, socket_env
from tests.e2e.test_settle_flow import BA, GA, _settled_alert, _view_with, open_modal_from_alert, scan


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(spec_path=str(SPEC) if SPEC.exists() else None, users=slack_users(), token=BOT_TOKEN,
                     app_token=APP_TOKEN)  # fmt: skip
    fake.add_channel(BILLING_CHANNEL, "billing")
    with fake:
        yield fake
        assert fake.problems == [], "what real Slack would have refused: " + "; ".join(map(str, fake.problems))


@pytest.fixture
def env(database_url: str, fake_slack: FakeSlack) -> dict[str, str]:
    prepare_database(database_url)
    return socket_env(database_url, fake_slack)


@pytest.fixture
def app(env: dict[str, str], fake_slack: FakeSlack) -> Iterator[SocketAppProcess]:
    with SocketAppProcess(env, fake_slack) as process:
        yield process
        assert "Traceback" not in process.log, process.log


@pytest.fixture
def slack(fake_slack: FakeSlack, app: SocketAppProcess) -> SlackDriver:
    return socket_driver(fake_slack)


def receipts(slack: SlackDriver, user: str) -> list[dict[str, Any]]:
    return [m for m in slack.fake.ephemerals(user) if "Paid" in json.dumps(m.get("blocks", []))]


def test_socket_mode_runs_scan_click_modal_save_receipt_home_and_settle(slack, env, db, app):
    scan(env)
    modal = open_modal_from_alert(slack, BA, "sub_m365_e3")
    assert all(c.ok for c in slack.fake.calls_to("views.open"))  # opened within the trigger's 3 s
    response = slack.submit(BA, modal["id"])
    assert response.json()["response_action"] == "update"
    wait_until(lambda: _view_with(slack, modal["id"], "Paid"))
    assert [(c["subscription_id"], c["amount"]) for c in db.charges()] == [("sub_m365_e3", "129.99")]
    wait_until(lambda: _settled_alert(slack, "sub_m365_e3"))
    wait_until(lambda: receipts(slack, BA))

    assert slack.open_home(GA).status == 200
    home = wait_until(lambda: slack.fake.home_view(GA))
    assert "Power BI Pro" in json.dumps(home["blocks"])

    listing = slack.slash(BA).json()
    assert "Power BI Pro" in json.dumps(listing) and "sub_m365_e3" not in json.dumps(listing)
    assert slack.slash(GA, "power bi").status == 200
    assert "Power BI Pro" in json.dumps(wait_until(lambda: shown_view(slack.fake, GA))["blocks"])

    kinds = {d.envelope["type"] for d in slack.fake.socket_mode.deliveries.snapshot()}
    assert kinds == {"slash_commands", "interactive", "events_api"}
    assert late_or_unacked(slack.fake) == []


def test_a_save_whose_ack_is_lost_with_a_dropped_socket_is_redelivered_and_charged_once(slack, env, db, app):
    scan(env)
    modal = open_modal_from_alert(slack, BA, "sub_m365_e3")
    view = slack.fake.view(modal["id"])
    save = payloads.view_submission(user_id=BA, view=dict(view), state_values=state_values(view, {}),
                                    trigger_id=slack.fake.issue_trigger_id(BA))  # fmt: skip
    requester = slack.requester
    assert isinstance(requester, SocketModeRequester)
    lost = requester.deliver(save, then_drop=True)  # the app may act on it; its ack never arrives
    # A socket cut without a close frame is replaced within about 10 s (bot.socket_mode.PING_INTERVAL),
    # then the envelope is delivered again: more than the requester's default wait on a busy machine.
    acked = requester.wait_ack(lost, timeout=30)
    assert acked.retry_attempt == 1 and acked.envelope["payload"] == lost.envelope["payload"]
    slack.fake.apply_view_response(BA, modal["id"], acked.ack)
    wait_until(lambda: db.charges() and _settled_alert(slack, "sub_m365_e3"), timeout=20)
    wait_until(lambda: receipts(slack, BA))
    assert len(db.charges()) == 1 and "sub_m365_e3" not in db.open_balances()
    assert slack.fake.socket_mode.opened == 2 and late_or_unacked(slack.fake) == []
    assert len(receipts(slack, BA)) == 1
    # The redelivery never reached the listener: the receipt is not replaced by "already settled by you".
    assert "acknowledged a redelivered interactive envelope already handled (interaction) (retry 1)" in app.log
    updates = [json.dumps(c.params.get("view")) for c in slack.fake.calls_to("views.update")]
    assert any("Paid" in u for u in updates) and not any("lready settled" in u for u in updates)


def test_a_refreshed_connection_mid_flow_loses_no_save(slack, env, db):
    scan(env)
    modal = open_modal_from_alert(slack, BA, "sub_m365_e3")
    slack.fake.socket_mode.disconnect("refresh_requested")
    slack.fake.socket_mode.wait_connected(2, alone=True)
    assert slack.submit(BA, modal["id"]).json()["response_action"] == "update"
    wait_until(lambda: _view_with(slack, modal["id"], "Paid"))
    assert len(db.charges()) == 1
    assert len(slack.fake.calls_to("apps.connections.open", ok=True)) == 2
    assert late_or_unacked(slack.fake) == []


def test_a_malformed_envelope_is_acknowledged_and_dropped_and_the_next_one_is_served(slack, db, app):
    broken = {"type": "view_submission", "user": {"id": BA}, "view": ["not", "an", "object"]}
    delivery = slack.fake.socket_mode.send("interactive", broken, accepts_response_payload=True)
    assert SocketModeRequester(slack.fake.socket_mode).wait_ack(delivery).ack is None
    mismatched = slack.fake.socket_mode.send("events_api", {"command": "/settle", "user_id": BA,
                                                             "trigger_id": "1.2.x"}, accepts_response_payload=False)
    SocketModeRequester(slack.fake.socket_mode).wait_ack(mismatched)
    assert slack.slash(BA).status == 200 and "Power BI Pro" in json.dumps(slack.slash(BA).json())
    wait_until(lambda: app.log.count("refused a Socket Mode envelope") == 2)
    assert "view_submission without a view object" in app.log
    assert db.charges() == []


def test_a_redelivered_app_home_opened_envelope_is_acked_and_publishes_the_home_tab_once(slack, app):
    requester = slack.requester
    assert isinstance(requester, SocketModeRequester)
    opened = payloads.app_home_opened(user_id=GA)
    requester.send(opened)
    wait_until(lambda: slack.fake.calls_to("views.publish", True))
    again = requester.wait_ack(requester.deliver(opened, retry_num=1))
    assert again.retry_attempt == 1 and again.envelope["payload"]["event_id"] == opened.data["event_id"]
    slack.open_home(BA)  # a later event: its publish comes after any the redelivery could have caused
    wait_until(lambda: any(c.params.get("user_id") == BA for c in slack.fake.calls_to("views.publish", True)))
    assert [c.params.get("user_id") for c in slack.fake.calls_to("views.publish")] == [GA, BA]
    assert "acknowledged a redelivered events_api envelope already handled (event) (retry 1)" in app.log
    assert late_or_unacked(slack.fake) == []
