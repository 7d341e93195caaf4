"""One error handler for every listener: unknown errors get a reference id, logged with the traceback.

Log lines name the request kind and ids only, never a payload, its values or a token.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk.errors import SlackApiError

from domain.errors import DomainError
from domain.ports import StorageUnavailable
from handlers.i18n import translator
from handlers.work import new_reference

log = logging.getLogger(__name__)


def request_kind(body: Any) -> str:
    """``block_actions``, ``view_submission``, ``/settle``... (a short label, never content)."""
    if not isinstance(body, dict):
        return "request"
    kind = body.get("type") or body.get("command") or "request"
    return kind[:40] if isinstance(kind, str) and kind.isprintable() else "request"


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        kind = request_kind(body)
        if isinstance(error, DomainError):
            log.info("refused %s: %s", kind, error.key)
            return BoltResponse(status=400, body="")
        if isinstance(error, StorageUnavailable):
            log.warning("%s refused: the database is unavailable (%s)", kind, error)
            return unavailable_response(kind)
        reference = new_reference()
        if isinstance(error, SlackApiError):  # e.g. a trigger id that expired before views.open
            log.warning("%s: Slack answered %s (ref %s)", kind, error.response.get("error"), reference)
            return BoltResponse(status=502, body="")
        log.error("%s failed (ref %s)", kind, reference, exc_info=error)
        return BoltResponse(status=500, body="")


def unavailable_response(kind: str) -> BoltResponse:
    """A slash command gets a polite ephemeral answer; anything else a 503 (Slack shows its own error)."""
    if kind.startswith("/"):
        text = translator(None)("unavailable")
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": text}),
                            headers={"content-type": "application/json"})  # fmt: skip
    return BoltResponse(status=503, body="")
