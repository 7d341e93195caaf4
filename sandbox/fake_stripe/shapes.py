"""Stripe objects as the fake answers them: each starts from the shape of Stripe's published
fixture for that resource (`shapes.json`, every field Stripe sends, nullable ones included; the
fixture's example data replaced by neutral values), then the fake fills in its own values."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

SHAPES_PATH = Path(__file__).with_name("shapes.json")


@cache
def _shapes() -> dict[str, dict[str, Any]]:
    shapes: dict[str, dict[str, Any]] = json.loads(SHAPES_PATH.read_text(encoding="utf-8"))
    return shapes


def kinds() -> list[str]:
    """The resources the fake shapes (`customer`, `invoice`, `checkout.session`...)."""
    return sorted(_shapes())


def new(kind: str, **fields: Any) -> dict[str, Any]:
    """A fresh object of `kind` with `fields` set over the fixture's shape.

    Raises:
        KeyError: for a field the fixture does not have (a typo would otherwise go unseen).
    """
    obj = copy.deepcopy(_shapes()[kind])
    for name, value in fields.items():
        if name not in obj:
            raise KeyError(f"{kind} has no field {name!r}")
        obj[name] = value
    return obj
