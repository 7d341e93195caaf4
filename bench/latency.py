"""Part 1: how fast settlebot acknowledges signed Slack requests over HTTP, next to a bare
Bolt app (default mode and ``process_before_response=True``) sent the very same requests."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import data, spy
from bench.config import Config
from bench.load import Body, Sample, Stats, combine, replay, run_load
from bench.procs import SIGNING_SECRET, ChildServer, app_env
from bench.scan import backends
from bench.slackapp import (
    People,
    ResultWatcher,
    alert_message_of,
    click_request,
    fake_slack,
    list_request,
    open_modals,
    submit_request,
    user_of,
)
from sandbox.fake_slack import FakeSlack

log = logging.getLogger(__name__)
LIST_USERS = 64
BASELINES = {"bolt_default": [], "bolt_process_before_response": ["--process-before-response"]}


@dataclass
class Slots:
    """Hands out accounts, each used for one settlement only."""

    next: int = LIST_USERS

    def take(self, n: int) -> list[int]:
        taken = list(range(self.next, self.next + n))
        self.next += n
        return taken


def run(cfg: Config, workdir: Path, profiles: Path | None = None) -> list[dict[str, Any]]:
    chosen = [b for b in backends(cfg) if b == "sqlite" or cfg.latency_on_postgres]
    return [row for backend in chosen for row in _backend(cfg, backend, workdir, profiles)]


def _backend(cfg: Config, backend: str, workdir: Path, profiles: Path | None) -> list[dict[str, Any]]:
    today = dt.datetime.now(dt.UTC).date()
    per_instance = 8 + sum(n * cfg.latency_rounds[c] for c, n in cfg.latency_requests.items())
    people = People(LIST_USERS + 2 * per_instance, today)
    url = data.recreate_postgres(cfg.postgres_url or "", "bench_latency") if backend == "postgresql" else \
        data.sqlite_url(str(workdir / "latency.db"))  # fmt: skip
    data.load(url, people.shape)
    rows: list[dict[str, Any]] = []
    slots = Slots()
    with fake_slack(people) as fake, ExitStack() as stack:
        baselines = {
            name: stack.enter_context(ChildServer("bench.bare_bolt", args, app_env(url, fake.url)))
            for name, args in BASELINES.items()
        }
        for gateway_ms in (0, cfg.slow_gateway_ms):
            with _app(url, fake, gateway_ms) as app:
                _warm_up(app, fake, people, slots)
                for concurrency, n in sorted(cfg.latency_requests.items()):
                    run = Run(backend, app, fake, people, concurrency, gateway_ms)
                    profile = profiles / f"latency-{backend}-c{concurrency}.txt" if profiles else None
                    rounds = cfg.latency_rounds[concurrency]
                    rows += _compare(run, slots.take(n * rounds), baselines, rounds, profile if run.profiled else None)
                _check(app)
    if backend == "postgresql":
        data.drop_postgres(cfg.postgres_url or "", "bench_latency")
    return rows


@dataclass(frozen=True)
class Run:
    backend: str
    app: ChildServer
    fake: FakeSlack
    people: People
    concurrency: int
    gateway_ms: int

    @property
    def profiled(self) -> bool:
        return self.concurrency > 1 and self.gateway_ms == 0


def _compare(
    run: Run, accounts: list[int], baselines: dict[str, ChildServer], rounds: int, profile: Path | None
) -> list[dict[str, Any]]:
    """``rounds`` rounds, each: the app measured on accounts of its own, then the very same
    requests replayed to each baseline at once. Every system thus meets the same minutes of the
    machine; each figure combines its rounds (``load.combine``: median p50, p99 and max over all).
    Only the first round is profiled."""
    title = f"settlebot ({run.backend}) under {run.concurrency} concurrent requests"
    per_round = len(accounts) // rounds
    samples: dict[str, dict[str, list[Sample]]] = {}
    missed = 0
    for r in range(rounds):
        mine = accounts[r * per_round : (r + 1) * per_round]
        with spy.recording(run.app.pid, profile if r == 0 else None, title):
            measured, lost = _measure(run.app, run.fake, run.people, mine, run.concurrency, run.gateway_ms == 0)
        missed += lost
        for kind, (sample, bodies) in measured.items():
            systems = samples.setdefault(kind, {"app": []})
            systems["app"].append(sample)
            for name, baseline in baselines.items():
                systems.setdefault(name, []).append(replay(baseline.url, SIGNING_SECRET, bodies, run.concurrency))
    rows = []
    for kind, systems in samples.items():
        stats = {name: combine(runs) for name, runs in systems.items()}
        app = stats.pop("app")
        row = _row(kind, run.concurrency, run.gateway_ms, app, stats, missed if kind == "click" else 0)
        row["rounds"] = rounds
        row["p50_per_round"] = {name: [round(run.stats.p50_ms, 1) for run in runs] for name, runs in systems.items()}
        rows.append({"backend": run.backend, **row})
        log.info("latency %s: %s", run.backend, rows[-1])
    return rows


@contextmanager
def _app(url: str, fake: FakeSlack, gateway_ms: int) -> Iterator[ChildServer]:
    env = app_env(url, fake.url, GATEWAY_LATENCY_MS=str(gateway_ms))
    with ChildServer("bot.cli", ["serve", "--no-scheduler", "--port", "0"], env) as app:
        app.wait_ready()
        yield app


def _warm_up(app: ChildServer, fake: FakeSlack, people: People, slots: Slots) -> None:
    """Each list user's locale cached, connections and code paths warm; not measured."""
    run_load(app.url, SIGNING_SECRET, lambda i: list_request(fake, user_of(i)), LIST_USERS, 8)
    _measure(app, fake, people, slots.take(8), 4, True)


def _measure(
    app: ChildServer, fake: FakeSlack, people: People, accounts: list[int], concurrency: int, all_kinds: bool
) -> tuple[dict[str, tuple[Sample, list[Body]]], int]:
    """Each kind's latencies and the requests sent; and how many clicks opened no modal."""
    n, today = len(accounts), people.today
    out: dict[str, tuple[Sample, list[Body]]] = {}
    if all_kinds:
        out["list"] = _load(app, lambda i: list_request(fake, user_of(i % LIST_USERS)), n, concurrency)
    # What can be made beforehand is, as the baselines' replayed requests are: the load generator's
    # work (payloads through slack_sdk's models) must not take the app's CPU while it is measured.
    # A click's trigger id lives 3 s, so it is issued just ahead of the click.
    messages = [alert_message_of(fake, people.subscription(a), today) for a in accounts]
    click = _load(app, lambda i: click_request(fake, user_of(accounts[i]), people.subscription(accounts[i]), today,
                                               messages[i]), n, concurrency)  # fmt: skip
    if all_kinds:
        out["click"] = click
    # A modal opens (loading) within the trigger's 3 s, then the form replaces it: wait for the form.
    opened = open_modals(fake, [(user_of(a), people.subscription(a)) for a in accounts], timeout=60)
    ready = [(a, view) for a, view in zip(accounts, opened, strict=True) if view is not None]
    if len(ready) < n:
        log.warning("%d of %d modals did not open (trigger ids expire after 3 s)", n - len(ready), n)
    submits = [submit_request(fake, user_of(a), view) for a, view in ready]  # nothing in them expires
    out["submit"] = _load(app, lambda i: submits[i], len(ready), concurrency)
    with ResultWatcher(fake) as watcher:  # all settled before going on
        watcher.wait({v for _, v in ready}, timeout=120 + 4 * n)
    return out, n - len(ready)


def _load(app: ChildServer, make: Callable[[int], Body], n: int, concurrency: int) -> tuple[Sample, list[Body]]:
    return run_load(app.url, SIGNING_SECRET, make, n, concurrency)


def _row(
    kind: str, concurrency: int, gateway_ms: int, app: Stats, base: dict[str, Stats], missed: int
) -> dict[str, Any]:
    default = base["bolt_default"]
    fastest = min(base.values(), key=lambda s: s.p50_ms)
    return {
        "kind": kind, "concurrency": concurrency, "gateway_ms": gateway_ms, "app": app.as_dict(),
        **{name: stats.as_dict() for name, stats in base.items()},
        "p50_vs_default": round(app.p50_ms / default.p50_ms, 2) if default.p50_ms else None,
        "p50_vs_fastest": round(app.p50_ms / fastest.p50_ms, 2) if fastest.p50_ms else None,
        "modals_not_opened": missed,
    }  # fmt: skip


def _check(app: ChildServer) -> None:
    errors = app.errors()
    if errors:
        log.warning("the app logged errors:\n%s", "".join(errors[:20]))
