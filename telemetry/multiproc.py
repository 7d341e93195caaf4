"""The directory ``prometheus_client``'s multiprocess mode shares between the processes of a host.

The serving process sets it up before its workers start (they inherit ``PROMETHEUS_MULTIPROC_DIR``),
each process writes its own files there, and a scrape sums them. The library's docs ask for the
directory to be wiped between runs: the first settlebot process to start on it (no other one
alive holds its lock) wipes it; one that joins processes already running leaves it alone. The
live gauges of a process that died (a worker killed, a server killed outright) are removed
(``mark_process_dead``), so they stop counting.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)
ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_FILE = re.compile(r"gauge_live\w+_(\d+)\.db")


class MetricsDir:
    """A process's membership of the shared directory, from ``open`` to ``close``."""

    def __init__(self, path: Path | None, private: bool = False, live: IO[Any] | None = None) -> None:
        self.path = path  # None: this process counts in memory, alone
        self._private = private
        self._live = live

    @classmethod
    def open(cls, configured: str | None) -> MetricsDir:
        """Join ``configured`` (or a new private directory), wiping it if no one else uses it."""
        if in_memory_client():
            # Only when settlebot runs inside another program that used prometheus_client
            # first (the tests' in-process sandbox): /metrics then shows this process alone.
            log.warning("metrics: prometheus_client was loaded before %s was set; counting in memory", ENV)
            return cls(None)
        private = not configured
        path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="settlebot-metrics-"))
        path.mkdir(parents=True, exist_ok=True)
        os.environ[ENV] = str(path)
        live = _join(path)
        for pid in _dead_pids(path):
            mark_dead(pid, path)
        return cls(path, private, live)

    def mark_dead(self, pid: int) -> None:
        if self.path is not None:
            mark_dead(pid, self.path)

    def close(self) -> None:
        """This process's live gauges go; the lock is released; a private directory is removed."""
        if self.path is None or self._live is None:
            return
        self.mark_dead(os.getpid())
        self._live.close()
        if self._private:
            shutil.rmtree(self.path, ignore_errors=True)
            os.environ.pop(ENV, None)


def mark_dead(pid: int, path: Path) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, str(path))  # type: ignore[no-untyped-call]


def _join(path: Path) -> IO[Any]:
    """A shared lock on ``.live.lock`` for as long as this process lives; the first one wipes."""
    with open(path / ".startup.lock", "a+") as startup:
        fcntl.flock(startup.fileno(), fcntl.LOCK_EX)  # one process at a time decides
        live = open(path / ".live.lock", "a+")  # noqa: SIM115 - held for the life of the process
        try:
            fcntl.flock(live.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # others are running: their files stay
        else:
            for stale in path.glob("*.db"):
                stale.unlink(missing_ok=True)
        fcntl.flock(live.fileno(), fcntl.LOCK_SH)
    return live


def _dead_pids(path: Path) -> set[int]:
    pids = {int(m.group(1)) for f in path.iterdir() if (m := _LIVE_FILE.fullmatch(f.name))}
    return {pid for pid in pids if not _alive(pid)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def in_memory_client() -> bool:
    """prometheus_client was imported without the variable, so it keeps values in memory."""
    values = sys.modules.get("prometheus_client.values")
    return values is not None and not getattr(values.ValueClass, "_multiprocess", False)


def multiprocess_client() -> bool:
    values = sys.modules.get("prometheus_client.values")
    return values is not None and bool(getattr(values.ValueClass, "_multiprocess", False))
