"""The fake's Socket Mode: apps.connections.open, hello, envelopes and acks, disconnects, drops, redelivery.

The protocol tests play the app with a plain WebSocket client (so each frame is in the test's
hands); the reconnect tests use slack_sdk's built-in one, the one `settlebot socket` runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.socket_mode import PING_INTERVAL
from sandbox import payloads
from sandbox.fake_slack import FakeSlack
from sandbox.socket_requester import SocketModeRequester
from tests.sandbox.conftest import ALICE, CHANNEL

APP_TOKEN = "xapp-1-A0SETTLE01-1234567890-abcdef"


def open_url(fake: FakeSlack) -> str:
    return WebClient(base_url=fake.url).apps_connections_open(app_token=APP_TOKEN)["url"]


def recv(ws: ClientConnection) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=5))


@pytest.fixture
def app_socket(fake: FakeSlack) -> Iterator[ClientConnection]:
    """A connected app that has read its hello."""
    with connect(open_url(fake), compression=None) as ws:
        assert recv(ws)["type"] == "hello"
        yield ws


def command() -> payloads.Payload:
    return payloads.slash_command(text="", user_id=ALICE, channel_id=CHANNEL, trigger_id="1.2.abc")


def test_apps_connections_open_gives_a_one_time_loopback_url_for_an_app_level_token(fake):
    url = open_url(fake)
    assert url.startswith("ws://127.0.0.1:") and "/link/?ticket=" in url and "app_id=A0SETTLE01" in url
    assert open_url(fake) != url
    assert fake.problems == []


def test_apps_connections_open_refuses_a_bot_token_and_a_bot_method_refuses_an_app_token(fake):
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=fake.url, token="xoxb-test").apps_connections_open(app_token="xoxb-test")
    assert refused.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as also:
        WebClient(base_url=fake.url, token=APP_TOKEN).auth_test()
    assert also.value.response["error"] == "not_allowed_token_type"
    assert [p.kind for p in fake.problems] == ["not_allowed_token_type"] * 2


def test_only_the_configured_app_token_is_accepted():
    with FakeSlack(app_token=APP_TOKEN) as fake:
        with pytest.raises(SlackApiError) as refused:
            WebClient(base_url=fake.url).apps_connections_open(app_token="xapp-1-other")
        assert refused.value.response["error"] == "invalid_auth"
        assert open_url(fake).startswith("ws://")


def test_hello_names_the_app_and_a_ticket_connects_only_once(fake):
    url = open_url(fake)
    with connect(url, compression=None) as ws:
        hello = recv(ws)
        assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": "A0SETTLE01"}
        assert hello["num_connections"] == 1
    with pytest.raises(InvalidStatus):
        connect(url, compression=None, open_timeout=5)
    assert [p.kind for p in fake.problems] == ["invalid_ticket"]


def test_an_envelope_is_shaped_like_slacks_and_its_ack_is_recorded_with_its_timing(fake, app_socket):
    delivery = fake.socket_mode.send("slash_commands", command().data, accepts_response_payload=True)
    got = recv(app_socket)
    assert set(got) == {"envelope_id", "payload", "type", "accepts_response_payload"}
    assert got["type"] == "slash_commands" and got["payload"]["command"] == "/settle"
    app_socket.send(json.dumps({"envelope_id": got["envelope_id"], "payload": {"text": "hi"}}))
    acked = SocketModeRequester(fake.socket_mode).wait_ack(delivery)
    assert acked.ack == {"text": "hi"} and 0 <= (acked.ack_seconds or 0) < 3
    assert fake.problems == []


def test_an_event_envelope_carries_retry_fields(fake, app_socket):
    event = payloads.app_home_opened(user_id=ALICE)
    SocketModeRequester(fake.socket_mode).deliver(event)
    got = recv(app_socket)
    assert got["type"] == "events_api" and got["accepts_response_payload"] is False
    assert (got["retry_attempt"], got["retry_reason"]) == (0, "")
    assert got["payload"]["event"]["type"] == "app_home_opened"


def test_a_late_ack_an_unknown_envelope_and_an_unaccepted_payload_are_problems(fake, app_socket):
    event = SocketModeRequester(fake.socket_mode).deliver(payloads.app_home_opened(user_id=ALICE))
    recv(app_socket)
    fake.socket_mode.deliveries.update(event.envelope_id, sent_at=event.sent_at - 5)  # as if 5 s ago
    app_socket.send(json.dumps({"envelope_id": event.envelope_id, "payload": {"text": "x"}}))
    app_socket.send(json.dumps({"envelope_id": "no-such-envelope"}))
    app_socket.send("not json")
    SocketModeRequester(fake.socket_mode).wait_ack(event)
    wanted = ["ack_late", "payload_not_accepted", "unknown_envelope", "malformed_ack"]
    assert _wait(lambda: [p.kind for p in fake.problems] == wanted), fake.problems


def test_an_envelope_unacked_on_a_dropped_connection_is_redelivered_on_the_next(fake):
    with connect(open_url(fake), compression=None) as first:
        recv(first)
        sent = fake.socket_mode.send("slash_commands", command().data, accepts_response_payload=True)
        assert recv(first)["envelope_id"] == sent.envelope_id
        fake.socket_mode.drop()
    with connect(open_url(fake), compression=None) as second:
        assert recv(second)["type"] == "hello"
        again = recv(second)
        assert again["envelope_id"] != sent.envelope_id and again["payload"] == sent.envelope["payload"]
        assert (again["retry_attempt"], again["retry_reason"]) == (1, "timeout")
        second.send(json.dumps({"envelope_id": again["envelope_id"]}))
        acked = SocketModeRequester(fake.socket_mode).wait_ack(sent)
    assert acked.envelope_id == again["envelope_id"] and acked.connection == 2
    assert fake.socket_mode.deliveries.get(sent.envelope_id).redelivered_as == again["envelope_id"]


def test_an_acked_envelope_is_not_redelivered(fake):
    with connect(open_url(fake), compression=None) as first:
        recv(first)
        sent = fake.socket_mode.send("slash_commands", command().data, accepts_response_payload=True)
        first.send(json.dumps({"envelope_id": recv(first)["envelope_id"]}))
        SocketModeRequester(fake.socket_mode).wait_ack(sent)
    with connect(open_url(fake), compression=None) as second:
        recv(second)
        with pytest.raises(TimeoutError):
            second.recv(timeout=0.5)
    assert len(fake.socket_mode.deliveries.snapshot()) == 1


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_the_sdk_client_reconnects_through_apps_connections_open_after_a_disconnect(fake, reason):
    client = _sdk_client(fake)
    try:
        fake.socket_mode.wait_connected(1)
        fake.socket_mode.disconnect(reason)
        fake.socket_mode.wait_connected(2, alone=True)  # slack_sdk's client reads neither for ~3 s before
        answer = SocketModeRequester(fake.socket_mode).send(command())
        assert answer.status == 200 and answer.json() == {"text": "pong"}
        assert len(fake.calls_to("apps.connections.open", ok=True)) == 2
        assert fake.problems == []  # acked within 3 s
    finally:
        client.close()


def test_the_sdk_client_reconnects_after_a_dropped_socket_and_gets_the_redelivery(fake):
    client = _sdk_client(fake)
    try:
        fake.socket_mode.wait_connected(1)
        requester = SocketModeRequester(fake.socket_mode)
        lost = requester.deliver(command(), then_drop=True)
        fake.socket_mode.wait_connected(2, timeout=15)
        acked = requester.wait_ack(lost)
        assert acked.ack == {"text": "pong"} and acked.retry_attempt == 1 and acked.connection == 2
        assert fake.problems == []
    finally:
        client.close()


def _sdk_client(fake: FakeSlack, ping_interval: float = PING_INTERVAL) -> SocketModeClient:
    client = SocketModeClient(app_token=APP_TOKEN, web_client=WebClient(base_url=fake.url),
                              ping_interval=ping_interval)  # fmt: skip

    def pong(client: SocketModeClient, req: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "pong"}))

    client.socket_mode_request_listeners.append(pong)  # type: ignore[arg-type]
    client.connect()
    return client


def _wait(predicate: Any, timeout: float = 5.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
