"""The HTTP surface: ``POST /slack/events`` (Bolt), ``GET /healthz``, the add-card page and, with
``BILLING_BACKEND=stripe``, ``POST /stripe/webhook``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Request, Response

from bot.cards_page import CardsPage
from bot.deliveries import Admitted, AlreadyHandled
from bot.envelope import unsigned_ssl_check
from bot.server import MAX_BODY
from bot.slack_gate import Refusal, SlackGate
from bot.stripe_webhook import StripeWebhook
from handlers.context import Deps
from storage.seen_requests import SeenRequestStore

log = logging.getLogger(__name__)


class WebApp:
    """A plain WSGI app; waitress serves it."""

    def __init__(self, app: App, deps: Deps, seen: SeenRequestStore) -> None:
        self._bolt = app
        self._deps = deps
        self._cards = CardsPage(deps)
        self._stripe = StripeWebhook(deps) if deps.services.settings.uses_stripe else None
        secret = deps.services.settings.secret("slack_signing_secret")
        self._gate = SlackGate(secret, seen)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            return Response("request too large", status=413)(environ, start_response)
        if path == "/slack/events":
            return self._slack_events(environ, start_response, int(length))
        request = Request(environ)
        if path == "/healthz":
            return self._health()(environ, start_response)
        if path == "/cards/new":
            return self._cards(request)(environ, start_response)
        if path == "/stripe/webhook" and self._stripe is not None:
            return self._stripe(request)(environ, start_response)
        return Response("not found", status=404)(environ, start_response)

    def _slack_events(
        self, environ: dict[str, Any], start_response: Callable[..., Any], length: int
    ) -> Iterable[bytes]:
        """Signed, fresh, first-seen and well-formed requests go on to Bolt; others stop here."""
        if environ.get("REQUEST_METHOD") != "POST":
            return Response("method not allowed", status=405)(environ, start_response)
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {
            "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            "x-slack-retry-num": environ.get("HTTP_X_SLACK_RETRY_NUM", ""),
        }
        if not headers["x-slack-signature"] and unsigned_ssl_check(raw):
            return Response("", status=200)(environ, start_response)  # Slack's certificate check: nothing runs
        try:
            verdict = self._gate.check(headers, raw, environ.get("CONTENT_TYPE"))
        except SQLAlchemyError as exc:  # the replay record lives in the database
            log.warning("refused a Slack request (503): the database is unavailable (%s)", type(exc).__name__)
            return Response("", status=503)(environ, start_response)
        retry = headers["x-slack-retry-num"][:3]
        if isinstance(verdict, Refusal):
            log.warning("refused a Slack request (%s): %s%s", verdict.status, verdict.reason,
                        f" (Slack retry {retry})" if retry.isdigit() else "")  # fmt: skip
            return Response("", status=verdict.status)(environ, start_response)
        if isinstance(verdict, AlreadyHandled):
            log.info("acknowledged a Slack request already handled (%s)%s", verdict.identity.split(":")[0],
                     f" (Slack retry {retry})" if retry.isdigit() else "")  # fmt: skip
            return Response("", status=200)(environ, start_response)
        return self._handle(verdict, environ)(environ, start_response)

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
        response = Response(answer.body, status=answer.status)
        for name, values in answer.headers.items():
            for value in values:
                response.headers.add(name, value)
        return response

    def _health(self) -> Response:
        try:
            with self._deps.services.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError as exc:
            log.warning("health check: database unavailable (%s)", type(exc).__name__)
            return Response('{"ok": false, "database": "unavailable"}', status=503, mimetype="application/json")
        return Response('{"ok": true, "database": "ok"}', mimetype="application/json")
