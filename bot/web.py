"""The HTTP surface: ``POST /slack/events`` (Bolt), ``GET /healthz`` (liveness), ``GET /readyz``,
``GET /metrics``, the add-card page, with ``BILLING_BACKEND=stripe`` ``POST /stripe/webhook``, and in
installation mode ``GET /slack/install`` and ``GET /slack/oauth_redirect`` ("Add to Slack")."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Request, Response

from bot.cards_page import CardsPage
from bot.deliveries import Admitted, AlreadyHandled
from bot.envelope import unsigned_ssl_check
from bot.metrics_http import MetricsEndpoint, request_kind
from bot.oauth_pages import INSTALL_PATH, PAGE_HEADERS, REDIRECT_PATH
from bot.readiness import Readiness, Workers
from bot.server import MAX_BODY
from bot.slack_gate import Refusal, SlackGate
from bot.stripe_webhook import StripeWebhook
from handlers.context import Deps
from storage.seen_requests import SeenRequestStore
from telemetry import context
from telemetry.metrics import metrics, outcome_of_status

log = logging.getLogger(__name__)


class WebApp:
    """A plain WSGI app; waitress serves it."""

    def __init__(self, app: App, deps: Deps, seen: SeenRequestStore, workers: Workers | None = None) -> None:
        self._bolt = app
        self._deps = deps
        self._cards = CardsPage(deps)
        self._stripe = StripeWebhook(deps) if deps.services.settings.uses_stripe else None
        secret = deps.services.settings.secret("slack_signing_secret")
        self._gate = SlackGate(secret, seen)
        self.readiness = Readiness(deps.services.engine, workers)
        token = deps.services.settings.metrics_token
        self._metrics = MetricsEndpoint(deps.services.engine, token.get_secret_value() if token else None)
        self._oauth = app.oauth_flow  # installation mode only

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            return Response("request too large", status=413)(environ, start_response)
        if path == "/slack/events":
            with context.bind(request_id=context.new_id()):
                return self._timed_slack_events(environ, start_response, int(length))
        if path == "/stripe/webhook" and self._stripe is not None:
            return self._stripe(environ, start_response)
        request = Request(environ)
        if path == "/healthz":
            return Response('{"ok": true}', mimetype="application/json")(environ, start_response)
        if path == "/readyz":
            return self.readiness.response()(environ, start_response)
        if path == "/metrics":
            return self._metrics(environ)(environ, start_response)
        if path == "/cards/new":
            return self._cards(request)(environ, start_response)
        if path in (INSTALL_PATH, REDIRECT_PATH) and self._oauth is not None:
            return self._installing(path, environ)(environ, start_response)
        return Response("not found", status=404)(environ, start_response)

    def _installing(self, path: str, environ: dict[str, Any]) -> Response:
        """Bolt's OAuth flow: the "Add to Slack" page, or Slack's redirect back with a code and state."""
        assert self._oauth is not None
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return Response("method not allowed", status=405)
        headers = {name[5:].lower().replace("_", "-"): value for name, value in environ.items()
                   if name.startswith("HTTP_")}  # fmt: skip
        request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=headers)
        try:
            if path == INSTALL_PATH:
                answer = self._oauth.handle_installation(request)
            else:
                answer = self._oauth.handle_callback(request)
        except SQLAlchemyError as exc:
            log.warning("an installation step failed (503): the database is unavailable (%s)", type(exc).__name__)
            return Response("", status=503)
        response = _response(answer)
        for name, value in PAGE_HEADERS.items():
            response.headers.setdefault(name, value)  # no caching, no framing, no referrer
        return response

    def _timed_slack_events(
        self, environ: dict[str, Any], start_response: Callable[..., Any], length: int
    ) -> Iterable[bytes]:
        """Counted by kind and outcome; the ack's latency observed (up to the answer being ready)."""
        started = time.perf_counter()
        kind, response = self._slack_events(environ, length)
        instruments = metrics()
        instruments.requests.labels(kind, outcome_of_status(response.status_code)).inc()
        took = time.perf_counter() - started
        instruments.ack_seconds.labels(kind).observe(took)
        response.headers["X-Request-Id"] = context.current().get("request_id", "")
        log.debug("slack %s answered %s in %.1f ms", kind, response.status_code, took * 1000)
        return response(environ, start_response)

    def _slack_events(self, environ: dict[str, Any], length: int) -> tuple[str, Response]:
        """Signed, fresh, first-seen and well-formed requests go on to Bolt; others stop here."""
        if environ.get("REQUEST_METHOD") != "POST":
            return "unknown", Response("method not allowed", status=405)
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {
            "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            "x-slack-retry-num": environ.get("HTTP_X_SLACK_RETRY_NUM", ""),
        }
        if not headers["x-slack-signature"] and unsigned_ssl_check(raw):
            return "ssl_check", Response("", status=200)  # Slack's certificate check: nothing runs
        try:
            verdict = self._gate.check(headers, raw, environ.get("CONTENT_TYPE"))
        except SQLAlchemyError as exc:  # the replay record lives in the database
            log.warning("refused a Slack request (503): the database is unavailable (%s)", type(exc).__name__)
            return "unknown", Response("", status=503)
        retry = headers["x-slack-retry-num"][:3]
        if isinstance(verdict, Refusal):
            log.warning("refused a Slack request (%s): %s%s", verdict.status, verdict.reason,
                        f" (Slack retry {retry})" if retry.isdigit() else "")  # fmt: skip
            return "unknown", Response("", status=verdict.status)
        if isinstance(verdict, AlreadyHandled):
            log.info("acknowledged a Slack request already handled (%s)%s", verdict.identity.split(":")[0],
                     f" (Slack retry {retry})" if retry.isdigit() else "")  # fmt: skip
            return "retry", Response("", status=200)
        return request_kind(verdict.body), self._handle(verdict, environ)

    def _handle(self, admitted: Admitted, environ: dict[str, Any]) -> Response:
        """Bolt's answer; a request whose handling failed (5xx) is not recorded as handled, so
        that Slack's retry of it is handled."""
        response = self._dispatch(admitted.body, environ)
        if response.status_code >= 500:
            try:
                self._gate.forget(admitted)
            except SQLAlchemyError as exc:
                log.warning("could not forget a failed Slack request (%s)", type(exc).__name__)
        return response

    def _dispatch(self, body: dict[str, Any], environ: dict[str, Any]) -> Response:
        """Hand Bolt the body the door parsed and checked: it is neither URL-decoded nor
        JSON-parsed a second time. Bolt takes a parsed body only in its Socket Mode
        (``mode`` changes nothing else but request verification, which the door has done:
        Bolt's own is off, see ``bot.app``)."""
        headers = {"content-type": "application/json"}
        for name in ("HTTP_X_SLACK_RETRY_NUM", "HTTP_X_SLACK_RETRY_REASON"):
            if environ.get(name):
                headers[name[5:].lower().replace("_", "-")] = environ[name]
        answer = self._bolt.dispatch(BoltRequest(body=body, headers=headers, mode="socket_mode"))
        return _response(answer)


def _response(answer: BoltResponse) -> Response:
    response = Response(answer.body, status=answer.status)
    for name, values in answer.headers.items():
        for value in values:
            response.headers.add(name, value)
    return response
