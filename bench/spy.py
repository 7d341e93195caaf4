"""Optional sampling profile of a running server with py-spy (``pip install py-spy``): the
frames that held the GIL, summed, so a missed latency target comes with its explanation.
``BENCH_SPY=idle`` samples every thread, waiting ones too (where requests wait, not what burns CPU)."""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OURS = ("bot/", "handlers/", "domain/", "storage/")


def _py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def recording(pid: int, out: Path | None, title: str) -> Iterator[None]:
    """Sample ``pid`` while the block runs; write a summary to ``out`` (nothing without py-spy)."""
    tool = _py_spy()
    if out is None or tool is None:
        yield
        return
    raw = out.with_suffix(".raw")
    idle = os.environ.get("BENCH_SPY") == "idle"
    command = [tool, "record", "-p", str(pid), "-o", str(raw), "--format", "raw", "-r", "200",
               "--idle" if idle else "--gil", "--nonblocking"]  # fmt: skip
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.send_signal(2)  # SIGINT: py-spy writes what it has and exits
        spy.wait(30)
    if raw.exists():
        what = "samples of every thread, waiting ones included" if idle else "samples while holding the GIL"
        out.write_text(summarize(raw.read_text(encoding="utf-8"), title, what), encoding="utf-8")
        raw.unlink()


def summarize(raw: str, title: str, what: str = "samples while holding the GIL", top: int = 35) -> str:
    """Samples per frame (inclusive) for settlebot's own code and for the libraries under it."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        total += int(count)
        for frame in set(stack.split(";")):
            inclusive[frame] += int(count)
    ours = [(f, n) for f, n in inclusive.most_common() if any(p in f for p in OURS)][:top]
    lines = [f"{title}: {total} {what} (200 Hz); inclusive samples, % of total", ""]
    lines += [f"{n:6d} {100 * n / max(total, 1):5.1f}%  {frame}" for frame, n in ours]
    return "\n".join(lines) + "\n"
