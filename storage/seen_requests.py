"""Which signed Slack requests were already accepted, shared by every process on the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import sessionmaker

from storage.repositories.base import table_of
from storage.seen_model import SeenRequestRow

PURGE_EVERY = 30.0  # seconds between deletions of expired records, per process


class SeenRequestStore:
    """Records signatures (as SHA-256 digests) until they expire; each call is its own transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine)
        self._dialect = engine.dialect.name
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def first_sighting(self, signature: str, expires_at: dt.datetime, now: dt.datetime) -> bool:
        """True for the one caller that recorded ``signature`` first, False for every later one."""
        digest = hashlib.sha256(signature.encode("utf-8", "replace")).hexdigest()
        table = table_of(SeenRequestRow)
        insert = postgresql.insert(table) if self._dialect == "postgresql" else sqlite.insert(table)
        # RETURNING says whether this call inserted the row (rowcount is -1 with psycopg here).
        statement = insert.on_conflict_do_nothing(index_elements=["digest"]).returning(table.c.digest)
        with self._engine.begin() as connection:  # Core, not a Session: this runs before every ack
            if self._purge_due():
                connection.execute(delete(table).where(table.c.expires_at < now))
            inserted = connection.execute(statement, {"digest": digest, "expires_at": expires_at}).first()
            return inserted is not None

    def count(self) -> int:
        """How many records are kept (expired ones included until the next purge)."""
        with self._sessions.begin() as session:
            return session.scalar(select(func.count()).select_from(SeenRequestRow)) or 0

    def _purge_due(self) -> bool:
        with self._lock:
            moment = time.monotonic()
            if moment < self._next_purge:
                return False
            self._next_purge = moment + PURGE_EVERY
            return True
