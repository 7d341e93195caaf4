"""One log format for the serving process and its workers: text, or one JSON object per line
(``LOG_FORMAT=json``) carrying the ids bound in ``telemetry.context``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import threading
from types import TracebackType

from telemetry import context

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
log = logging.getLogger(__name__)


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, the bound ids, and the traceback if any: nothing else of
    the record (no ``extra`` fields), so only what a log call's message says can appear."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
            **context.current(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _Ids(logging.Filter):
    """Text lines end with the bound ids, when there are any."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = context.current()
        record.ids = (" [" + " ".join(f"{k}={v}" for k, v in ids.items()) + "]") if ids else ""
        return True


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Log to stderr at ``level`` in ``fmt``; uncaught exceptions and warnings are logged too."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(FORMAT + "%(ids)s"))
        handler.addFilter(_Ids())
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), handlers=[handler], force=True)
    logging.captureWarnings(True)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # only `settlebot db upgrade` says what it ran
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread


def _uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    log.critical("uncaught %s", kind.__name__, exc_info=(kind, error, trace))


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread else "?"
    log.critical("uncaught %s in thread %s", args.exc_type.__name__, name,
                 exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # fmt: skip
