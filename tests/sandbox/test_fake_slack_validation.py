"""Calls are checked like Slack checks them: Block Kit, block limits, and the published spec."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock

from sandbox.fake_slack import FakeSlack
from sandbox.spec import ApiSpec
from sandbox.validation import blocks_errors, view_errors
from tests.sandbox.conftest import ALICE, CHANNEL, SPEC_PATH

needs_spec = pytest.mark.skipif(not SPEC_PATH.exists(), reason="Slack's spec is not available")
DIVIDER = {"type": "divider"}


def refusal(client: WebClient, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=CHANNEL, text="x", **kwargs)
    return dict(raised.value.response.data)  # type: ignore[arg-type]


def test_blocks_built_with_slack_sdk_models_are_accepted(
    fake: FakeSlack, client: WebClient
) -> None:
    button = ButtonElement(text="Settle", action_id="settle", value="s1", style="primary")
    blocks = [SectionBlock(text="*Acme*"), ActionsBlock(block_id="act", elements=[button])]

    client.chat_postMessage(channel=CHANNEL, text="Acme", blocks=blocks)

    assert fake.calls_to("chat.postMessage", ok=True) and fake.problems == []


def test_invalid_blocks_are_refused_and_recorded_as_problems(
    fake: FakeSlack, client: WebClient
) -> None:
    answer = refusal(client, blocks=[{"type": "section"}])

    assert answer["error"] == "invalid_blocks"
    assert answer["errors"] == [
        "text or fields attribute must be specified [json-pointer:/blocks/0]"
    ]
    assert [p.kind for p in fake.problems] == ["invalid_blocks"]
    assert fake.messages(CHANNEL) == []


def test_an_unknown_or_incomplete_block_type_is_invalid(client: WebClient) -> None:
    answer = refusal(client, blocks=[{"type": "hologram"}, {"type": "carousel"}])

    assert answer["error"] == "invalid_blocks"
    assert answer["errors"][0] == "unsupported block type 'hologram' [json-pointer:/blocks/0]"
    assert "elements" in answer["errors"][1]


def test_a_field_slack_does_not_know_is_invalid(client: WebClient) -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "colour": "red"}

    answer = refusal(client, blocks=[{"type": "actions", "elements": [button]}])

    assert answer["errors"] == [
        "invalid additional property [json-pointer:/blocks/0/elements/0/colour]"
    ]


def test_more_than_fifty_blocks_in_a_message_are_refused(
    fake: FakeSlack, client: WebClient
) -> None:
    client.chat_postMessage(channel=CHANNEL, text="ok", blocks=[DIVIDER] * 50)

    answer = refusal(client, blocks=[DIVIDER] * 51)

    assert answer["errors"] == ["no more than 50 items allowed [json-pointer:/blocks]"]
    assert len(fake.messages(CHANNEL)) == 1


def test_a_modal_takes_up_to_a_hundred_blocks(fake: FakeSlack, client: WebClient) -> None:
    def view(size: int) -> dict[str, Any]:
        return {"type": "modal", "title": {"type": "plain_text", "text": "Big"},
                "blocks": [DIVIDER] * size}  # fmt: skip

    client.views_open(trigger_id=fake.issue_trigger_id(ALICE), view=view(100))
    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id=fake.issue_trigger_id(ALICE), view=view(101))

    assert raised.value.response["error"] == "invalid_blocks"


def test_a_modal_without_a_title_or_with_inputs_but_no_submit_is_refused() -> None:
    text_input = {"type": "input", "label": {"type": "plain_text", "text": "Amount"},
                  "element": {"type": "plain_text_input", "action_id": "amount"}}  # fmt: skip

    assert view_errors({"type": "modal", "blocks": [DIVIDER]}) == [
        "missing required field: title [json-pointer:/view/title]"
    ]
    titled = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [text_input]}
    assert "submit is required" in view_errors(titled)[0]
    assert view_errors({**titled, "title": {"type": "plain_text", "text": "T" * 25}})


def test_an_empty_elements_list_is_invalid() -> None:
    assert blocks_errors([{"type": "context", "elements": []}]) == [
        "must not be empty [json-pointer:/blocks/0/elements]"
    ]


@needs_spec
def test_the_spec_check_flags_an_argument_slack_does_not_know(
    fake: FakeSlack, client: WebClient
) -> None:
    client.chat_postMessage(channel=CHANNEL, text="hi", colour="red")

    assert [str(p) for p in fake.problems] == [
        "chat.postMessage: spec: argument 'colour' is not in Slack's spec"
    ]


@needs_spec
def test_the_spec_check_flags_a_missing_required_argument(
    fake: FakeSlack, client: WebClient
) -> None:
    with pytest.raises(SlackApiError):
        client.api_call("chat.update", json={"channel": CHANNEL, "text": "x"})

    assert "chat.update: spec: missing required argument 'ts'" in [str(p) for p in fake.problems]


@needs_spec
def test_the_spec_knows_current_arguments_it_lacks_through_a_small_allowlist() -> None:
    spec = ApiSpec.load(SPEC_PATH)

    assert spec.check("views.open", {"interactivity_pointer": "p", "view": {}}) == []
    assert spec.check("chat.postMessage", {"channel": "C1", "metadata": {}, "blocks": []}) == []
    assert spec.check("views.update", {"view": {}}) == ["needs one of ['external_id', 'view_id']"]
