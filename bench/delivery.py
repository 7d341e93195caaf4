"""Part 3: delivering a scan's alerts when Slack allows about one message a second per channel.

The real jobs (``Jobs.scan_and_deliver``: scan, then the outbox drained in batches) post
through the real notifier and WebClient (with its retry handlers) to the fake Slack, which
answers HTTP 429 + Retry-After beyond one post a second per channel. Each figure is compared
with the ideal the rate limit sets: a channel's n messages need at least (n - 1) seconds.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

from bench import data
from bench.config import RATE_PER_CHANNEL, Config
from bench.procs import BILLING_CHANNEL, BOT_TOKEN, SIGNING_SECRET
from bot.bootstrap import build_services
from bot.scheduler import Jobs
from bot.settings import load_settings
from sandbox.fake_slack import FakeSlack
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


def run(cfg: Config, workdir: Path) -> list[dict[str, Any]]:
    return [
        _scenario(workdir, "spread", cfg.delivery_alerts, cfg.delivery_channels),
        _scenario(workdir, "crowded (digests)", cfg.delivery_alerts, cfg.digest_channels),
    ]


def _scenario(workdir: Path, name: str, alerts: int, channels: int) -> dict[str, Any]:
    today = dt.datetime.now(dt.UTC).date()
    shape = data.Shape(alerts, today, subs_per_account=1, past_due_every=1, alerted=False,
                       channel_every=1, channels=channels)  # fmt: skip
    url = data.sqlite_url(str(workdir / f"delivery-{channels}.db"))
    data.load(url, shape)
    names = sorted({shape.channel_of(j) or BILLING_CHANNEL for j in range(shape.accounts)})
    with FakeSlack(token=BOT_TOKEN) as fake:
        for channel in names:
            fake.add_channel(channel)
            fake.rate_limit_channel(channel, RATE_PER_CHANNEL, retry_after=1)
        settings = load_settings(database_url=url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                                 slack_api_url=fake.url, billing_channel=BILLING_CHANNEL)  # fmt: skip
        services = build_services(settings)
        assert services.client is not None
        started = time.perf_counter()
        report, delivered = Jobs(services, services.notifier()).scan_and_deliver()
        wall = time.perf_counter() - started
        row = _check(fake, services.uow(), names, wall, name, alerts)
        row.update(new_alerts=report.alerts, digests=len(delivered.taken.digests), failed=delivered.failed)
        services.close()
    log.info("delivery %s: %s", name, row)
    return row


def _check(fake: FakeSlack, uow: SqlUnitOfWork, channels: list[str], wall: float, name: str,
           alerts: int) -> dict[str, Any]:  # fmt: skip
    """Exactly once: every alert recorded as delivered, every message in Slack once."""
    posts = fake.calls_to("chat.postMessage", ok=True)
    per_channel = collections.Counter(str(c.params.get("channel")) for c in posts)
    shown = collections.Counter(
        button["value"] for c in posts for block in c.params.get("blocks") or []
        for button in [block.get("accessory") or {}, *block.get("elements", [])] if isinstance(button, dict)
        and button.get("action_id") == "settle_open"
    )  # fmt: skip
    with uow:
        pending = uow.alerts.undelivered(alerts + 10)
    ideal = max((n - 1) / RATE_PER_CHANNEL for n in per_channel.values()) if per_channel else 0.0
    without_digest = (alerts / len(channels) - 1) / RATE_PER_CHANNEL
    return {
        "scenario": name, "alerts": alerts, "channels": len(channels), "messages": len(posts),
        "wall_seconds": round(wall, 2), "ideal_seconds": round(ideal, 2),
        "ideal_without_digest_seconds": round(without_digest, 2),
        "http_429": len(fake.calls_to("chat.postMessage", ok=False)),
        "undelivered": len(pending), "duplicates": sum(n - 1 for n in shown.values() if n > 1),
    }  # fmt: skip
