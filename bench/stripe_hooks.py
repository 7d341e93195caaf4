"""Part 5a: Stripe's webhooks against the real `settlebot serve` (BILLING_BACKEND=stripe, the fake
Stripe on loopback): a burst of signed events at concurrency 32, each acknowledged (p50/p99/max
beside a bare app that only verifies the signature, sent the same events) and each handled once
after its 2xx (counted in the database and in the fake's reads), beside the same handling code
called in-process on as many events with as many threads.

The events are card updates from the networks (`payment_method.automatically_updated`), one per
card, each changing the card: handling one reads the card from Stripe and writes it. They post
nothing to Slack (posting is measured in part 3). The account's endpoint limit is raised to
`RAISED_ENDPOINT_LIMIT` (STRIPE_ENDPOINT_RATE_LIMIT), else the card reads alone would take 400 s.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from bench.config import Config
from bench.load import Sample
from bench.procs import BILLING_CHANNEL, BOT_TOKEN, ChildServer
from bench.stripe_direct import handle_directly
from bench.stripe_env import cli, count, fake_stripe, seed_customers, stripe_env, webhook_database
from bench.stripe_figures import ratio
from bench.stripe_load import send
from sandbox.fake_slack import FakeSlack
from sandbox.fake_stripe.fake_stripe import TEST_WEBHOOK_SECRET, FakeStripe
from storage.db import upgrade
from storage.models import StripeEventRow

log = logging.getLogger(__name__)
CONCURRENCY = 32
ACK_P99_TARGET_MS = 50
# Handling each event reads its card (GET /v1/payment_methods/{id}: one endpoint, 25/s by default,
# 400 s for 10,000 events): the benchmark's account is one whose endpoint limit Stripe raised.
RAISED_ENDPOINT_LIMIT = 100

def run(cfg: Config, workdir: Path) -> list[dict[str, Any]]:
    with fake_stripe(seed=15) as fake, FakeSlack(token=BOT_TOKEN) as slack:
        cards = _seed(fake, cfg.stripe_event_customers, cfg.stripe_events)
        url = webhook_database(workdir)
        upgrade(url)
        env = {**stripe_env(url, slack.url, fake), "STRIPE_ENDPOINT_RATE_LIMIT": str(RAISED_ENDPOINT_LIMIT)}
        cli(env, "sync", "--full")
        app_events = _updates(fake, cards, exp_year=2031)
        with ChildServer("bot.cli", ["serve", "--no-scheduler", "--port", "0"], env) as app:
            burst = _burst(fake, app, url, app_events)
        with ChildServer("bench.stripe_bare", ["--threads", "32"], env) as bare:
            baseline = send(bare.url + "/stripe/webhook", TEST_WEBHOOK_SECRET, app_events, CONCURRENCY)
        direct_events = _updates(fake, cards, exp_year=2032)
        fake.reset_log()
        direct = handle_directly(env, direct_events, threads=CONCURRENCY)
        direct["stripe_reads"] = len(fake.requests_to("payment_methods.retrieve"))
    database = "postgresql" if url.startswith("postgresql") else "sqlite"
    return [{**_ack_row(burst.pop("sample"), baseline), "database": database},
            {**_burst_row(burst, direct, len(app_events)), "database": database,
             "endpoint_rate_limit": RAISED_ENDPOINT_LIMIT}]  # fmt: skip

def _seed(fake: FakeStripe, customers: int, events: int) -> list[str]:
    """`events` cards over `customers` linked customers; their ids."""
    made = seed_customers(fake, customers, 1, BILLING_CHANNEL)
    cards = [one["card"] for one in made]
    for n in range(events - customers):
        cards.append(fake.seed.card(made[n % customers]["customer"], last4=f"{n % 10_000:04d}")["id"])
    return cards[:events]

def _updates(fake: FakeStripe, cards: list[str], exp_year: int) -> list[str]:
    """Each card updated by its network once: the events' bodies as Stripe sends them."""
    before = len(fake.events())
    for n, card in enumerate(cards):
        fake.seed.card_updated_by_network(card, exp_month=1 + n % 12, exp_year=exp_year)
    return [json.dumps(event, indent=2) for event in fake.events()[before:]]

def _burst(fake: FakeStripe, app: ChildServer, url: str, payloads: list[str]) -> dict[str, Any]:
    fake.reset_log()
    started = time.perf_counter()
    sample = send(app.url + "/stripe/webhook", TEST_WEBHOOK_SECRET, payloads, CONCURRENCY)
    deadline = time.monotonic() + max(120.0, len(payloads) / 10)
    while count(url, StripeEventRow, StripeEventRow.handled_at.is_not(None)) < len(payloads):
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    wall = time.perf_counter() - started
    reads = fake.requests_to("payment_methods.retrieve")
    return {
        "sample": sample, "seconds": round(wall, 2), "recorded": count(url, StripeEventRow),
        "handled": count(url, StripeEventRow, StripeEventRow.handled_at.is_not(None)),
        "stripe_reads": len(reads), "cards_read_twice": len(reads) - len({r.path for r in reads}),
        "app_errors": len(app.errors()),
    }  # fmt: skip

def _ack_row(app: Sample, baseline: Sample) -> dict[str, Any]:
    return {"measure": "webhook_ack", "concurrency": CONCURRENCY, "app": app.stats.as_dict(),
            "baseline": baseline.stats.as_dict(), "p99_target_ms": ACK_P99_TARGET_MS,
            "p99_vs_baseline": ratio(app.stats.p99_ms, baseline.stats.p99_ms)}  # fmt: skip

def _burst_row(burst: dict[str, Any], direct: dict[str, Any], events: int) -> dict[str, Any]:
    return {"measure": "webhook_burst", "events": events, **burst, "direct": direct,
            "vs_direct": ratio(burst["seconds"], direct["seconds"]),
            "exactly_once": burst["handled"] == burst["recorded"] == burst["stripe_reads"] == events
            and burst["cards_read_twice"] == 0}  # fmt: skip

