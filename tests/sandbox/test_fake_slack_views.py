"""Views: trigger ids that expire like Slack's, modal stacks, updates with hashes, Home tabs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.clock import Clock, ManualClock
from sandbox.fake_slack import FakeSlack
from tests.sandbox.conftest import ALICE


@pytest.fixture
def clock(manual_clock: ManualClock) -> Clock:
    return manual_clock


def modal(title: str = "Settle balance", **extra: Any) -> dict[str, Any]:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Pay *USD 120.00*?"}}]
    return {"type": "modal", "callback_id": "settle_modal", "title": {"type": "plain_text",
            "text": title}, "blocks": blocks, **extra}  # fmt: skip


def error_of(method: Callable[..., Any], **kwargs: Any) -> str:
    """The Slack error code `method(**kwargs)` fails with."""
    with pytest.raises(SlackApiError) as raised:
        method(**kwargs)
    return str(raised.value.response["error"])


def test_a_fresh_trigger_id_opens_a_modal_owned_by_its_user(
    fake: FakeSlack, client: WebClient
) -> None:
    trigger = fake.issue_trigger_id(ALICE)

    view = client.views_open(trigger_id=trigger, view=modal(private_metadata="sub_1"))["view"]

    assert view["id"].startswith("V") and view["hash"] and view["root_view_id"] == view["id"]
    assert view["callback_id"] == "settle_modal" and view["private_metadata"] == "sub_1"
    assert view["state"] == {"values": {}} and view["app_id"] == fake.identity.app_id
    assert fake.current_view(ALICE) == view
    assert fake.problems == []


def test_a_trigger_id_older_than_three_seconds_has_expired(
    fake: FakeSlack, client: WebClient, manual_clock: ManualClock
) -> None:
    trigger = fake.issue_trigger_id(ALICE)
    manual_clock.advance(3.01)

    assert error_of(client.views_open, trigger_id=trigger, view=modal()) == "expired_trigger_id"
    assert fake.current_view(ALICE) is None
    assert fake.calls_to("views.open", ok=False)[0].error == "expired_trigger_id"


def test_a_trigger_id_works_once_and_unknown_ones_never(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger_id(ALICE)
    client.views_open(trigger_id=trigger, view=modal())

    again = error_of(client.views_open, trigger_id=trigger, view=modal())
    unknown = error_of(client.views_open, trigger_id="1.2.3", view=modal())

    assert (again, unknown) == ("exchanged_trigger_id", "invalid_trigger_id")


def test_a_pushed_modal_stacks_on_the_open_one(fake: FakeSlack, client: WebClient) -> None:
    root = client.views_open(trigger_id=fake.issue_trigger_id(ALICE), view=modal())["view"]

    pushed = client.views_push(trigger_id=fake.issue_trigger_id(ALICE), view=modal("Card"))["view"]

    assert pushed["root_view_id"] == root["id"] and pushed["previous_view_id"] == root["id"]
    assert [v["id"] for v in fake.modal_stack(ALICE)] == [root["id"], pushed["id"]]


def test_updating_a_view_keeps_its_id_and_a_stale_hash_conflicts(
    fake: FakeSlack, client: WebClient
) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger_id(ALICE), view=modal())["view"]

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Done"))

    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    assert fake.current_view(ALICE)["title"]["text"] == "Done"  # type: ignore[index]
    stale = error_of(client.views_update, view_id=opened["id"], hash=opened["hash"], view=modal())
    assert stale == "hash_conflict"
    assert error_of(client.views_update, view_id="V0NONE", view=modal()) == "not_found"


def test_a_view_can_be_updated_by_its_external_id(fake: FakeSlack, client: WebClient) -> None:
    client.views_open(trigger_id=fake.issue_trigger_id(ALICE), view=modal(external_id="s-1"))

    client.views_update(external_id="s-1", view=modal("Paid", external_id="s-1"))

    assert fake.current_view(ALICE)["title"]["text"] == "Paid"  # type: ignore[index]


def test_publishing_a_home_tab_keeps_one_view_per_user(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "divider"}]}

    first = client.views_publish(user_id=ALICE, view=home)["view"]
    second = client.views_publish(user_id=ALICE, view=home, hash=first["hash"])["view"]

    assert first["id"] == second["id"] and second["type"] == "home"
    assert fake.home_view(ALICE) == second
    stale = error_of(client.views_publish, user_id=ALICE, view=home, hash=first["hash"])
    assert stale == "hash_conflict"


def test_a_view_submission_answer_is_applied_like_slack_does(
    fake: FakeSlack, client: WebClient
) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger_id(ALICE), view=modal())["view"]

    fake.apply_view_response(ALICE, opened["id"], {"response_action": "update",
                                                   "view": modal("Processing")})  # fmt: skip
    assert fake.current_view(ALICE)["title"]["text"] == "Processing"  # type: ignore[index]

    fake.apply_view_response(ALICE, opened["id"], None)
    assert fake.current_view(ALICE) is None and fake.problems == []


def test_response_action_errors_must_name_input_blocks(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger_id(ALICE), view=modal())["view"]

    fake.apply_view_response(ALICE, opened["id"], {"response_action": "errors",
                                                   "errors": {"nope": "Pick a card"}})  # fmt: skip

    assert [p.kind for p in fake.problems] == ["invalid_response_action"]
    assert fake.current_view(ALICE) is not None
