"""Part 2: the daily scan at up to a million subscriptions, on SQLite and PostgreSQL.

A tenth of the subscriptions are past due and half of those already have an alert that a
reminder stage has since passed: one scan claims the new alerts and the reminders (posting
excluded). A second scan finds nothing new; then the deliverer's first step is timed apart,
taking the claims (alert and reminder rows, statuses, alert versions). Each measurement runs
in a child process (its own peak RSS); the baseline is one
``SELECT count(DISTINCT subscription_id)`` of the past-due rows.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import data
from bench.config import Config
from bench.procs import ROOT

log = logging.getLogger(__name__)
TODAY = dt.date(2026, 11, 25)


def run(cfg: Config, workdir: Path, profile_dir: Path | None) -> list[dict[str, Any]]:
    rows = []
    for backend in backends(cfg):
        for size in cfg.scan_sizes:
            largest = size == max(cfg.scan_sizes)
            rows.append(_measure(cfg, backend, size, workdir, profile_dir if largest else None))
    return rows


def backends(cfg: Config) -> list[str]:
    if cfg.postgres_url and _postgres_up(cfg.postgres_url):
        return ["sqlite", "postgresql"]
    log.warning("PostgreSQL not reachable at BENCH_POSTGRES_URL: scanning SQLite only")
    return ["sqlite"]


def _postgres_up(url: str) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def _measure(cfg: Config, backend: str, size: int, workdir: Path, profile_dir: Path | None) -> dict[str, Any]:
    shape = data.Shape(size, TODAY)
    name = f"bench_scan_{size}"
    url = data.recreate_postgres(cfg.postgres_url or "", name) if backend == "postgresql" else \
        data.sqlite_url(str(workdir / f"{name}.db"))  # fmt: skip
    started = time.perf_counter()
    data.load(url, shape)
    load_seconds = time.perf_counter() - started
    copy = _copy(cfg, backend, url, workdir, name) if profile_dir else None
    count = _child("count", url)
    first = _child("scan", url)
    second = _child("scan", url)
    take = _child("take", url)
    profile = None
    if copy is not None and profile_dir is not None:  # profiled apart: the profiler slows what it watches
        profile = profile_dir / f"scan-{backend}-{size}.txt"
        _child("scan", copy, profile)
        _drop(cfg, backend, copy, workdir, f"{name}_copy")
    _drop(cfg, backend, url, workdir, name)
    row = {
        "backend": backend, "subscriptions": size, "past_due": shape.past_due, "load_seconds": round(load_seconds, 1),
        "count": count, "scan": first, "rescan": second, "take": take,
        "vs_count": round(first["seconds"] / count["seconds"], 1) if count["seconds"] else None,
        "profile": profile.name if profile else None,
    }  # fmt: skip
    log.info("scan %s %d: %s", backend, size, row)
    return row


def _copy(cfg: Config, backend: str, url: str, workdir: Path, name: str) -> str:
    if backend == "postgresql":
        return data.copy_postgres(cfg.postgres_url or "", name, f"{name}_copy")
    shutil.copyfile(workdir / f"{name}.db", workdir / f"{name}_copy.db")
    return data.sqlite_url(str(workdir / f"{name}_copy.db"))


def _drop(cfg: Config, backend: str, url: str, workdir: Path, name: str) -> None:
    if backend == "postgresql":
        data.drop_postgres(cfg.postgres_url or "", name)
    else:
        for suffix in ("", "-wal", "-shm"):
            (workdir / f"{name}.db{suffix}").unlink(missing_ok=True)


def _child(what: str, url: str, profile: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.scan_child", what, url, TODAY.isoformat()]
    if profile is not None:
        command += ["--profile", str(profile)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scan child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}
