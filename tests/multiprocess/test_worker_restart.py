"""A worker process killed under a running server: another takes its place, the app goes on."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from sandbox.driver import SlackDriver
from sandbox.signing import SlackRequester
from tests.e2e.harness import SIGNING_SECRET, AppProcess, shown_view, wait_until
from tests.e2e.test_settle_flow import BA
from tests.reporting import record

pytestmark = pytest.mark.slow


def workers_of(pid: int) -> list[int]:
    """The server's worker processes (children started by multiprocessing's spawn)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def test_a_killed_worker_is_replaced_and_modals_still_open(fake_slack, env, db):
    with AppProcess(env) as app:
        slack = SlackDriver(fake_slack, SlackRequester(app.url, SIGNING_SECRET))
        slack.slash(BA, "Microsoft 365 E3")  # the worker is up, now idle, waiting on its queues
        first_modal = wait_until(lambda: shown_view(fake_slack, BA), timeout=20)
        fake_slack.close_view(BA)
        (first,) = workers_of(app.pid)
        os.kill(first, signal.SIGKILL)
        (second,) = wait_until(lambda: [p for p in workers_of(app.pid) if p != first], timeout=15)
        assert second != first
        slack.slash(BA, "Microsoft 365 E3")
        modal = wait_until(lambda: (v := shown_view(fake_slack, BA)) and v["id"] != first_modal["id"] and v,
                           timeout=20)  # fmt: skip
        assert modal["callback_id"] == "settle_modal"
        assert app.returncode is None and "starting another" in app.log
    record("worker process SIGKILLed, replaced", requests=2, processes=2, faults=1, charges=0)
