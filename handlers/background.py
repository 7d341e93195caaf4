"""Running work after Slack has been acknowledged, with failures logged under a reference id."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

log = logging.getLogger(__name__)


def new_reference() -> str:
    return uuid.uuid4().hex[:10]


def after_ack(executor: Executor, fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """Submit ``fn``; an unexpected error is logged with its traceback and a reference id."""

    def run() -> Any:
        try:
            return fn(*args)
        except Exception:
            log.exception("background task %s failed (ref %s)", fn.__name__, new_reference())
            raise

    return executor.submit(run)
