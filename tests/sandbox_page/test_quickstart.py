"""``make run`` (``python -m bot.quickstart``) with no Slack tokens, as a fresh clone runs it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
URL_LINE = re.compile(r"^Open (http://127\.0\.0\.1:\d+/) in your browser$")


class Quickstart:
    """``python -m bot.quickstart`` in ``cwd``; its output is collected as it comes."""

    def __init__(self, cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
        env.update(PORT="0", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.quickstart"], cwd=cwd, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if URL_LINE.match(self.lines[-1]):
                self.ready.set()

    def _read_errors(self) -> None:
        assert self.proc.stderr is not None
        self.errors.extend(line.rstrip("\n") for line in self.proc.stderr)

    @property
    def output(self) -> str:
        return "\n".join(self.lines) + "\n--- stderr ---\n" + "\n".join(self.errors)

    def url(self, timeout: float = 60.0) -> str:
        if not self.ready.wait(timeout):
            self.proc.kill()
            raise AssertionError("no URL line within a minute:\n" + self.output)
        return next(m.group(1) for m in map(URL_LINE.match, self.lines) if m)

    def stop(self, sig: signal.Signals) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_make_run_without_tokens_serves_the_sandbox_with_the_demo_alerts_and_stops_cleanly(tmp_path) -> None:
    for attempt, stop_with in enumerate((signal.SIGINT, signal.SIGTERM)):  # run twice in the same directory
        run = Quickstart(tmp_path)
        url = run.url()
        status, html = get(url)
        assert status == 200 and "no real money moves" in html
        for product in ("Microsoft 365 E3", "Microsoft 365 Business Premium", "Power BI Pro", "Teams Essentials"):
            assert f"Past-due payment: {product}" in html, f"run {attempt + 1}: no alert for {product}"
        assert html.count('class="msg"') == 4  # a fresh sandbox each run: no alerts left over
        assert run.stop(stop_with) == 0, run.output
        assert "Stopped." in run.lines and "Traceback" not in run.output, run.output
        assert len([line for line in run.lines if "http" in line]) == 1, run.output  # exactly one URL printed
    assert (tmp_path / "sandbox.db").exists()
