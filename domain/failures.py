"""Failures that belong to one record (an alert, an account): logged once, then quieter.

A use case that goes over many records sets a failing one aside, goes on with the others,
and tries it again on its next run. Logging it on every run at the same level would bury
everything else, so the first failure of a record is logged with its id (an unexpected
error with its traceback), the same failure again only at DEBUG, a different one again in
full, and its recovery once at INFO.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from domain.errors import BadRecord, DomainError
from domain.ports import DeliveryFailed

log = logging.getLogger(__name__)
REMEMBERED = 10_000  # records whose failure is remembered; the oldest are forgotten first


class FailureLog:
    """Remembers which records failed and why (thread-safe, in memory, per process)."""

    def __init__(self, logger: logging.Logger = log, remembered: int = REMEMBERED) -> None:
        self._log = logger
        self._remembered = remembered
        self._reasons: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def failed(self, kind: str, record_id: str, error: BaseException) -> None:
        """Record that ``kind`` ``record_id`` failed with ``error``; it is retried next run."""
        reason = describe_error(error)
        with self._lock:
            seen = self._reasons.get((kind, record_id)) == reason
            self._reasons[(kind, record_id)] = reason
            self._reasons.move_to_end((kind, record_id))
            while len(self._reasons) > self._remembered:
                self._reasons.popitem(last=False)
        if seen:
            self._log.debug("%s %s still failing: %s", kind, record_id, reason)
        elif expected(error):
            self._log.warning("%s %s failed: %s; set aside, retried next run", kind, record_id, reason)
        else:
            self._log.error("%s %s failed: %s; set aside, retried next run", kind, record_id, reason,
                            exc_info=error)  # fmt: skip

    def succeeded(self, kind: str, record_id: str) -> None:
        """Record that ``kind`` ``record_id`` went through; a recovery is logged once."""
        with self._lock:
            reason = self._reasons.pop((kind, record_id), None)
        if reason is not None:
            self._log.info("%s %s went through after failing (%s)", kind, record_id, reason)

    def failing(self) -> dict[tuple[str, str], str]:
        """The records failing now, and why."""
        with self._lock:
            return dict(self._reasons)


def expected(error: BaseException) -> bool:
    """A failure the system knows (bad data, Slack refusing), as opposed to a bug."""
    return isinstance(error, (DomainError, DeliveryFailed))


def describe_error(error: BaseException) -> str:
    """A short reason for the logs: the error's kind and text (ids only, never a payload)."""
    text = str(error)
    if isinstance(error, DomainError) and error.params and not isinstance(error, BadRecord):
        text = f"{text} {sorted(error.params.items())}"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
