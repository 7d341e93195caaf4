"""Part 5b: `settlebot sync` against a large Stripe account served by the fake with a fixed latency
per request: the requests made vs the fewest possible (100 objects a page), the time vs the least
Stripe's documented rate limits allow (live mode's global one and the default per endpoint, which
settlebot runs under here); then an incremental sync after a number of changes."""

from __future__ import annotations

import collections
import logging
from pathlib import Path
from typing import Any

from bench.config import Config
from bench.procs import BILLING_CHANNEL, BOT_TOKEN
from bench.stripe_env import DAY, cli, count, fake_stripe, seed_customers, sqlite, stripe_env
from bench.stripe_figures import (
    ENDPOINT_PER_SECOND,
    LIVE_PER_SECOND,
    busiest_second,
    ideal_seconds,
    minimum_full_sync_by_endpoint,
    pages,
    ratio,
)
from sandbox.fake_slack import FakeSlack
from sandbox.fake_stripe.fake_stripe import FakeStripe
from sandbox.fake_stripe.recording import StripeRequest
from storage.db import upgrade
from storage.models import InvoiceRow, SubscriptionRow

log = logging.getLogger(__name__)


def run(cfg: Config, workdir: Path) -> list[dict[str, Any]]:
    customers, invoices = cfg.stripe_customers, cfg.stripe_invoices
    with fake_stripe(seed=14) as fake, FakeSlack(token=BOT_TOKEN) as slack:
        log.info("stripe sync: seeding %d customers, %d open invoices", customers, invoices)
        made = seed_customers(fake, customers, invoices // customers, BILLING_CHANNEL)
        url = sqlite(workdir, "stripe-sync")
        upgrade(url)
        env = stripe_env(url, slack.url, fake)
        fake.latency = cfg.stripe_latency_ms / 1000
        full = _full(fake, env, url, customers, invoices)
        incremental = _incremental(fake, env, made, cfg.stripe_changes)
    log.info("stripe sync: %s / %s", full, incremental)
    return [full, incremental]


def _full(fake: FakeStripe, env: dict[str, str], url: str, customers: int, invoices: int) -> dict[str, Any]:
    fake.reset_log()
    wall = cli(env, "sync", "--full")
    made = fake.requests
    fewest = minimum_full_sync_by_endpoint(customers, customers, invoices)
    minimum = sum(fewest.values())
    ideal = ideal_seconds(fewest, LIVE_PER_SECOND, ENDPOINT_PER_SECOND, fake.latency, longest_chain=pages(invoices))
    return {
        "measure": "full_sync", "customers": customers, "open_invoices": invoices,
        "latency_ms": round(fake.latency * 1000), "requests": len(made), "minimum_requests": minimum,
        "requests_vs_minimum": ratio(len(made), minimum), "by_endpoint": _by_endpoint(made),
        "seconds": round(wall, 1), "ideal_seconds": round(ideal, 1), "vs_ideal": ratio(wall, ideal),
        "reading_seconds": round(made[-1].at - made[0].at + fake.latency, 1) if made else 0.0,
        "busiest_second": busiest_second([r.at for r in made]), "rate_limit": LIVE_PER_SECOND,
        "endpoint_rate_limit": ENDPOINT_PER_SECOND, "busiest_second_by_endpoint": _busiest_by_endpoint(made),
        "errors": sum(1 for r in made if (r.status or 500) >= 400),
        "synced_open_invoices": count(url, InvoiceRow), "synced_subscriptions": count(url, SubscriptionRow),
    }  # fmt: skip


def _incremental(fake: FakeStripe, env: dict[str, str], made: list[dict[str, str]], changes: int) -> dict[str, Any]:
    """`changes` things happen in Stripe (half failed automatic retries, half cards updated by the
    networks), then an incremental sync reads them."""
    events_before = len(fake.events())
    step = max(1, len(made) // changes)
    for n, one in enumerate(made[::step][:changes]):
        if n % 2:
            fake.seed.card_updated_by_network(one["card"], exp_month=1 + n % 12, exp_year=2033)
        else:
            invoice = fake.get(one["subscription"])["latest_invoice"] or _an_open_invoice(fake, one["customer"])
            fake.seed.automatic_attempt(invoice, succeeds=False, next_attempt_in=3 * DAY)
    fake.reset_log()
    wall = cli(env, "sync")
    asked = fake.requests
    return {
        "measure": "incremental_sync", "changes": changes, "events": len(fake.events()) - events_before,
        "requests": len(asked), "by_endpoint": _by_endpoint(asked), "seconds": round(wall, 1),
        "errors": sum(1 for r in asked if (r.status or 500) >= 400),
    }  # fmt: skip


def _an_open_invoice(fake: FakeStripe, customer: str) -> str:
    with fake.ctx.account.lock:
        return str(next(i["id"] for i in fake.ctx.table("invoice").newest_first(customer) if i["status"] == "open"))


def _busiest_by_endpoint(made: list[StripeRequest]) -> dict[str, int]:
    """The most requests that arrived within one second, for each endpoint."""
    times: dict[str, list[float]] = collections.defaultdict(list)
    for r in made:
        times[r.endpoint or r.path].append(r.at)
    return {endpoint: busiest_second(at) for endpoint, at in sorted(times.items())}


def _by_endpoint(made: list[StripeRequest]) -> dict[str, int]:
    return dict(collections.Counter(r.endpoint or r.path for r in made).most_common())
