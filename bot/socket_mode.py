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

A redelivered envelope (``retry_attempt`` > 0, a new envelope id, the same payload) of a request
already handled is acknowledged and not handled again: its identity (``event_id``, else trigger
id, else the payload's hash) is recorded when it is first dispatched, in the record the HTTP
door keeps (``bot.deliveries``), and forgotten if handling it failed, so that the redelivery of
a failure is handled, once. A Save redelivered after its ack was lost therefore never reaches
the settle listener again: the modal keeps the receipt its first handling put there instead of
"already settled by you" (and a settlement's pending attempt and idempotency key still make
a second charge impossible should it get through).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.errors import SlackClientNotConnectedError
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.deliveries import Admitted, AlreadyHandled, SeenKeys, decide_envelope
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
    """Bolt's built-in Socket Mode handler, with every envelope checked before Bolt sees it and
    redeliveries of what was handled acknowledged without handling them again.

    Args:
        app: the Bolt app.
        app_token: the app-level token (``xapp-``).
        seen: the record of requests handled (shared with the HTTP door).
        clock: the time, for the record's expiry.
    """

    def __init__(
        self, app: App, app_token: str, seen: SeenKeys, *, clock: Callable[[], float] = time.time, **kwargs: Any
    ) -> None:
        super().__init__(app, app_token, **kwargs)
        self._seen = seen
        self._clock = clock

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        retry = f" (retry {req.retry_attempt})" if req.retry_attempt else ""
        try:
            check_socket_request(req.type, req.payload)
        except BadEnvelope as refused:
            log.warning("refused a Socket Mode envelope (%s): %s%s", str(req.type)[:40], refused, retry)
            self._ack(client, req)
            return
        verdict = self._decide(req)
        if verdict is None:
            return
        if isinstance(verdict, AlreadyHandled):
            log.info("acknowledged a redelivered %s envelope already handled (%s)%s", str(req.type)[:40],
                     verdict.identity.split(":")[0], retry)  # fmt: skip
            self._ack(client, req)
            return
        start = time.time()
        response = run_bolt_app(self.app, req)
        if response.status >= 500:
            self._forget(verdict)
        try:
            send_response(client, req, response, start)
        except SlackClientNotConnectedError:  # handled, but the ack went down with the connection
            log.warning("the ack of a %s envelope was lost with its connection: Slack redelivers it",
                        str(req.type)[:40])  # fmt: skip

    def _decide(self, req: SocketModeRequest) -> Admitted | AlreadyHandled | None:
        """The verdict; None when the record cannot be read (left unacknowledged: Slack redelivers it)."""
        now = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
        try:
            return decide_envelope(self._seen, req.payload, bool(req.retry_attempt), now)
        except SQLAlchemyError as exc:
            log.warning("left a %s envelope unacknowledged: the database is unavailable (%s)",
                        str(req.type)[:40], type(exc).__name__)  # fmt: skip
            return None

    def _forget(self, admitted: Admitted) -> None:
        """Handling failed: Slack's redelivery is to be handled, not taken for done."""
        if admitted.identity is None:
            return
        try:
            self._seen.forget(admitted.identity)
        except SQLAlchemyError as exc:
            log.warning("could not forget a failed Socket Mode request (%s)", type(exc).__name__)

    @staticmethod
    def _ack(client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        try:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
        except SlackClientNotConnectedError:
            log.warning("the ack of a %s envelope was lost with its connection", str(req.type)[:40])
