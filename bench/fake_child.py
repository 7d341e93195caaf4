"""The fake Slack of the workspaces part, in a process of its own: Slack's servers are not on
settlebot's machine, so what the fake spends (it validates every payload) must not be counted
as settlebot's CPU, nor take settlebot's interpreter lock.

``python -m bench.fake_child SETUP.json`` serves the Web API, prints ``listening on URL`` and
answers ``GET /bench/report`` with what ``chat.postMessage`` received (channel, token and the
"Settle balance" buttons of each post, and the 429s). SETUP: ``{"channels": [...], "limits":
bool, "rate": float}`` (with limits, HTTP 429 + Retry-After beyond ``rate`` posts a second
per channel).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from sandbox.fake_slack import FakeSlack

REPORT_PATH = "/bench/report"


class Reporting:
    """A WSGI layer in front of the fake: ``GET /bench/report`` is the report, the rest the fake's."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self._app = fake.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").endswith(REPORT_PATH):
            body = json.dumps(report(self.fake)).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return self._app(environ, start_response)


def report(fake: FakeSlack) -> dict[str, Any]:
    posts = [
        {"channel": str(c.params.get("channel")), "token": c.token, "buttons": _buttons(c.params)}
        for c in fake.calls_to("chat.postMessage", ok=True)
    ]
    return {"posts": posts, "http_429": len(fake.calls_to("chat.postMessage", ok=False))}


def _buttons(params: dict[str, Any]) -> list[str]:
    """The values of the message's "Settle balance" buttons (one per alert shown)."""
    return [
        button["value"] for block in params.get("blocks") or []
        for button in [block.get("accessory") or {}, *block.get("elements", [])]
        if isinstance(button, dict) and button.get("action_id") == "settle_open"
    ]  # fmt: skip


def main(setup_path: str) -> None:
    setup = json.loads(Path(setup_path).read_text())
    fake = FakeSlack(token=None)
    fake.wsgi_app = Reporting(fake)  # type: ignore[assignment]  # a WSGI app in front of the WebApi
    for channel in setup["channels"]:
        fake.add_channel(channel)
        if setup["limits"]:
            fake.rate_limit_channel(channel, setup["rate"], retry_after=1)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with fake:
        print(f"listening on {fake.url}", flush=True)
        stop.wait()


if __name__ == "__main__":
    main(sys.argv[1])
