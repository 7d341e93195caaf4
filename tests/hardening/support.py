"""Shared by the hardening tests: one app process per module, database dumps, raw requests."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, MetaData, select

from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.signing import AppResponse, SlackRequester
from tests.e2e.conftest import SPEC, prepare_database, slack_users
from tests.e2e.harness import BILLING_CHANNEL, BOT_TOKEN, SIGNING_SECRET, AppProcess, Inspector, base_env

FORM = "application/x-www-form-urlencoded"
GA, BA, READER, ZH, OTHER, NOBODY = "U0DEMOGA1", "U0DEMOBA2", "U0DEMORD3", "U0DEMOZH4", "U0DEMOOT5", "U0DEMONO6"
# Records written by every accepted Slack request (replay protection), not by what it asked for.
BOOKKEEPING = frozenset({"seen_requests"})


def examples(n: int) -> settings:
    """Hypothesis settings for tests that drive a real process: few examples, no deadline, no DB."""
    return settings(
        max_examples=n, deadline=None, database=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )  # fmt: skip


@dataclass
class Stack:
    """A fake Slack, a migrated database with the demo data, and settlebot serving them."""

    fake: FakeSlack
    app: AppProcess
    db: Inspector
    database_url: str
    sent: list[int] = field(default_factory=list)  # statuses of the requests this module sent

    @property
    def requester(self) -> SlackRequester:
        return SlackRequester(self.app.url, SIGNING_SECRET)

    @property
    def slack(self) -> SlackDriver:
        return SlackDriver(self.fake, self.requester)

    def post(self, body: bytes, content_type: str = FORM, **kwargs: Any) -> AppResponse:
        response = self.requester.post(body, content_type, **kwargs)
        self.sent.append(response.status)
        return response


def start_stack(tmp: Path, **env: str) -> Stack:
    fake = FakeSlack(spec_path=str(SPEC) if SPEC.exists() else None, users=slack_users(), token=BOT_TOKEN)
    fake.add_channel(BILLING_CHANNEL, "billing")
    fake.start()
    url = f"sqlite:///{tmp / 'settlebot.db'}"
    prepare_database(url)
    app = AppProcess(base_env(url, fake.url, **env)).start()
    return Stack(fake, app, Inspector(url), url)


def stop_stack(stack: Stack) -> None:
    """Stop everything; the app must not have logged a traceback while serving (checked before
    it is stopped, as shutting down is not what these tests are about)."""
    log = stack.app.log
    if os.environ.get("HARDENING_LOG"):  # HARDENING_LOG=/tmp/app.log keeps the app's log, for debugging
        Path(os.environ["HARDENING_LOG"]).write_text(log)
    stack.app.stop()
    stack.db.close()
    stack.fake.stop()
    problems = stack.fake.problems
    assert problems == [], "calls real Slack would have refused: " + "; ".join(map(str, problems))
    where = log.find("Traceback")
    assert where < 0, log[max(0, where - 1500) : where + 4500]


def interactive(data: Any) -> bytes:
    """An interaction body as Slack encodes it: a form whose ``payload`` field is JSON."""
    return urlencode({"payload": json.dumps(data)}).encode()


def form(data: dict[str, str]) -> bytes:
    return urlencode(data).encode()


def _tables(engine: Engine) -> MetaData:
    """The tables as the database itself has them (so that nothing is missed), read once per engine."""
    if engine not in _reflected:
        _reflected[engine] = MetaData()
        _reflected[engine].reflect(engine)
    return _reflected[engine]


_reflected: dict[Engine, MetaData] = {}


def rows(engine: Engine, exclude: frozenset[str] = BOOKKEEPING) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    metadata = _tables(engine)
    with engine.connect() as connection:
        return {
            name: sorted((tuple(r) for r in connection.execute(select(table))), key=repr)
            for name, table in metadata.tables.items() if name not in exclude
        }  # fmt: skip


def values(engine: Engine) -> Iterator[tuple[str, str, Any]]:
    """(table, column, value) for every column value in the database, bookkeeping included."""
    metadata = _tables(engine)
    with engine.connect() as connection:
        for name, table in metadata.tables.items():
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    yield name, column, value


def mentions(haystack: str, needle: str) -> bool:
    """``needle`` appears as a token of its own (not inside a longer run of letters or digits)."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(needle)}(?![0-9A-Za-z])", haystack) is not None


def log_messages(log: str) -> str:
    """The app's log without the time stamps (whose milliseconds could look like a CVC)."""
    return re.sub(r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", "", log)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
