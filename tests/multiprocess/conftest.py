"""Several settlebot processes on one database, a fake Slack, and faults."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.e2e.conftest import database_url, db, env, fake_slack  # noqa: F401  (shared fixtures)

PG = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    if not PG:
        pytest.skip("TEST_DATABASE_URL is not set (PostgreSQL)")
    url = make_url(PG)
    name = f"settlebot_mp_{uuid.uuid4().hex[:10]}"
    host, port, user = url.host or "127.0.0.1", url.port or 5432, url.username or "postgres"
    admin = f"host={host} port={port} user={user} dbname={url.database}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
