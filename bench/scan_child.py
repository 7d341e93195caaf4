"""One measurement in a fresh process, so its peak memory is its own: a scan, the deliverer's
taking of its claims, or the count baseline.

    python -m bench.scan_child scan URL TODAY [--profile FILE]
    python -m bench.scan_child take URL TODAY
    python -m bench.scan_child count URL TODAY

Prints one JSON line: seconds, peak RSS (VmHWM) and what was found.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.clock import FixedClock
from domain.alerts import ReminderPolicy, scan
from storage.db import make_engine, make_session_factory
from storage.models import InvoiceRow
from storage.uow import SqlUnitOfWork

DEFAULT_CHANNEL = "C0BILLING1"


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that over from
    the parent across fork and exec, so a child of a large process would report the parent's."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_scan(url: str, today: dt.date, profile: str | None) -> dict[str, Any]:
    engine = make_engine(url)
    uow = SqlUnitOfWork(make_session_factory(engine))
    clock = FixedClock(dt.datetime.combine(today, dt.time(9)), ZoneInfo("UTC"))
    rss_before = peak_rss_mb()
    profiler = _Profile() if profile else None
    start = time.perf_counter()
    report = scan(uow, clock, ReminderPolicy(), DEFAULT_CHANNEL)
    seconds = time.perf_counter() - start
    if profiler is not None and profile:
        profiler.save(profile)
    engine.dispose()
    return {"seconds": seconds, "new_alerts": report.alerts, "reminders": report.reminders,
            "peak_rss_mb": peak_rss_mb(), "rss_before_mb": rss_before}  # fmt: skip


def run_take(url: str, today: dt.date) -> dict[str, Any]:
    """What the deliverer does before posting: the scans' claims into alerts and reminders
    (``AlertRepository.take_claims``), committed."""
    engine = make_engine(url)
    uow = SqlUnitOfWork(make_session_factory(engine))
    start = time.perf_counter()
    with uow:
        made = uow.alerts.take_claims(dt.datetime.combine(today, dt.time(9), dt.UTC))
        uow.commit()
    seconds = time.perf_counter() - start
    engine.dispose()
    return {"seconds": seconds, "alerts": made.alerts, "reminders": made.reminders, "peak_rss_mb": peak_rss_mb()}


def run_count(url: str, today: dt.date, repeat: int = 3) -> dict[str, Any]:
    """``SELECT count(DISTINCT subscription_id)`` of the overdue open invoices: the past-due rows."""
    engine = make_engine(url)
    stmt = select(func.count(InvoiceRow.subscription_id.distinct())).where(
        InvoiceRow.status == "open", InvoiceRow.due_date < today
    )
    times, count = [], 0
    with engine.connect() as conn:
        for _ in range(repeat):
            start = time.perf_counter()
            count = int(conn.execute(stmt).scalar_one())
            times.append(time.perf_counter() - start)
    engine.dispose()
    return {"seconds": sorted(times)[len(times) // 2], "count": count, "peak_rss_mb": peak_rss_mb()}


class _Profile:
    """pyinstrument when installed (``pip install pyinstrument``), else the standard cProfile."""

    def __init__(self) -> None:
        try:
            from pyinstrument import Profiler
        except ImportError:
            import cProfile

            self._cprofile: Any = cProfile.Profile()
            self._pyinstrument: Any = None
            self._cprofile.enable()
        else:
            self._pyinstrument, self._cprofile = Profiler(interval=0.002), None
            self._pyinstrument.start()

    def save(self, path: str) -> None:
        if self._pyinstrument is not None:
            self._pyinstrument.stop()
            text = self._pyinstrument.output_text(unicode=True, color=False)
        else:
            import io
            import pstats

            self._cprofile.disable()
            buffer = io.StringIO()
            pstats.Stats(self._cprofile, stream=buffer).sort_stats("cumulative").print_stats(40)
            text = buffer.getvalue()
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["scan", "take", "count"])
    p.add_argument("url")
    p.add_argument("today", type=dt.date.fromisoformat)
    p.add_argument("--profile")
    args = p.parse_args()
    if args.what == "scan":
        result = run_scan(args.url, args.today, args.profile)
    else:
        result = run_take(args.url, args.today) if args.what == "take" else run_count(args.url, args.today)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
