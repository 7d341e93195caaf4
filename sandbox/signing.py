"""Sign requests as Slack does, and send them to the app's `POST /slack/events`."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sandbox.payloads import Payload

EVENTS_PATH = "/slack/events"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The `X-Slack-Signature` and `X-Slack-Request-Timestamp` headers for `body`.

    Slack's v0 scheme: HMAC-SHA256 of "v0:{timestamp}:{body}" keyed by the signing secret.
    `timestamp` defaults to now; pass an old one to test replay protection.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": ts}


@dataclass(frozen=True)
class AppResponse:
    """What the app answered."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON (None when empty, as for a bare ack)."""
        return json.loads(self.body) if self.body.strip() else None


class SlackRequester:
    """Posts signed requests to the app like Slack does (stdlib `http.client` only).

    Args:
        app_url: the app's base URL ("http://127.0.0.1:8000") or its full events URL.
        signing_secret: the secret the app verifies signatures with.
        timeout: socket timeout in seconds (Slack itself gives up after 3).
    """

    def __init__(self, app_url: str, signing_secret: str, timeout: float = 10.0) -> None:
        parts = urlsplit(app_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._path = parts.path if parts.path not in ("", "/") else EVENTS_PATH
        self._secret, self._timeout = signing_secret, timeout

    def send(
        self, payload: Payload, *, timestamp: int | None = None, retry_num: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> AppResponse:  # fmt: skip
        """Sign and post a payload built by `sandbox.payloads`.

        Args:
            timestamp: signing time (default now).
            retry_num: mark it as Slack's n-th retry (`X-Slack-Retry-Num`, reason http_timeout).
            headers: extra or overriding headers (e.g. a wrong signature).
        """
        extra = dict(headers or {})
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num),
                     "X-Slack-Retry-Reason": "http_timeout", **extra}  # fmt: skip
        return self.post(payload.body(), payload.content_type, extra, timestamp)

    def post(
        self, body: bytes, content_type: str, headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> AppResponse:  # fmt: skip
        """Sign and post raw bytes."""
        sent = {"Content-Type": content_type, "User-Agent": USER_AGENT,
                **sign(self._secret, body, timestamp), **(headers or {})}  # fmt: skip
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        try:
            connection.request("POST", self._path, body=body, headers=sent)
            answer = connection.getresponse()
            return AppResponse(answer.status, dict(answer.getheaders()), answer.read())
        finally:
            connection.close()
