"""``python -m bench [--quick] [--parts latency,scan,delivery,throughput,stripe]``: run the benchmarks
on the real app, write ``bench/results.json`` and ``bench/RESULTS.md`` (a quick run writes
them to its work directory instead and prints the tables)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import delivery, latency, report, scan, stripe_part, throughput, workspaces
from bench.config import FULL, QUICK, Config

HERE = Path(__file__).resolve().parent
PARTS = ("latency", "scan", "delivery", "throughput", "stripe", "workspaces")
RUNNERS: dict[str, Callable[[Config, Path, Path | None], list[dict[str, Any]]]] = {
    "latency": latency.run,
    "scan": scan.run,
    "delivery": lambda cfg, work, _: delivery.run(cfg, work),
    "throughput": lambda cfg, work, _: throughput.run(cfg, work),
    "stripe": lambda cfg, work, _: stripe_part.run(cfg, work),
    "workspaces": lambda cfg, work, _: workspaces.run(cfg, work),
}
log = logging.getLogger("bench")


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--quick", action="store_true", help="smaller sizes, same code (under 2 minutes)")
    p.add_argument("--parts", default=",".join(PARTS), help="comma-separated subset of " + ", ".join(PARTS))
    p.add_argument("--no-profile", action="store_true", help="skip the profiles (scan copy, py-spy)")
    p.add_argument("--report-only", action="store_true", help="rewrite RESULTS.md from results.json")
    p.add_argument("--merge", action="store_true", help="replace only the parts run in bench/results.json")
    args = p.parse_args()
    if args.report_only:
        results = json.loads((HERE / "results.json").read_text(encoding="utf-8"))
        (HERE / "RESULTS.md").write_text(report.markdown(results, HERE / "analysis.md", HERE / "profiles"))
        return 0
    _logging()
    cfg = QUICK if args.quick else FULL
    parts = [part for part in args.parts.split(",") if part]
    workdir = Path(tempfile.mkdtemp(prefix="settlebot-bench-"))
    out = workdir if args.quick else HERE
    profiles = None if args.no_profile else workdir / "profiles"
    try:
        results = _run(cfg, parts, workdir, profiles)
        if profiles is not None and out != workdir:
            _keep_profiles(profiles, out / "profiles", replace_all=not args.merge)
    finally:
        _clean(workdir, keep=args.quick)
    if args.merge and (out / "results.json").exists():
        earlier = json.loads((out / "results.json").read_text(encoding="utf-8"))
        reruns = [*earlier["meta"].get("reruns", []), {"parts": parts, **results["meta"]}]
        results = {**earlier, **results, "meta": {**earlier["meta"], "reruns": reruns}}
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    text = report.markdown(results, None if args.quick else HERE / "analysis.md", out / "profiles")
    (out / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text if args.quick else f"wrote {out / 'RESULTS.md'} and {out / 'results.json'}")
    return 1 if results.get("failed") else 0


def _keep_profiles(made: Path, kept: Path, replace_all: bool) -> None:
    if replace_all:
        shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir(parents=True, exist_ok=True)
    for profile in made.glob("*.txt"):
        shutil.copyfile(profile, kept / profile.name)


def _run(cfg: Config, parts: list[str], workdir: Path, profiles: Path | None) -> dict[str, Any]:
    if profiles is not None:
        shutil.rmtree(profiles, ignore_errors=True)
        profiles.mkdir(parents=True)
    started, load_before = time.time(), _load()
    results: dict[str, Any] = {}
    for part in parts:
        if part not in RUNNERS:
            raise SystemExit(f"unknown part {part!r}; expected some of {', '.join(PARTS)}")
        log.info("--- %s", part)
        try:
            results[part] = RUNNERS[part](cfg, workdir, profiles)
        except Exception as exc:  # report what the other parts measured all the same
            log.exception("%s failed", part)
            results.setdefault("failed", {})[part] = f"{type(exc).__name__}: {exc}"
    results["meta"] = {
        "mode": cfg.name, "started": dt.datetime.fromtimestamp(started, dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(time.time() - started, 1), "load_before": load_before, "load_after": _load(),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
                   f"{_pg_version(cfg)}",
        "config": {k: v for k, v in cfg.__dict__.items() if k != "postgres_url"},
    }  # fmt: skip
    return results


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _pg_version(cfg: Config) -> str:
    if not cfg.postgres_url or "postgresql" not in scan.backends(cfg):
        return ", PostgreSQL not reachable (skipped)"
    from sqlalchemy import create_engine, text

    engine = create_engine(cfg.postgres_url)
    with engine.connect() as conn:
        version = str(conn.execute(text("SHOW server_version")).scalar_one())
    engine.dispose()
    return f", PostgreSQL {version}"


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("alembic", "slack_sdk", "slack_bolt", "bot", "domain", "handlers", "storage", "stripe", "payments"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _clean(workdir: Path, keep: bool) -> None:
    for path in workdir.glob("*.db*"):
        path.unlink(missing_ok=True)
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
