"""Stripe's request parameters: form-encoded with brackets (`metadata[k]=v`, `expand[0]=x`,
`types[]=y`) in bodies and query strings, decoded into nested dicts and lists."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sandbox.fake_stripe.errors import invalid

_PART = re.compile(r"\[([^\]]*)\]")


def _path(key: str) -> list[str]:
    head, _, rest = key.partition("[")
    return [head, *_PART.findall("[" + rest)] if rest else [head]


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    items = {k: _listify(v) for k, v in node.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nested parameters from (key, value) pairs; `a[]` appends, `a[0]` indexes, `a[b]` nests."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        *parents, last = _path(key)
        node = root
        for part in parents:
            child = node.setdefault(part or str(len(node)), {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[last or str(len(node))] = value
    result = _listify(root)
    return result if isinstance(result, dict) else {}


def fingerprint(params: dict[str, Any]) -> str:
    """A canonical form of parameters, to tell whether two requests asked the same thing."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


def as_list(value: Any) -> list[Any]:
    """A parameter that may arrive as one value or as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def as_int(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    """An integer parameter (form values arrive as text)."""
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f"Invalid integer: {value}", name) from None


def as_bool(value: Any) -> bool:
    return str(value).lower() == "true"
