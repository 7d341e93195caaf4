"""``GET /readyz``: ready to serve only when the database answers (with settlebot's schema) and
the workers that do the work after each ack are up; the reasons otherwise."""

from __future__ import annotations

import json
import logging
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from storage.ops_stats import schema_version

log = logging.getLogger(__name__)


class Workers(Protocol):
    def problems(self) -> list[str]: ...


class Readiness:
    def __init__(self, engine: Engine, workers: Workers | None) -> None:
        self._engine = engine
        self._workers = workers
        self._stopping = False

    def stopping(self) -> None:
        """From now on not ready: a balancer stops sending requests while acked jobs finish."""
        self._stopping = True

    def problems(self) -> list[str]:
        if self._stopping:
            return ["stopping"]
        found = [] if self._workers is None else self._workers.problems()
        try:
            if schema_version(self._engine) is None:
                found.append("database has no schema version (run settlebot db upgrade)")
        except SQLAlchemyError as exc:
            found.append(f"database unavailable ({type(exc).__name__})")
        return found

    def response(self) -> Response:
        problems = self.problems()
        if problems:
            log.warning("not ready: %s", "; ".join(problems))
            return Response(json.dumps({"ready": False, "reasons": problems}), status=503, mimetype="application/json")
        return Response('{"ready": true}', mimetype="application/json")
