"""The HTTP surface: ``POST /slack/events`` (Bolt), ``GET /healthz`` and the add-card page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Request, Response

from bot.cards_page import CardsPage
from handlers.context import Deps

log = logging.getLogger(__name__)
MAX_BODY = 512 * 1024  # Slack's payloads are far smaller; refuse anything larger outright


class WebApp:
    """A plain WSGI app; waitress serves it."""

    def __init__(self, app: App, deps: Deps) -> None:
        self._slack = SlackRequestHandler(app)
        self._deps = deps
        self._cards = CardsPage(deps)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            return Response("request too large", status=413)(environ, start_response)
        if path == "/slack/events":
            if environ.get("REQUEST_METHOD") != "POST":
                return Response("method not allowed", status=405)(environ, start_response)
            if not _signature_headers_well_formed(environ):
                log.warning("refused a Slack request with missing or malformed signature headers")
                return Response("", status=401)(environ, start_response)
            return self._slack(environ, start_response)
        request = Request(environ)
        if path == "/healthz":
            return self._health()(environ, start_response)
        if path == "/cards/new":
            return self._cards(request)(environ, start_response)
        return Response("not found", status=404)(environ, start_response)

    def _health(self) -> Response:
        try:
            with self._deps.services.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError as exc:
            log.warning("health check: database unavailable (%s)", type(exc).__name__)
            return Response('{"ok": false, "database": "unavailable"}', status=503, mimetype="application/json")
        return Response('{"ok": true, "database": "ok"}', mimetype="application/json")


def _signature_headers_well_formed(environ: dict[str, Any]) -> bool:
    """Bolt verifies the signature itself; this only stops what would crash it (e.g. no timestamp)."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    return timestamp.isdigit() and len(timestamp) <= 12 and signature.startswith("v0=")
