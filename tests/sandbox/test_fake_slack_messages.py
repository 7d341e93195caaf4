"""Messages through a real slack_sdk WebClient: posting, editing, threads, ephemerals, DMs."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.fake_slack import FakeSlack
from tests.sandbox.conftest import ALICE, BORIS, CHANNEL

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme* is past due"}}


def test_posting_a_message_answers_like_slack_and_keeps_it(
    fake: FakeSlack, client: WebClient
) -> None:
    answer = client.chat_postMessage(channel=CHANNEL, text="Acme is past due", blocks=[SECTION])

    assert answer["channel"] == CHANNEL
    message = answer["message"]
    assert message["ts"] == answer["ts"] and message["bot_id"] == fake.identity.bot_id
    assert message["user"] == fake.identity.bot_user_id
    assert message["blocks"][0]["block_id"]  # Slack fills in missing block ids
    assert fake.messages(CHANNEL) == [message]
    assert fake.problems == []


def test_message_timestamps_are_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel=CHANNEL, text=str(i))["ts"] for i in range(5)]

    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 5
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_concurrent_posts_get_distinct_timestamps(fake: FakeSlack) -> None:
    def post(worker: int) -> list[str]:
        client = WebClient(base_url=fake.url, token="xoxb-test")
        return [client.chat_postMessage(channel=CHANNEL, text=f"{worker}")["ts"] for _ in range(5)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        stamps = [ts for batch in pool.map(post, range(6)) for ts in batch]

    assert len(set(stamps)) == 30
    assert [m["ts"] for m in fake.messages(CHANNEL)] == sorted(stamps, key=float)


def test_updating_a_message_changes_it_and_marks_it_edited(
    fake: FakeSlack, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="before", blocks=[SECTION])["ts"]

    answer = client.chat_update(channel=CHANNEL, ts=ts, text="after", blocks=[])

    assert answer["ts"] == ts and answer["text"] == "after"
    stored = fake.message(CHANNEL, ts)
    assert stored is not None and stored["text"] == "after" and stored["blocks"] == []
    assert "edited" in stored


def test_updating_an_unknown_message_fails_with_message_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel=CHANNEL, ts="1700000000.000001", text="x")

    assert raised.value.response["error"] == "message_not_found"


def test_a_reply_with_thread_ts_joins_the_thread(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="alert")["ts"]

    reply = client.chat_postMessage(channel=CHANNEL, text="settled", thread_ts=parent)

    assert reply["message"]["thread_ts"] == parent
    thread = fake.thread(CHANNEL, parent)
    assert [m["text"] for m in thread] == ["alert", "settled"]
    assert thread[0]["reply_count"] == 1
    assert [m["text"] for m in fake.messages(CHANNEL)] == ["alert"]


def test_a_reply_to_a_missing_parent_is_reported(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel=CHANNEL, text="orphan", thread_ts="1600000000.000001")

    assert [p.kind for p in fake.problems] == ["thread_not_found"]


def test_an_ephemeral_message_is_kept_for_its_recipient_only(
    fake: FakeSlack, client: WebClient
) -> None:
    answer = client.chat_postEphemeral(channel=CHANNEL, user=ALICE, text="Only you see this")

    assert answer["message_ts"]
    assert [m["text"] for m in fake.ephemerals(ALICE)] == ["Only you see this"]
    assert fake.ephemerals(BORIS) == [] and fake.messages(CHANNEL) == []


def test_posting_to_a_user_id_lands_in_the_dm_that_conversations_open_returns(
    fake: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel=ALICE, text="Your receipt")

    dm = client.conversations_open(users=ALICE)["channel"]["id"]

    assert dm.startswith("D") and posted["channel"] == dm
    assert [m["text"] for m in fake.dms(ALICE)] == ["Your receipt"]
    assert client.conversations_info(channel=dm)["channel"]["is_im"] is True


def test_a_message_without_text_or_blocks_is_refused_and_reported(
    fake: FakeSlack, client: WebClient
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.postMessage", json={"channel": CHANNEL})

    assert raised.value.response["error"] == "no_text"
    assert "no_text" in {p.kind for p in fake.problems}


@pytest.mark.parametrize("locale", [True, False])
def test_users_info_includes_the_locale_only_when_asked(client: WebClient, locale: bool) -> None:
    user = client.users_info(user=BORIS, include_locale=locale)["user"]

    assert user["tz"] == "Asia/Shanghai" and user["tz_offset"] == 8 * 3600
    assert user["real_name"] == "Boris Chen"
    assert user.get("locale") == ("zh-CN" if locale else None)


def test_users_info_for_a_stranger_fails_with_user_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="U0NOBODY01")

    assert raised.value.response["error"] == "user_not_found"


def test_auth_test_describes_the_bot_and_its_scopes(fake: FakeSlack, client: WebClient) -> None:
    answer = client.auth_test()

    assert answer["bot_id"] == fake.identity.bot_id and answer["team_id"] == fake.identity.team_id
    assert "chat:write" in answer.headers["x-oauth-scopes"]


def _raw_post(url: str, headers: dict[str, str]) -> dict[str, object]:
    request = urllib.request.Request(url, data=b"channel=C1&text=x", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return dict(json.loads(response.read()))


def test_a_call_without_a_token_is_refused_with_not_authed(fake: FakeSlack) -> None:
    answer = _raw_post(fake.url + "chat.postMessage", {})

    assert answer == {"ok": False, "error": "not_authed"}
    assert fake.messages("C1") == [] and fake.calls_to("chat.postMessage", ok=False)


def test_an_unknown_method_answers_unknown_method(fake: FakeSlack) -> None:
    answer = _raw_post(fake.url + "reactions.add", {"Authorization": "Bearer xoxb-test"})

    assert answer == {"ok": False, "error": "unknown_method"}
    assert [p.kind for p in fake.problems] == ["unknown_method"]


def test_form_encoded_blocks_are_decoded_like_json_ones(fake: FakeSlack, client: WebClient) -> None:
    client.api_call("chat.postMessage", data={"channel": CHANNEL, "blocks": json.dumps([SECTION])})

    call = fake.wait_for("chat.postMessage")[0]
    assert call.ok and call.params["blocks"] == [SECTION]


def test_wait_for_returns_matching_calls_and_times_out_on_missing_ones(
    fake: FakeSlack, client: WebClient
) -> None:
    client.chat_postMessage(channel=CHANNEL, text="x")

    assert len(fake.wait_for(lambda c: c.params.get("text") == "x", timeout=1)) == 1
    with pytest.raises(TimeoutError):
        fake.wait_for("views.open", timeout=0.1)
    fake.reset()
    assert fake.calls == [] and fake.messages(CHANNEL)
