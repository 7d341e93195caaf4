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

from telemetry.slack import count_retry


class _Counted(RetryHandler):
    """Counts each retry it decides on (``settlebot_slack_retries_total``), then waits as its base does."""

    def prepare_for_next_attempt(
        self, *, state: RetryState, request: HttpRequest,
        response: HttpResponse | None = None, error: Exception | None = None,
    ) -> None:  # fmt: skip
        count_retry(request, response, error)
        super().prepare_for_next_attempt(state=state, request=request, response=response, error=error)


class _Connection(_Counted, ConnectionErrorRetryHandler):
    pass


class _ServerError(_Counted, ServerErrorRetryHandler):
    pass


class RatelimitedBodyRetryHandler(_Counted, RateLimitErrorRetryHandler):
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
        _Connection(
            max_retry_count=2, error_types=[URLError, ConnectionResetError, RemoteDisconnected, TimeoutError]
        ),
        RatelimitedBodyRetryHandler(max_retry_count=3),
        _ServerError(max_retry_count=2),
    ]
