"""Slack's side of Socket Mode for `SlackDriver`: each request goes out as an envelope, and the
app's acknowledgement comes back as its answer (the Socket Mode twin of `SlackRequester`)."""

from __future__ import annotations

import json
from typing import Any

from sandbox.payloads import Payload
from sandbox.signing import AppResponse
from sandbox.socket_log import Delivery
from sandbox.socket_mode import SocketModeServer

_KINDS = {"form": "slash_commands", "interactive": "interactive", "json": "events_api"}


def envelope_kind(payload: Payload) -> str:
    """``slash_commands``, ``interactive`` or ``events_api``, from how Slack would post it over HTTP."""
    return _KINDS[payload.encoding]


def accepts_response_payload(kind: str, data: dict[str, Any]) -> bool:
    """Whether Slack reads a payload in the ack: a slash command's reply, a view submission's
    ``response_action``; a click's or an event's ack carries nothing."""
    return kind == "slash_commands" or (kind == "interactive" and data.get("type") == "view_submission")


class SocketModeRequester:
    """Sends `sandbox.payloads` requests over Socket Mode and waits for their acknowledgement.

    Args:
        server: the fake's Socket Mode endpoint the app is connected to.
        timeout: how long to wait for a connection, and then for the ack.
    """

    def __init__(self, server: SocketModeServer, timeout: float = 10.0) -> None:
        self.server = server
        self._timeout = timeout
        self.sent: list[Delivery] = []

    def send(self, payload: Payload, *, retry_num: int | None = None, **_: Any) -> AppResponse:
        """Send the payload as an envelope (``retry_num``: as Slack's n-th retry) and return the
        ack as an answer: status 200, the ack's payload as a JSON body.

        Raises:
            TimeoutError: when the app has no connection, or did not acknowledge in time.
        """
        delivery = self.deliver(payload, retry_num)
        return answer(self.wait_ack(delivery))

    def deliver(self, payload: Payload, retry_num: int | None = None, then_drop: bool = False) -> Delivery:
        """Send without waiting for the ack (``then_drop``: and cut the connection at once)."""
        kind = envelope_kind(payload)
        delivery = self.server.send(
            kind, payload.data, accepts_response_payload=accepts_response_payload(kind, payload.data),
            retry_attempt=retry_num, retry_reason="timeout" if retry_num else None, timeout=self._timeout,
            then_drop=then_drop,
        )  # fmt: skip
        self.sent.append(delivery)
        return delivery

    def wait_ack(self, delivery: Delivery, timeout: float | None = None) -> Delivery:
        """The delivery once acknowledged, following its redeliveries (within ``timeout`` s, by
        default the requester's)."""

        def acked(deliveries: list[Delivery]) -> Delivery | None:
            current = next((d for d in deliveries if d.envelope_id == delivery.envelope_id), None)
            while current is not None and not current.acked and current.redelivered_as:
                current = next((d for d in deliveries if d.envelope_id == current.redelivered_as), None)
            return current if current is not None and current.acked else None

        return self.server.deliveries.wait(acked, self._timeout if timeout is None else timeout)


def answer(delivery: Delivery) -> AppResponse:
    """The app's ack as the answer an HTTP request would have had."""
    body = json.dumps(delivery.ack).encode() if delivery.ack else b""
    return AppResponse(200, {"content-type": "application/json"}, body)
