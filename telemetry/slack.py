"""Slack Web API calls counted by method and error, timed; retries (429s included) counted."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.web import SlackResponse

from slackhttp.client import KeepAliveWebClient
from telemetry.metrics import label, metrics

_METHOD = re.compile(r"[a-z]+(\.[A-Za-z]+)+")
RESPONSE_URL = "response_url"  # a slash command's answer (a webhook, not a Web API method)


class MeteredWebClient(KeepAliveWebClient):
    """A ``WebClient`` whose every call (they all go through ``api_call``) is counted and timed,
    sent over kept-alive connections (``slackhttp``)."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        method = api_method if _METHOD.fullmatch(api_method) else "other"
        started = time.perf_counter()
        error = "ok"
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            error = label(exc.response.get("error") or exc.response.status_code)
            raise
        except Exception as exc:
            error = label(type(exc).__name__)
            raise
        finally:
            instruments = metrics()
            instruments.slack_calls.labels(method, error).inc()
            instruments.slack_call_seconds.labels(method).observe(time.perf_counter() - started)


def count_call(method: str, error: str, seconds: float) -> None:
    """For calls that do not go through a WebClient (a command's response_url)."""
    instruments = metrics()
    instruments.slack_calls.labels(method, label(error)).inc()
    instruments.slack_call_seconds.labels(method).observe(seconds)


def count_retry(request: HttpRequest, response: HttpResponse | None, error: Exception | None) -> None:
    """Called by the retry handlers (``handlers.slack_retry``) each time they decide to retry."""
    metrics().slack_retries.labels(method_of(request.url), retry_reason(response, error)).inc()


def method_of(url: str) -> str:
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return last if _METHOD.fullmatch(last) else RESPONSE_URL


def retry_reason(response: HttpResponse | None, error: Exception | None) -> str:
    if response is None:
        return "connection"
    if response.status_code == 429:
        return "429"
    if response.status_code >= 500:
        return "5xx"
    body = response.body if isinstance(response.body, dict) else {}
    return label(body.get("error") or response.status_code)
