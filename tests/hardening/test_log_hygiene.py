"""No log call in the app passes a request body, a payload, ``view.state.values``, form fields,
typed text, a token, a signature or a card detail: log lines carry ids only. Read from the code
itself (every ``log.*(...)`` call), so a new call that breaks the rule fails here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGES = ("bot", "handlers", "domain", "storage")
LEVELS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
LOGGERS = {"log", "logger", "logging", "_log", "self.log", "self.logger"}
FORBIDDEN = {
    "body", "payload", "values", "state", "form", "text", "number", "cvc", "card_number", "token", "signature",
    "secret", "raw", "params", "headers", "environ", "blocks", "view", "data", "doc", "request", "command",
}  # fmt: skip


def _log_calls() -> Iterator[tuple[str, ast.Call]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in LEVELS and ast.unparse(node.func.value) in LOGGERS):  # fmt: skip
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def _names(node: ast.AST) -> set[str]:
    """Every variable and attribute name an argument reads (``link.nonce[:6]`` -> link, nonce)."""
    found = set()
    for part in ast.walk(node):
        if isinstance(part, ast.Name):
            found.add(part.id)
        elif isinstance(part, ast.Attribute):
            found.add(part.attr)
    return found


def test_log_calls_pass_ids_and_reasons_never_content() -> None:
    calls = list(_log_calls())
    problems = []
    for where, call in calls:
        message, *args = call.args
        if not isinstance(message, ast.Constant) or not isinstance(message.value, str):
            problems.append(f"{where}: the message is not a constant format string")
        arguments = [*args, *(k.value for k in call.keywords if k.arg != "exc_info")]
        leaked = set().union(*(_names(a) for a in arguments)) & FORBIDDEN if arguments else set()
        if leaked:
            problems.append(f"{where}: logs {sorted(leaked)}")
    assert len(calls) > 20 and problems == []


def test_no_module_prints_or_dumps_a_request() -> None:
    offenders = []
    for package in ("handlers",):
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            offenders += [f"{path.name}: {w}" for w in ("print(", "pprint", "json.dumps(body", "logger.info(body")
                          if w in source]  # fmt: skip
    assert offenders == []
