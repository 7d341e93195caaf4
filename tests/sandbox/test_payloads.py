"""The payload builders reproduce Slack's deliveries (kept as fixtures) field for field."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from sandbox.inputs import state_values
from sandbox.payloads import (
    app_home_opened,
    block_actions,
    slash_command,
    view_closed,
    view_submission,
)
from tests.sandbox.conftest import FIXTURES


def fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / f"{name}.json").read_text()))


def test_a_slash_command_is_form_encoded_like_slacks() -> None:
    expected = fixture("slash_command")

    payload = slash_command(
        text="acme", user_id="U0ALICE001", user_name="alice", channel_id="C0ALERTS01",
        channel_name="billing-alerts", trigger_id=expected["trigger_id"],
        response_url=expected["response_url"],
    )  # fmt: skip

    assert payload.data == expected
    assert payload.content_type == "application/x-www-form-urlencoded"
    assert {k: v[0] for k, v in parse_qs(payload.body().decode()).items()} == expected


def test_a_button_click_on_a_message_matches_slacks_payload() -> None:
    expected = fixture("block_actions_message")

    payload = block_actions(
        user_id="U0ALICE001", user_name="alice", action_id="settle_open",
        trigger_id=expected["trigger_id"], channel_id="C0ALERTS01",
        channel_name="billing-alerts", message=expected["message"],
        response_url=expected["response_url"], now=1700000001.234567,
    )  # fmt: skip

    assert payload.data == expected
    assert json.loads(parse_qs(payload.body().decode())["payload"][0]) == expected


def test_a_button_click_in_a_modal_matches_slacks_payload() -> None:
    expected = fixture("block_actions_view")
    view = expected["view"]

    payload = block_actions(
        user_id="U0ALICE001", user_name="alice", action_id="select_card",
        trigger_id=expected["trigger_id"], view=view, state_values=view["state"]["values"],
        now=1700000002.345678,
    )  # fmt: skip

    assert payload.data == expected


def test_a_view_submission_matches_slacks_payload() -> None:
    expected = fixture("view_submission")
    view = {**expected["view"], "state": {"values": {}}}

    payload = view_submission(
        user_id="U0ALICE001", user_name="alice", view=view, trigger_id=expected["trigger_id"],
        state_values=state_values(view, {"exp_month_select": "12"}),
    )  # fmt: skip

    assert payload.data == expected


def test_a_closed_view_matches_slacks_payload() -> None:
    expected = fixture("view_closed")

    payload = view_closed(user_id="U0ALICE001", user_name="alice", view=expected["view"])

    assert payload.data == expected


def test_app_home_opened_matches_slacks_events_api_envelope() -> None:
    expected = fixture("app_home_opened")

    payload = app_home_opened(
        user_id="U0ALICE001", channel_id="D0ALICEDM01", view=expected["event"]["view"],
        event_id="Ev0HOME0001", now=1700000004.456789,
    )  # fmt: skip

    assert payload.data == expected and payload.content_type == "application/json"


def test_the_locale_is_sent_only_when_asked_for() -> None:
    view = fixture("view_closed")["view"]

    plain = view_closed(user_id="U0ALICE001", view=view).data["user"]
    localized = view_closed(user_id="U0ALICE001", view=view, locale="zh-CN").data["user"]

    assert "locale" not in plain and localized["locale"] == "zh-CN"


def test_state_values_cover_every_input_with_initial_values_or_null() -> None:
    view = fixture("block_actions_view")["view"]

    assert state_values(view, {}) == {
        "exp_month": {"exp_month_select": {"type": "static_select", "selected_option": None}}
    }
    with pytest.raises(ValueError):
        state_values(view, {"exp_month_select": "13"})
    with pytest.raises(ValueError):
        state_values(view, {"no_such_action": "x"})


def test_a_select_pick_in_a_message_echoes_the_option_like_slack() -> None:
    select = {"type": "static_select", "action_id": "pick", "placeholder": {
        "type": "plain_text", "text": "Card"}, "options": [
        {"text": {"type": "plain_text", "text": "Visa 4242"}, "value": "card_1"}]}  # fmt: skip
    message = {"ts": "1700000000.000100", "blocks": [
        {"type": "actions", "block_id": "b1", "elements": [select]}]}  # fmt: skip

    action = block_actions(user_id="U1", action_id="pick", value="card_1", trigger_id="t",
                           channel_id="C1", message=message).data["actions"][0]  # fmt: skip

    assert action["selected_option"]["value"] == "card_1" and action["block_id"] == "b1"
    assert action["type"] == "static_select" and "placeholder" in action
