"""Running the real settlebot as a child process, as an operator would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from handlers.ids import LOADING_MODAL

ROOT = Path(__file__).parents[2]
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
BILLING_CHANNEL = "C0BILLING1"


def base_env(database_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack_api_url,
        DATABASE_URL=database_url, BILLING_CHANNEL=BILLING_CHANNEL, PYTHONUNBUFFERED="1",
        HOST="127.0.0.1", PUBLIC_URL="http://127.0.0.1:9", TIMEZONE="UTC",
    )  # fmt: skip
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``settlebot ARGS`` to completion."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env=env, cwd=ROOT, text=True,
        capture_output=True, timeout=120,
    )  # fmt: skip
    if check and done.returncode != 0:
        raise AssertionError(f"settlebot {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def cli_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(cli(env, *args, "--json").stdout)


class AppProcess:
    """``settlebot serve --port 0``; the port is read back from its first line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.env = env
        self.args = args or ("serve", "--no-scheduler", "--port", "0")
        self.output: list[str] = []
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 30.0) -> AppProcess:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *self.args], env=self.env, cwd=ROOT, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        found = threading.Event()
        threading.Thread(target=self._drain, args=(found,), daemon=True).start()
        if not found.wait(timeout):
            self.stop()
            raise AssertionError("settlebot did not start:\n" + "".join(self.output))
        return self

    def _drain(self, found: threading.Event) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self.output.append(line)
            match = re.search(r"listening on (http://\S+)", line)
            if match and not found.is_set():
                self.url = match.group(1)
                found.set()

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as a crash."""
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(10)

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    @property
    def log(self) -> str:
        return "".join(self.output)

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)

    def __enter__(self) -> AppProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def shown_view(fake: Any, user: str) -> Any:
    """The modal ``user`` sees, once it shows more than "loading" (None before)."""
    view = fake.current_view(user)
    return view if view and view.get("callback_id") != LOADING_MODAL else None


class Inspector:
    """Reads what the app wrote, in-process and read-only (faster than a CLI process per look)."""

    def __init__(self, database_url: str) -> None:
        from sqlalchemy.orm import sessionmaker

        from storage.db import make_engine

        self.engine = make_engine(database_url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def charges(self) -> list[Any]:
        from bot.printing import charge_rows
        from storage.ledger import SqlLedger

        return charge_rows(SqlLedger(self.engine).entries())

    def uow(self) -> Any:
        from storage.uow import SqlUnitOfWork

        return SqlUnitOfWork(self._sessions)

    def open_balances(self, *, unreadable_ok: bool = False) -> set[str]:
        """The subscriptions with a balance. An account that cannot be read is left out; unless
        ``unreadable_ok``, that fails the test with its id (a subscription missing for that
        reason must not pass for a paid one)."""
        import datetime as dt

        from domain.listing import balances

        sheet = balances(self.uow(), dt.datetime.now(dt.UTC).date())
        assert unreadable_ok or not sheet.unreadable, f"accounts that cannot be read: {sheet.unreadable}"
        return {line.subscription.id for _, line in sheet.rows}

    def close(self) -> None:
        self.engine.dispose()
