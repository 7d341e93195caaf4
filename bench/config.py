"""Sizes of the full benchmark and of its quick version (the same code, smaller numbers)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Config:
    name: str
    latency_requests: dict[int, int]  # concurrency: requests per kind and round
    latency_rounds: dict[int, int]  # concurrency: rounds (the app, then each baseline, in turn)
    slow_gateway_ms: int
    scan_sizes: tuple[int, ...]  # subscriptions; the largest is the headline figure
    delivery_alerts: int  # newly past due in one scan, spread over delivery_channels
    delivery_channels: int
    digest_channels: int  # the digest scenario: the same alerts in this few channels
    throughput_settlements: int  # per backend, by THROUGHPUT_USERS concurrent users
    workspace_counts: tuple[int, ...] = (10, 100, 1000)  # workspaces, 5 past-due subscriptions each
    stripe_customers: int = 10_000  # a full sync's Stripe account
    stripe_invoices: int = 100_000  # open invoices, spread evenly over the customers
    stripe_latency_ms: int = 50  # every fake Stripe request's latency in the sync
    stripe_changes: int = 100  # made in Stripe before the incremental sync
    stripe_events: int = 10_000  # webhooks in the burst
    stripe_event_customers: int = 500  # whose cards the burst's events update
    latency_on_postgres: bool = True
    postgres_url: str | None = field(default_factory=lambda: os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG))


DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
THROUGHPUT_USERS = 8
RATE_PER_CHANNEL = 1.0  # messages a second the fake Slack accepts per channel

FULL = Config("full", {1: 80, 32: 320}, {1: 1, 32: 3}, 2000, (10_000, 100_000, 1_000_000), 300, 30, 5, 240)
QUICK = Config("quick", {1: 10, 32: 32}, {1: 1, 32: 2}, 2000, (10_000, 30_000), 24, 6, 1, 16, (10, 100),
               stripe_customers=500, stripe_invoices=5_000, stripe_events=1_000, stripe_event_customers=50,
               latency_on_postgres=False)  # fmt: skip
