"""slack_sdk retry handlers, plus the two cases its built-ins leave out."""

from __future__ import annotations

from http.client import RemoteDisconnected
from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState


class RatelimitedBodyRetryHandler(RateLimitErrorRetryHandler):
    """Also retries ``HTTP 200 {"ok": false, "error": "ratelimited"}``, waiting Retry-After (or ~1 s)."""

    def _can_retry(
        self, *, state: RetryState, request: HttpRequest,
        response: HttpResponse | None = None, error: Exception | None = None,
    ) -> bool:  # fmt: skip
        if response is None:
            return False
        body = response.body or {}
        return response.status_code == 429 or (body.get("ok") is False and body.get("error") == "ratelimited")


def retry_handlers() -> list[RetryHandler]:
    """Connection resets and timeouts, 429 and ``ratelimited`` (honouring Retry-After), 500/503."""
    return [
        ConnectionErrorRetryHandler(
            max_retry_count=2, error_types=[URLError, ConnectionResetError, RemoteDisconnected, TimeoutError]
        ),
        RatelimitedBodyRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
