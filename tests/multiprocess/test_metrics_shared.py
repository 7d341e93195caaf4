"""Several ``serve`` processes of one host share PROMETHEUS_MULTIPROC_DIR: a scrape of any one
counts them all; one that stops still counts; the directory is wiped only when a process starts
on it with no other one running."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.signing import SlackRequester
from tests.e2e.harness import AppProcess
from tests.e2e.test_operations import FORM, scrape, value

pytestmark = pytest.mark.slow


def _forged(app: AppProcess) -> None:
    assert SlackRequester(app.url, "not-the-signing-secret").post(b"payload=%7B%7D", FORM).status == 401


def _refused(app: AppProcess) -> float:
    return value(scrape(app.url), "settlebot_requests_total", kind="unknown", outcome="unauthorized")


def test_serve_processes_sharing_the_directory_are_counted_together_and_wiped_only_when_alone(env, tmp_path: Path):
    shared = {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    with AppProcess(shared) as first:
        with AppProcess(shared) as second:
            _forged(first)
            _forged(second)
            assert _refused(first) == _refused(second) == 2
        assert _refused(first) == 2  # the second stopped: what it counted still counts
        with AppProcess(shared) as third:  # joins a running process: nothing wiped
            assert _refused(third) == 2
    with AppProcess(shared) as alone:  # nobody else runs: a new run starts from zero
        assert _refused(alone) == 0
