"""What the Stripe benchmarks share: a fake Stripe holding a live-mode account (so settlebot paces
itself at live mode's limit), settlebot's environment pointing at it, and counting rows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.schema import CreateSchema, DropSchema

from bench.procs import ROOT, app_env
from sandbox.fake_stripe.fake_stripe import TEST_WEBHOOK_SECRET, FakeStripe

LIVE_KEY = "sk_live_51SettlebotBenchLiveModeKeyOnlyTheFake00"  # accepted by the fake only
DAY = 86400
FIRST_DUE = 1_700_000_000


def fake_stripe(seed: int) -> FakeStripe:
    return FakeStripe(api_key=LIVE_KEY, seed=seed)


def stripe_env(database_url: str, slack_url: str, fake: FakeStripe) -> dict[str, str]:
    return app_env(database_url, slack_url, BILLING_BACKEND="stripe", STRIPE_API_KEY=LIVE_KEY,
                   STRIPE_WEBHOOK_SECRET=TEST_WEBHOOK_SECRET, STRIPE_API_BASE=fake.url,
                   STRIPE_SYNC_INTERVAL_SECONDS="3600")  # fmt: skip


def seed_customers(fake: FakeStripe, customers: int, invoices_each: int, channel: str) -> list[dict[str, str]]:
    """Customers linked by metadata to `channel`, each with a card, a past-due subscription paid
    by it and `invoices_each` open invoices; their ids."""
    made = []
    for n in range(customers):
        customer = fake.seed.customer(name=f"Customer {n}", settlebot_channel=channel)
        card = fake.seed.card(customer["id"], last4=f"{n % 10_000:04d}", exp_year=2030)
        sub = fake.seed.subscription(customer["id"], 4200, status="past_due", default_payment_method=card["id"])
        fake.seed.backlog(sub, invoices_each, first_due=FIRST_DUE)
        made.append({"customer": customer["id"], "card": card["id"], "subscription": sub["id"]})
    return made


def cli(env: dict[str, str], *args: str) -> float:
    """Run ``settlebot ARGS`` (``python -m bot.cli``) to its end; its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=3600, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"settlebot {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - started


def count(database_url: str, model: type[DeclarativeBase], *where: object) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def webhook_database(workdir: Path) -> str:
    """The webhook part's database: PostgreSQL when ``BENCH_STRIPE_POSTGRES_URL`` names one (its
    schema ``public`` is rebuilt: give it a database of its own), else a SQLite file."""
    url = os.environ.get("BENCH_STRIPE_POSTGRES_URL")
    if not url:
        return sqlite(workdir, "stripe-hooks")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(DropSchema("public", cascade=True, if_exists=True))
            conn.execute(CreateSchema("public"))
    finally:
        engine.dispose()
    return url


def sqlite(workdir: Path, name: str) -> str:
    path = workdir / f"{name}.db"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"
