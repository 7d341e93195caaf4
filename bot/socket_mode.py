"""Socket Mode's door: the envelope checks the HTTP door makes, for requests that arrive unsigned.

Over Socket Mode there is no signature, timestamp or replay record (the WebSocket itself is
authenticated by the app-level token), but Bolt still reads fields without checking their
types, so a malformed envelope would raise inside the Socket Mode client: a traceback, no ack,
and Slack redelivering it. Here each envelope is checked as ``bot.envelope`` checks an HTTP
body; one that cannot be a Slack request is acknowledged (redelivering it would not help) and
dropped, with a log line that names the reason, never the content.

The client is Bolt's default, slack_sdk's built-in one. Measured against the fake: after a
``disconnect`` it reads its new connection only about 3 s later (it first closes the old one,
whose 3-second receive holds the lock), so it relies on envelopes still arriving on the old
connection meanwhile; a socket cut without a close frame is noticed by failed pings, hence the
shorter ping interval. (slack_sdk's websocket-client one was tried: in the same test it once
never started reading its new connection after a refresh.)

Redelivered envelopes (``retry_attempt`` > 0) are dispatched like the first delivery: a Save
sent twice is settled once by the settlement's pending attempt and idempotency key, as over HTTP.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackClientNotConnectedError
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.envelope import INTERACTIONS, BadEnvelope, check_envelope

log = logging.getLogger(__name__)
PING_INTERVAL = 2.0
"""Seconds between the client's pings (Bolt's handler would use 10): a connection cut without a
close frame is given up after five failed pings or four intervals without a pong, then replaced
at the next check, so within about 10 s instead of 50."""


def check_socket_request(kind: str, payload: Any) -> None:
    """Raise BadEnvelope unless ``payload`` is a request of the envelope's ``kind`` that the app handles."""
    if not isinstance(payload, dict):
        raise BadEnvelope("payload is not a JSON object")
    check_envelope(payload)
    if kind == "slash_commands" and "command" in payload:
        return
    if kind == "interactive" and payload.get("type") in INTERACTIONS:
        return
    if kind == "events_api" and payload.get("type") == "event_callback":
        return
    raise BadEnvelope("envelope type does not match its payload")


class CheckedSocketModeHandler(SocketModeHandler):
    """Bolt's built-in Socket Mode handler, with every envelope checked before Bolt sees it."""

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        try:
            check_socket_request(req.type, req.payload)
        except BadEnvelope as refused:
            retry = f" (retry {req.retry_attempt})" if req.retry_attempt else ""
            log.warning("refused a Socket Mode envelope (%s): %s%s", str(req.type)[:40], refused, retry)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        try:
            super().handle(client, req)
        except SlackClientNotConnectedError:  # handled, but the ack went down with the connection
            log.warning("the ack of a %s envelope was lost with its connection: Slack redelivers it",
                        str(req.type)[:40])  # fmt: skip
