"""Part 5: many workspaces. Each of N workspaces has one account with 5 past-due subscriptions
and its own alert channel; the real jobs (``Jobs.scan_and_deliver``) scan and deliver every alert
through the real notifier, with one WebClient (its own bot token) per workspace, to the fake
Slack, which answers HTTP 429 + Retry-After beyond one post a second per channel.

Measured: every alert delivered exactly once (each with its own workspace's token), the wall time
against the ideal the limits set (a channel's 5 messages need at least 4 seconds, whatever the
number of workspaces), the process's peak resident memory, and how they grow from 10 to 1,000
workspaces.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
import logging
import resource
import time
import urllib.parse
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bench import data
from bench.config import RATE_PER_CHANNEL, Config
from bench.procs import BILLING_CHANNEL, BOT_TOKEN, SIGNING_SECRET
from bot.bootstrap import build_services
from bot.scheduler import Jobs
from bot.settings import load_settings
from handlers.notifier import ChannelPacer
from handlers.slack_retry import retry_handlers
from handlers.workspaces import Workspace, WorkspaceGone
from sandbox.fake_slack import FakeSlack

log = logging.getLogger(__name__)
PAST_DUE_EACH = 5


class TokenPerWorkspace:
    """A ``SlackClients`` of one WebClient per workspace, each with its own bot token."""

    def __init__(self, teams: list[str], api_url: str) -> None:
        self.clients = {
            team: WebClient(token=token_of(team), base_url=api_url, timeout=10, retry_handlers=retry_handlers())
            for team in teams
        }  # fmt: skip

    def client_for(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        if team_id not in self.clients:
            raise WorkspaceGone(str(team_id))
        return self.clients[team_id]

    def workspaces(self) -> list[Workspace]:
        return [Workspace(team, None, team) for team in self.clients]


def _peak_rss_mib() -> float:
    """The benchmark process's peak resident memory so far (the app's jobs and the fake Slack
    share it; the scenarios run smallest first, so each row's peak is its own or an earlier one's)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def token_of(team: str) -> str:
    return f"xoxb-{team}"


def run(cfg: Config, workdir: Path) -> list[dict[str, Any]]:
    return [_scenario(workdir, n) for n in cfg.workspace_counts]


def _scenario(workdir: Path, workspaces: int) -> dict[str, Any]:
    row = _run(workdir, workspaces, limits=True)
    floor = _run(workdir, workspaces, limits=False)  # the same work with no rate limit: what the CPU allows
    row["floor_seconds"] = floor["wall_seconds"]
    row["ratio"] = round(row["wall_seconds"] / row["ideal_seconds"], 2) if row["ideal_seconds"] else None
    bound = max(row["ideal_seconds"], floor["wall_seconds"])
    row["ratio_to_bound"] = round(row["wall_seconds"] / bound, 2) if bound else None
    log.info("workspaces %d: %s", workspaces, row)
    return row


def _run(workdir: Path, workspaces: int, *, limits: bool) -> dict[str, Any]:
    """Scan and deliver every alert of a fresh copy of the data; ``limits``: Slack's 1 message a
    second per channel, kept by the app's pacer (and enforced by the fake with 429s)."""
    today = dt.datetime.now(dt.UTC).date()
    shape = data.Shape(workspaces * PAST_DUE_EACH, today, subs_per_account=PAST_DUE_EACH, past_due_every=1,
                       alerted=False, channel_every=1, channels=workspaces, workspaces=workspaces)  # fmt: skip
    url = data.sqlite_url(str(workdir / f"workspaces-{workspaces}-{limits}.db"))
    data.load(url, shape)
    channels = {data.team_of(j, shape): shape.channel_of(j) for j in range(shape.accounts)}
    fake = FakeSlack(token=None)
    tokens = TokenLog(fake)
    with fake:
        for channel in channels.values():
            fake.add_channel(str(channel))
            if limits:
                fake.rate_limit_channel(str(channel), RATE_PER_CHANNEL, retry_after=1)
        settings = load_settings(database_url=url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                                 slack_api_url=fake.url, billing_channel=BILLING_CHANNEL)  # fmt: skip
        services = build_services(settings)
        services.clients = TokenPerWorkspace(sorted(str(t) for t in channels), fake.url)
        notifier = services.notifier(None if limits else ChannelPacer(interval=0))
        started = time.perf_counter()
        report, delivered = Jobs(services, notifier).scan_and_deliver()
        wall = time.perf_counter() - started
        row = _check(fake, tokens, channels, shape.past_due)
        row.update(workspaces=workspaces, alerts=report.alerts, failed=delivered.failed, wall_seconds=round(wall, 2),
                   digests=len(delivered.taken.digests), peak_mib=_peak_rss_mib())  # fmt: skip
        services.close()
    return row


def _check(fake: FakeSlack, tokens: TokenLog, channels: dict[str | None, str | None], expected: int) -> dict[str, Any]:
    """Exactly once, each with its workspace's token, into its workspace's channel."""
    posts = fake.calls_to("chat.postMessage", ok=True)
    per_channel = collections.Counter(str(c.params.get("channel")) for c in posts)
    shown = collections.Counter(
        button["value"] for c in posts for block in c.params.get("blocks") or []
        for button in [block.get("accessory") or {}, *block.get("elements", [])] if isinstance(button, dict)
        and button.get("action_id") == "settle_open"
    )  # fmt: skip
    team_of = {channel: team for team, channel in channels.items()}
    wrong_token = sum(1 for token, channel in tokens.posts if token != token_of(str(team_of.get(channel))))
    ideal = max((n - 1) / RATE_PER_CHANNEL for n in per_channel.values()) if per_channel else 0.0
    return {
        "messages": len(posts), "expected": expected, "ideal_seconds": round(ideal, 2),
        "http_429": len(fake.calls_to("chat.postMessage", ok=False)),
        "missing": expected - len(shown), "duplicates": sum(n - 1 for n in shown.values() if n > 1),
        "wrong_token": wrong_token,
    }  # fmt: skip


class TokenLog:
    """Which bot token each chat.postMessage reached the fake Slack with, and to which channel
    (a WSGI layer in front of the fake, which does not record tokens)."""

    def __init__(self, fake: FakeSlack) -> None:
        self.posts: list[tuple[str, str]] = []
        self._app = fake.wsgi_app
        fake.wsgi_app = self

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").endswith("/chat.postMessage"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
            channel = _channel(body, environ.get("CONTENT_TYPE", ""))
            self.posts.append((token, channel))
        return self._app(environ, start_response)


def _channel(body: bytes, kind: str) -> str:
    if kind.startswith("application/json"):
        return str(json.loads(body or b"{}").get("channel"))
    return urllib.parse.parse_qs(body.decode()).get("channel", ["?"])[0]
