"""One settlebot process (and fake Slack, and database) per test module, so that many
hand-made and generated requests stay fast."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hardening.support import Stack, start_stack, stop_stack
from tests.multiprocess.conftest import pg_url as pg_database  # noqa: F401  (a fresh PostgreSQL database)
from tests.storage.conftest import (  # noqa: F401  (a migrated SQLite file, and PostgreSQL when configured)
    db_url,
    engine,
    pg_engine,
    pg_url,
    sqlite_template,
    sqlite_url,
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("hardening"))
    try:
        yield running
    finally:
        stop_stack(running)
