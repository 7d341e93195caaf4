"""One error handler for every listener: unknown errors get a reference id, logged with the traceback."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse

from domain.errors import DomainError
from handlers.background import new_reference

log = logging.getLogger(__name__)


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        kind = body.get("type") or body.get("command") or "request"
        if isinstance(error, DomainError):
            log.info("refused %s: %s", kind, error.key)
            return BoltResponse(status=400, body="")
        reference = new_reference()
        log.error("%s failed (ref %s)", kind, reference, exc_info=error)
        return BoltResponse(status=500, body="")
