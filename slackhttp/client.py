"""slack_sdk's ``WebClient`` sending over kept-alive connections (``slackhttp.pool``)."""

from __future__ import annotations

import io
from http.client import HTTPMessage
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

from slackhttp.pool import Answer, ConnectionPool


class KeepAliveWebClient(WebClient):
    """A ``WebClient`` whose requests go over kept-alive connections (``pool``: one connection
    per thread and origin, whatever the token, so clients that share it share them), with its
    ``ssl`` context and ``timeout``. Everything else is slack_sdk's: the requests it builds, its
    retry handlers (429 and Retry-After, 5xx, connection errors, which see the errors urllib
    raises), its responses. With a proxy (``proxy=``, or slack_sdk's ``HTTPS_PROXY``/``HTTP_PROXY``
    variables) requests go through urllib as before, unpooled."""

    def __init__(self, *args: Any, pool: ConnectionPool | None = None, **kwargs: Any) -> None:
        """``pool``: the connections to use (by default a pool of its own); the rest are
        ``WebClient``'s arguments."""
        super().__init__(*args, **kwargs)
        self.pool = pool or ConnectionPool()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy or parts.scheme not in ("http", "https"):
            answer: dict[str, Any] = super()._perform_urllib_http_request_internal(url, req)
            return answer
        return _as_urllib(url, self.pool.exchange(parts, req, self.timeout, self.ssl))


def _as_urllib(url: str, answer: Answer) -> dict[str, Any]:
    """What slack_sdk's urllib transport makes of an answer: an HTTPError beyond 2xx (slack_sdk
    reads its status, headers and body: Retry-After, ...), else status, headers (as the dict
    slack_sdk makes of them) and the body (decoded, but for gzip files). A redirect, which urllib
    would follow, is an HTTPError here (Slack's Web API does not redirect, and a POST is never
    sent again)."""
    if not 200 <= answer.status < 300:
        raise HTTPError(url, answer.status, answer.reason, answer.headers, io.BytesIO(answer.body))
    headers = _as_dict(answer.headers)
    if answer.headers.get_content_type() == "application/gzip":
        return {"status": answer.status, "headers": headers, "body": answer.body}
    charset = answer.headers.get_content_charset() or "utf-8"
    return {"status": answer.status, "headers": headers, "body": answer.body.decode(charset)}


def _as_dict(headers: HTTPMessage) -> dict[str, str]:
    """``dict(headers)``, what slack_sdk makes of a 2xx answer's headers (each name as sent, with
    the first value given for it in any case), in one pass: ``dict()`` looks each name up in
    the whole list again (``HTTPMessage.__getitem__``), quadratic in the number of headers."""
    first: dict[str, str] = {}
    for name, value in headers.items():
        first.setdefault(name.lower(), value)
    return {name: first[name.lower()] for name in headers}
