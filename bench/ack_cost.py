"""What one ack costs the serving process, in CPU, without HTTP or concurrency: each kind of
signed request handed straight to the WSGI app, one after the other, jobs dropped instead of
queued. Explains part 1: at concurrency 32 the serving process is bounded by this cost.

    python -m bench.ack_cost [sqlite|postgresql] [--requests 150] [--profile submit]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from werkzeug.test import EnvironBuilder

from bench import data
from bench.config import DEFAULT_PG
from bench.load import Body
from bench.procs import SIGNING_SECRET, app_env
from bench.slackapp import People, click_request, fake_slack, list_request, open_modals, submit_request, user_of
from bot.runtime import Runtime
from bot.settings import Settings
from sandbox.signing import SlackRequester, sign


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.ack_cost")
    p.add_argument("backend", nargs="?", default="sqlite", choices=("sqlite", "postgresql"))
    p.add_argument("--requests", type=int, default=150)
    p.add_argument("--profile", choices=("list", "click", "submit"), help="print cProfile's top functions")
    args = p.parse_args()
    n, today = args.requests, dt.datetime.now(dt.UTC).date()
    people = People(n, today)
    pg = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG)
    url = data.recreate_postgres(pg, "bench_ack_cost") if args.backend == "postgresql" else \
        data.sqlite_url(tempfile.mkdtemp(prefix="settlebot-ack-") + "/ack.db")  # fmt: skip
    data.load(url, people.shape)
    try:
        for kind, cpu_ms, wall_ms, size, profile in _measure(people, url, n, args.profile):
            print(f"{args.backend} {kind:6}: {cpu_ms:.2f} ms CPU, {wall_ms:.2f} ms wall per ack ({size:,} B body)")
            print(profile, end="")
    finally:
        if args.backend == "postgresql":
            data.drop_postgres(pg, "bench_ack_cost")


def _measure(people: People, url: str, n: int, profiled: str | None) -> list[tuple[str, float, float, int, str]]:
    accounts = list(range(n))
    with fake_slack(people) as fake:
        os.environ.update(app_env(url, fake.url, WORKERS="0", LOG_LEVEL="WARNING", PORT="0"))
        runtime = Runtime(Settings(), scheduler=False)  # the settings are read from that environment
        threading.Thread(target=runtime.server.run, name="http", daemon=True).start()
        try:  # open a modal for each account the real way, for the Saves
            requester = SlackRequester(runtime.url, SIGNING_SECRET)
            subscription = people.subscription
            for a in accounts:
                requester.post(*click_request(fake, user_of(a), subscription(a), people.today))
            views = open_modals(fake, [(user_of(a), subscription(a)) for a in accounts], timeout=60)
            kinds: dict[str, list[Body]] = {
                "list": [list_request(fake, user_of(a)) for a in accounts],
                "click": [click_request(fake, user_of(a), subscription(a), people.today) for a in accounts],
                "submit": [submit_request(fake, user_of(a), v) for a, v in zip(accounts, views, strict=True) if v],
            }  # fmt: skip
            runtime.workers.submit = lambda job: None  # type: ignore[method-assign]  # measure the ack alone
            return [(kind, *_time(runtime.web, bodies, kind == profiled)) for kind, bodies in kinds.items()]
        finally:
            runtime.server.close()
            runtime.workers.close()
            runtime.services.close()


def _time(app: Callable[..., Any], bodies: list[Body], profiled: bool) -> tuple[float, float, int, str]:
    environs = [_environ(body, content_type) for body, content_type in bodies]

    def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
        assert status.startswith("200"), status

    profile = cProfile.Profile() if profiled else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    for environ in environs:
        b"".join(app(environ, start_response))
    if profile:
        profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    text = io.StringIO()
    if profile:
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(30)
    return 1000 * cpu / len(environs), 1000 * wall / len(environs), len(bodies[0][0]), text.getvalue()


def _environ(body: bytes, content_type: str) -> dict[str, Any]:
    """A signed ``POST /slack/events`` as the WSGI server would hand it over."""
    builder = EnvironBuilder(path="/slack/events", method="POST", data=body, content_type=content_type,
                             headers=sign(SIGNING_SECRET, body))  # fmt: skip
    return builder.get_environ()


if __name__ == "__main__":
    main()
