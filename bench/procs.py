"""Servers under test as child processes: started, their port read back, stopped."""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
BILLING_CHANNEL = "C0BILLING1"


def app_env(database_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    """settlebot's environment for a benchmark run (no .env file is read: cwd is ROOT)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "GATEWAY_"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack_api_url,
        DATABASE_URL=database_url, BILLING_CHANNEL=BILLING_CHANNEL, PYTHONUNBUFFERED="1",
        HOST="127.0.0.1", PUBLIC_URL="http://127.0.0.1:9", TIMEZONE="UTC",
    )  # fmt: skip
    env.update(extra)
    return env


class ChildServer:
    """``python -m MODULE ARGS`` that prints ``listening on http://HOST:PORT`` once it serves."""

    def __init__(self, module: str, args: list[str], env: dict[str, str]) -> None:
        self.command = [sys.executable, "-m", module, *args]
        self.env = env
        self.url = ""
        self.tail: collections.deque[str] = collections.deque(maxlen=200)
        self._proc: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 60.0) -> ChildServer:
        self._proc = subprocess.Popen(
            self.command, env=self.env, cwd=ROOT, text=True, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        found = threading.Event()
        threading.Thread(target=self._drain, args=(found,), daemon=True).start()
        if not found.wait(timeout):
            self.stop()
            raise RuntimeError(f"{' '.join(self.command)} did not start:\n" + "".join(self.tail))
        return self

    def _drain(self, found: threading.Event) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self.tail.append(line)
            match = re.search(r"listening on (http://\S+)", line)
            if match and not found.is_set():
                self.url = match.group(1)
                found.set()

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until ``GET /readyz`` answers 200 (the database answers, the workers take jobs): a
        click sent while a worker is still starting would find its trigger id expired."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:  # 503 while starting (HTTPError), or not answering yet
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(self.command)} not ready after {timeout:.0f} s")
            time.sleep(0.1)

    def errors(self) -> list[str]:
        return [line for line in self.tail if "Traceback" in line or " ERROR " in line]

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)

    def __enter__(self) -> ChildServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
