"""Part 5: many workspaces. Each of N workspaces has one account with 5 past-due subscriptions
and its own alert channel; the real jobs (``Jobs.scan_and_deliver``) scan and deliver every alert
through the real notifier in installation mode (each workspace installed in slack_sdk's store
on settlebot's database, with its own bot token), to the fake Slack, which answers HTTP 429 +
Retry-After beyond one post a second per channel.

The fake Slack runs in a process of its own (``bench.fake_child``): Slack's servers are not on
settlebot's machine, so this process's CPU is settlebot's alone (the scan and the delivery run
here), and the fake's is read apart from ``/proc``.

Measured: every alert delivered exactly once (each with its own workspace's token), the wall time
against the ideal the limits set (a channel's 5 messages need at least 4 seconds, whatever the
number of workspaces), the CPU seconds per message of settlebot and of the fake, the process's
peak resident memory, and how they grow from 10 to 1,000 workspaces.
"""

from __future__ import annotations

import collections
import datetime as dt
import gc
import json
import logging
import os
import resource
import time
import urllib.request
from pathlib import Path
from typing import Any

from slack_sdk.oauth.installation_store.models.installation import Installation

from bench import data
from bench.config import RATE_PER_CHANNEL, Config
from bench.fake_child import REPORT_PATH
from bench.procs import BILLING_CHANNEL, SIGNING_SECRET, ChildServer
from bot.bootstrap import build_services
from bot.heap import freeze_boot_heap
from bot.installed import InstalledWorkspaces
from bot.scheduler import Jobs
from bot.settings import load_settings
from handlers.notifier import ChannelPacer

log = logging.getLogger(__name__)
PAST_DUE_EACH = 5
TICKS = os.sysconf("SC_CLK_TCK")
CLIENT_ID, CLIENT_SECRET = "1234567890.1234567890", "bench-client-secret"  # installation mode ("Add to Slack")


def install(installed: InstalledWorkspaces, teams: list[str]) -> None:
    """Each workspace installed as "Add to Slack" leaves it: slack_sdk's installation store on
    settlebot's database, the workspace's own bot token (not rotating)."""
    for team in teams:
        installed.store.save(Installation(
            app_id="A0BENCH", team_id=team, team_name=team, bot_token=token_of(team), bot_id=f"B{team}",
            bot_user_id=f"U{team}", user_id="U0INSTALLER", bot_scopes="chat:write", installed_at=time.time(),
        ))  # fmt: skip


def _peak_rss_mib() -> float:
    """settlebot's (this process's) peak resident memory so far; the scenarios run smallest
    first, so each row's peak is its own or an earlier one's."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU of a process so far, from ``/proc/PID/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


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
    channels = {str(data.team_of(j, shape)): str(shape.channel_of(j)) for j in range(shape.accounts)}
    setup = workdir / f"fake-{workspaces}-{limits}.json"
    setup.write_text(json.dumps({"channels": sorted(channels.values()), "limits": limits, "rate": RATE_PER_CHANNEL}))
    with ChildServer("bench.fake_child", [str(setup)], dict(os.environ)) as fake:
        row = _deliver(url, fake, channels, limits)
        row.update(_check(_report(fake.url), channels, shape.past_due))
    row.update(workspaces=workspaces)
    return row


def _deliver(url: str, fake: ChildServer, channels: dict[str, str], limits: bool) -> dict[str, Any]:
    """Scan and deliver in this process, timed; CPU of this process and of the fake's, per message."""
    settings = load_settings(database_url=url, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.url,
                             billing_channel=BILLING_CHANNEL, slack_client_id=CLIENT_ID,
                             slack_client_secret=CLIENT_SECRET)  # fmt: skip
    services = build_services(settings)
    assert services.installed is not None
    install(services.installed, sorted(channels))
    notifier = services.notifier(None if limits else ChannelPacer(interval=0))
    freeze_boot_heap()  # as the scheduler's process does once it is built (bot.heap)
    cpu, fake_cpu, started = cpu_seconds(), cpu_seconds(fake.pid), time.perf_counter()
    report, delivered = Jobs(services, notifier).scan_and_deliver()
    wall = time.perf_counter() - started
    cpu, fake_cpu = cpu_seconds() - cpu, cpu_seconds(fake.pid) - fake_cpu
    services.close()
    gc.unfreeze()  # the next scenario starts as a new process would
    sent = max(1, delivered.posted + delivered.digests)
    return {
        "alerts": report.alerts, "failed": delivered.failed, "wall_seconds": round(wall, 2),
        "digests": len(delivered.taken.digests), "peak_mib": _peak_rss_mib(), "cpu_seconds": round(cpu, 2),
        "cpu_ms_per_message": round(1000 * cpu / sent, 2), "fake_cpu_ms_per_message": round(1000 * fake_cpu / sent, 2),
    }  # fmt: skip


def _report(api_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(api_url.rstrip("/") + REPORT_PATH, timeout=60) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


def _check(report: dict[str, Any], channels: dict[str, str], expected: int) -> dict[str, Any]:
    """Exactly once, each with its workspace's token, into its workspace's channel."""
    posts = report["posts"]
    per_channel = collections.Counter(p["channel"] for p in posts)
    shown = collections.Counter(value for p in posts for value in p["buttons"])
    team_of = {channel: team for team, channel in channels.items()}
    wrong_token = sum(1 for p in posts if p["token"] != token_of(str(team_of.get(p["channel"]))))
    ideal = max((n - 1) / RATE_PER_CHANNEL for n in per_channel.values()) if per_channel else 0.0
    return {
        "messages": len(posts), "expected": expected, "ideal_seconds": round(ideal, 2),
        "http_429": report["http_429"], "missing": expected - len(shown),
        "duplicates": sum(n - 1 for n in shown.values() if n > 1), "wrong_token": wrong_token,
    }  # fmt: skip
