"""No log call in the app passes a request body, a payload, ``view.state.values``, form fields,
typed text, a token, a signature or a card detail: log lines carry ids only. Read from the code
itself (every ``log.*(...)`` call), so a new call that breaks the rule fails here. The JSON format
(``LOG_FORMAT=json``) writes the same message and nothing else of a record but the bound ids."""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Iterator
from pathlib import Path

from bot.logs import JsonFormatter
from telemetry import context

ROOT = Path(__file__).parents[2]
PACKAGES = ("bot", "handlers", "domain", "storage", "telemetry")
JSON_FIELDS = {"time", "level", "logger", "pid", "message", "exception", *context.NAMES}
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


def test_json_lines_hold_the_message_and_ids_never_extra_record_fields() -> None:
    secret = "xoxb-17653672481-secret"
    record = logging.getLogger("settlebot.hygiene").makeRecord(
        "settlebot.hygiene", logging.WARNING, __file__, 1, "refused %s", ("block_actions",), None,
        extra={"token": secret, "body": "4242424242424242", "cvc": "731", "headers": {"x": secret}},
    )  # fmt: skip
    with context.bind(request_id="r1", job_id="j1", subscription_id="sub_1", attempt_id="a1"):
        line = JsonFormatter().format(record)
    assert set(json.loads(line)) <= JSON_FIELDS and json.loads(line)["message"] == "refused block_actions"
    assert secret not in line and "4242424242424242" not in line and "731" not in line


def test_a_secret_cannot_be_bound_as_a_log_id() -> None:
    for name in ("token", "secret", "card_number", "cvc", "signature"):
        try:
            context.annotate(**{name: "x"})
        except ValueError:
            continue
        raise AssertionError(f"{name} was accepted as a log id")
