"""What the resilience tests tried and what held, recorded by the tests themselves.

Each test calls ``record(...)``; at the end of the session the rows are written to
``artifacts/resilience.json``. ``python -m tests.reporting`` renders them as the README's table.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).parents[1]
OUT = ROOT / "artifacts" / "resilience.json"
_rows: list[dict[str, object]] = []
_lock = threading.Lock()


def record(scenario: str, *, requests: int, processes: int, faults: int, charges: int, held: str = "yes") -> None:
    with _lock:
        _rows.append({"scenario": scenario, "requests": requests, "processes": processes,
                      "faults": faults, "charges": charges, "held": held})  # fmt: skip


def flush() -> None:
    if not _rows:
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(sorted(_rows, key=lambda r: str(r["scenario"])), indent=2))


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| Scenario | Requests sent | Processes | Faults injected | Charges made | Held |",
             "|---|---:|---:|---:|---:|---|"]  # fmt: skip
    lines += [f"| {r['scenario']} | {r['requests']} | {r['processes']} | {r['faults']} | {r['charges']} | {r['held']} |"
              for r in rows]  # fmt: skip
    return "\n".join(lines)


def update_readme(readme: Path = ROOT / "README.md") -> None:
    """Replace the table between the resilience markers in the README with the last run's."""
    text = readme.read_text()
    block = f"<!-- resilience:start -->\n{table(json.loads(OUT.read_text()))}\n<!-- resilience:end -->"
    readme.write_text(re.sub(r"<!-- resilience:start -->.*?<!-- resilience:end -->", block, text, flags=re.S))


if __name__ == "__main__":
    update_readme()
    sys.exit(0)
