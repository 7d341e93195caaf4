"""Part 4: settlements a second, end to end, by THROUGHPUT_USERS people at once on distinct
subscriptions: from pressing the modal's "Settle" to the result the app shows once the
invoices are committed paid. Baseline: the ``settle`` use case called directly by as many
threads on the same database (no HTTP, no Slack), the storage-bound ceiling.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bench import data
from bench.config import THROUGHPUT_USERS, Config
from bench.load import percentile, run_load
from bench.procs import SIGNING_SECRET, ChildServer, app_env
from bench.scan import backends
from bench.slackapp import People, ResultWatcher, click_request, fake_slack, open_modals, submit_request, user_of
from bot.clock import SystemClock
from domain.settlement import ConfirmedBalance, prepare_settlement, settle
from payments.sandbox import SandboxGateway
from sandbox.signing import SlackRequester
from storage.db import make_engine, make_session_factory
from storage.ledger import SqlLedger
from storage.models import InvoiceRow
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


def run(cfg: Config, workdir: Path) -> list[dict[str, Any]]:
    return [_backend(cfg, backend, workdir) for backend in backends(cfg)]


def _backend(cfg: Config, backend: str, workdir: Path) -> dict[str, Any]:
    n = cfg.throughput_settlements
    people = People(2 * n, dt.datetime.now(dt.UTC).date())
    name = f"bench_throughput_{os.getpid()}"  # runs by others on the same server never meet it
    url = data.recreate_postgres(cfg.postgres_url or "", name) if backend == "postgresql" else \
        data.sqlite_url(str(workdir / "throughput.db"))  # fmt: skip
    data.load(url, people.shape)
    with fake_slack(people) as fake:
        env = app_env(url, fake.url, GATEWAY_LATENCY_MS="0")
        with ChildServer("bot.cli", ["serve", "--no-scheduler", "--port", "0"], env) as app:
            app.wait_ready()
            app_row = _through_app(app, fake, people, list(range(n)))
    direct = _direct(url, people, list(range(n, 2 * n)))
    settled = [people.subscription(a) for a in range(2 * n)]
    paid = _paid(url, settled)
    if backend == "postgresql":
        data.drop_postgres(cfg.postgres_url or "", name)
    row = {"backend": backend, "users": THROUGHPUT_USERS, **app_row, "direct": direct, "paid": paid,
           "expected_paid": app_row["settled"] + direct["settled"]}  # fmt: skip
    log.info("throughput %s: %s", backend, row)
    return row


def _through_app(app: ChildServer, fake: Any, people: People, accounts: list[int]) -> dict[str, Any]:
    """Modals opened first (not timed); then each user submits and waits for the outcome."""
    run_load(app.url, SIGNING_SECRET,
             lambda i: click_request(fake, user_of(accounts[i]), people.subscription(accounts[i]), people.today),
             len(accounts), THROUGHPUT_USERS)  # fmt: skip
    views = open_modals(fake, [(user_of(a), people.subscription(a)) for a in accounts])
    ready = [(a, v) for a, v in zip(accounts, views, strict=True) if v is not None]
    watcher = ResultWatcher(fake)
    requester = SlackRequester(app.url, SIGNING_SECRET, timeout=30)
    latencies: list[float] = []

    def settle_one(i: int) -> None:
        account, view = ready[i]
        body = submit_request(fake, user_of(account), view)
        sent = time.time()
        requester.post(*body)
        watcher.wait({view}, timeout=120)
        latencies.append(watcher.done[view] - sent)

    with watcher:
        wall = _threads(settle_one, len(ready))
    return {
        "settled": len(latencies), "wall_seconds": round(wall, 2),
        "per_second": round(len(latencies) / wall, 1) if wall else None,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "modals_not_opened": len(accounts) - len(ready),
    }  # fmt: skip


def _direct(url: str, people: People, accounts: list[int]) -> dict[str, Any]:
    engine = make_engine(url, **({} if url.startswith("sqlite") else {"pool_size": THROUGHPUT_USERS}))
    sessions = make_session_factory(engine)
    gateway = SandboxGateway(SqlLedger(engine))
    clock = SystemClock(ZoneInfo("UTC"))

    shown = [  # what each modal showed, read before the clock starts (as opening the modal did)
        ConfirmedBalance.of(prepare_settlement(SqlUnitOfWork(sessions), user_of(a), people.subscription(a),
                                               clock.today()).balance)
        for a in accounts
    ]  # fmt: skip

    def settle_one(i: int) -> None:
        a = accounts[i]
        settle(SqlUnitOfWork(sessions), gateway, clock, user_of(a), people.subscription(a), f"card_{a:07d}",
               confirmed=shown[i])  # fmt: skip

    wall = _threads(settle_one, len(accounts))
    engine.dispose()
    return {"settled": len(accounts), "wall_seconds": round(wall, 2), "per_second": round(len(accounts) / wall, 1)}


def _threads(work: Callable[[int], None], n: int) -> float:
    """Run work(0..n-1) on THROUGHPUT_USERS threads; the wall time."""
    lock, counter = threading.Lock(), iter(range(n))

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            work(i)

    threads = [threading.Thread(target=worker) for _ in range(THROUGHPUT_USERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def _paid(url: str, subscriptions: list[str]) -> int:
    """How many of ``subscriptions`` owe nothing any more."""
    engine = make_engine(url)
    with engine.connect() as conn:
        stmt = select(func.count(InvoiceRow.subscription_id.distinct())).where(
            InvoiceRow.subscription_id.in_(subscriptions), InvoiceRow.status == "open"
        )
        owing = int(conn.execute(stmt).scalar_one())
    engine.dispose()
    return len(subscriptions) - owing
