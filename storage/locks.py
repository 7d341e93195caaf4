"""Leadership: which of several processes runs the scheduled jobs.

PostgreSQL: a session-level advisory lock held on a dedicated connection; if the leader
dies, its connection closes and the lock is free for the next process that asks.
SQLite (one machine): an exclusive ``flock`` on a file beside the database, released by the
kernel when the process dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger(__name__)
SCHEDULER_LOCK_KEY = 0x5E771E  # "settle": the advisory lock id of the scheduler


class LeaderLock:
    """``held()`` is True while this process is the leader; it tries to become one when asked."""

    def __init__(self, engine: Engine, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._sqlite = make_url(str(engine.url)).get_backend_name() == "sqlite"
        self._connection: Connection | None = None
        self._file: IO[Any] | None = None
        self._mutex = threading.Lock()

    def held(self) -> bool:
        """Whether this process leads now, trying to take the lead if nobody holds it."""
        with self._mutex:
            return self._hold_file() if self._sqlite else self._hold_advisory()

    def _hold_advisory(self) -> bool:
        try:
            if self._connection is not None:
                self._connection.execute(select(1))  # still alive, still ours
                return True
            connection = self._engine.connect()
            got = connection.execute(select(func.pg_try_advisory_lock(self._key))).scalar()
            connection.commit()
            if not got:
                connection.close()
                return False
            self._connection = connection
            log.info("this process now runs the scheduled jobs (advisory lock %s)", self._key)
            return True
        except (OperationalError, DBAPIError) as exc:
            log.warning("scheduler lock lost or unavailable (%s)", type(exc).__name__)
            self._drop_connection()
            return False

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except (OperationalError, DBAPIError):
                pass
            self._connection = None

    def _hold_file(self) -> bool:
        if self._file is not None:
            return True
        database = make_url(str(self._engine.url)).database or "settlebot.db"
        path = Path(database if database != ":memory:" else "settlebot.db").with_suffix(".scheduler.lock")
        handle = open(path, "a+")  # noqa: SIM115 - held open for the life of the lock
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        log.info("this process now runs the scheduled jobs (lock file %s)", path)
        return True

    def release(self) -> None:
        with self._mutex:
            self._drop_connection()
            if self._file is not None:
                self._file.close()
                self._file = None


DELIVERY_LOCK_KEY = 0x5E771F  # the advisory lock id of a delivery run


class DeliveryLock:
    """Held around every delivery run that may post new messages, so that the scheduler's run and
    one started by a webhook's job (in any process) never post the same alert twice: each reads the
    outbox only once the other has recorded what it posted.

    PostgreSQL: a session-level advisory lock on a connection kept while it is held; SQLite: an
    exclusive ``flock`` on a file beside the database. Both are freed if the process dies.
    """

    def __init__(self, engine: Engine, key: int = DELIVERY_LOCK_KEY, poll: float = 0.05) -> None:
        self._engine, self._key, self._poll = engine, key, poll
        url = make_url(str(engine.url))
        self._sqlite = url.get_backend_name() == "sqlite"
        database = url.database or "settlebot.db"
        self._path = Path(database if database != ":memory:" else "settlebot.db").with_suffix(".delivery.lock")

    @contextmanager
    def hold(self, timeout: float) -> Iterator[bool]:
        """Yields True once held (released on exit), False if another run kept it for ``timeout`` s."""
        deadline = time.monotonic() + timeout
        if self._sqlite:
            with open(self._path, "a+") as handle:
                got = self._wait(lambda: _try_flock(handle), deadline)
                yield got  # the kernel frees the lock when the file closes
            return
        with self._engine.connect() as connection:
            got = self._wait(lambda: bool(connection.execute(select(func.pg_try_advisory_lock(self._key))).scalar()),
                             deadline)  # fmt: skip
            connection.commit()
            try:
                yield got
            finally:
                if got:
                    connection.execute(select(func.pg_advisory_unlock(self._key)))
                    connection.commit()

    def _wait(self, attempt: Callable[[], bool], deadline: float) -> bool:
        while not attempt():
            if time.monotonic() >= deadline:
                return False
            time.sleep(self._poll)
        return True


def _try_flock(handle: IO[Any]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


REFRESH_LOCK_CLASS = 0x5E77  # the first key of a token refresh's advisory lock (the second: the workspace's)


class RefreshLock:
    """One token refresh per workspace at a time, across processes (a refresh token works once):
    PostgreSQL: a session-level advisory lock on (REFRESH_LOCK_CLASS, a hash of the workspace's
    key); SQLite: an exclusive ``flock`` on a file per workspace beside the database. Both are
    freed if the process dies."""

    def __init__(self, engine: Engine, poll: float = 0.02) -> None:
        self._engine, self._poll = engine, poll
        url = make_url(str(engine.url))
        self._sqlite = url.get_backend_name() == "sqlite"
        database = url.database or "settlebot.db"
        self._base = Path(database if database != ":memory:" else "settlebot.db")

    @contextmanager
    def hold(self, key: str, timeout: float) -> Iterator[bool]:
        """Yields True once ``key``'s lock is held (released on exit), False after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        if self._sqlite:
            path = self._base.with_suffix(f".refresh-{_digest(key):08x}.lock")
            with open(path, "a+") as handle:
                yield _wait(lambda: _try_flock(handle), deadline, self._poll)
            return
        objid = _digest(key) - 2**31  # advisory lock keys are signed 32-bit integers
        with self._engine.connect() as connection:
            take = select(func.pg_try_advisory_lock(REFRESH_LOCK_CLASS, objid))
            got = _wait(lambda: bool(connection.execute(take).scalar()), deadline, self._poll)
            connection.commit()
            try:
                yield got
            finally:
                if got:
                    connection.execute(select(func.pg_advisory_unlock(REFRESH_LOCK_CLASS, objid)))
                    connection.commit()


def _digest(key: str) -> int:
    return zlib.crc32(key.encode())


def _wait(attempt: Callable[[], bool], deadline: float, poll: float) -> bool:
    while not attempt():
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True
