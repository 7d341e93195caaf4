"""The whole kit against a real Bolt app served over HTTP: signed requests in, Web API calls out.

This is how the end-to-end tests use it: `SlackRequester` plays Slack's side of the request,
the app answers and calls the `FakeSlack`, and the test waits for what the fake received.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from sandbox.fake_slack import FakeSlack
from sandbox.inputs import state_values
from sandbox.payloads import app_home_opened, block_actions, slash_command, view_submission
from sandbox.server import ServerThread
from sandbox.signing import SlackRequester
from tests.sandbox.conftest import ALICE, CHANNEL

SECRET = "sandbox-signing-secret"


def text(value: str) -> dict[str, str]:
    return {"type": "plain_text", "text": value}


def settle_modal(note: str = "Pick a card") -> dict[str, Any]:
    month = {"type": "static_select", "action_id": "exp_month_select",
             "options": [{"text": text("12"), "value": "12"}]}  # fmt: skip
    card = {"type": "button", "action_id": "select_card", "text": text("Use"), "value": "card_1"}
    return {
        "type": "modal", "callback_id": "settle_modal", "title": text("Settle"),
        "submit": text("Pay"), "private_metadata": "sub_1",
        "blocks": [
            {"type": "section", "block_id": "card", "text": text(note), "accessory": card},
            {"type": "input", "block_id": "exp_month", "label": text("Month"), "element": month},
        ],
    }  # fmt: skip


def build_app(fake: FakeSlack) -> App:
    app = App(signing_secret=SECRET, client=WebClient(base_url=fake.url, token="xoxb-test"))

    @app.command("/settle")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=settle_modal())

    @app.action("select_card")
    def pick_card(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body["view"]
        client.views_update(view_id=view["id"], hash=view["hash"], view=settle_modal("Card 1"))

    @app.view("settle_modal")
    def submit(ack: Ack, view: dict[str, Any]) -> None:
        month = view["state"]["values"]["exp_month"]["exp_month_select"]["selected_option"]
        done = {
            "type": "modal",
            "title": text("Paid"),
            "blocks": [
                {
                    "type": "section",
                    "text": text(f"Paid {view['private_metadata']} {month['value']}"),
                }
            ],
        }
        ack(response_action="update", view=done)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [
            {"type": "section", "text": text("Nothing is past due")}]})  # fmt: skip

    return app


@pytest.fixture
def slack(fake: FakeSlack) -> Iterator[SlackRequester]:
    server = ServerThread(SlackRequestHandler(build_app(fake)), "127.0.0.1", 0)
    server.start()
    yield SlackRequester(f"http://127.0.0.1:{server.port}", SECRET)
    server.stop()


def test_a_command_a_click_and_a_submission_drive_the_modal(
    fake: FakeSlack, slack: SlackRequester
) -> None:
    trigger = fake.issue_trigger_id(ALICE)
    sent = slack.send(slash_command(text="acme", user_id=ALICE, channel_id=CHANNEL,
                                    trigger_id=trigger))  # fmt: skip
    assert sent.status == 200
    opened = fake.wait_for("views.open", ok=True)[0]
    modal = fake.current_view(ALICE)
    assert modal is not None and modal["callback_id"] == "settle_modal"
    assert opened.params["trigger_id"] == trigger

    click = block_actions(user_id=ALICE, action_id="select_card", view=modal,
                          trigger_id=fake.issue_trigger_id(ALICE))  # fmt: skip
    assert slack.send(click).status == 200
    fake.wait_for("views.update", ok=True)
    modal = fake.current_view(ALICE)
    assert modal is not None and modal["blocks"][0]["text"]["text"] == "Card 1"

    answer = slack.send(view_submission(
        user_id=ALICE, view=modal, trigger_id=fake.issue_trigger_id(ALICE),
        state_values=state_values(modal, {"exp_month_select": "12"})))  # fmt: skip
    fake.apply_view_response(ALICE, modal["id"], answer.json())
    shown = fake.current_view(ALICE)
    assert shown is not None and shown["blocks"][0]["text"]["text"] == "Paid sub_1 12"
    assert fake.problems == []


def test_opening_the_home_tab_publishes_it(fake: FakeSlack, slack: SlackRequester) -> None:
    channel = fake.dm_channel_id(ALICE)

    assert slack.send(app_home_opened(user_id=ALICE, channel_id=channel)).status == 200

    fake.wait_for("views.publish", ok=True)
    home = fake.home_view(ALICE)
    assert home is not None and home["blocks"][0]["text"]["text"] == "Nothing is past due"
    assert fake.problems == []


def test_a_request_with_a_bad_signature_is_refused(fake: FakeSlack, slack: SlackRequester) -> None:
    command = slash_command(text="acme", user_id=ALICE, channel_id=CHANNEL, trigger_id="t")

    answer = slack.send(command, headers={"X-Slack-Signature": "v0=" + "0" * 64})

    assert answer.status == 401
    assert fake.calls_to("views.open") == []
