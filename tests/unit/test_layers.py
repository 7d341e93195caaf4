"""The arrows point inward: ``domain`` imports the standard library only, and nothing below ``bot``
(the composition root) imports ``bot``."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BELOW_BOT = ["domain", "storage", "handlers", "payments", "installations", "telemetry", "slackhttp"]


def imported(package: str) -> dict[str, set[str]]:
    """Each module file of ``package`` -> the top-level names it imports (typing-only ones too)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_the_domain_imports_the_standard_library_and_itself_only() -> None:
    outside = {
        module: sorted(n for n in names if n != "domain" and n not in sys.stdlib_module_names)
        for module, names in imported("domain").items()
    }
    assert {m: n for m, n in outside.items() if n} == {}


@pytest.mark.parametrize("package", BELOW_BOT)
def test_nothing_below_the_composition_root_imports_it(package: str) -> None:
    assert [module for module, names in imported(package).items() if "bot" in names] == []
