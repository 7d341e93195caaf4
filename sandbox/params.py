"""Reading Web API arguments, which arrive as form strings or as JSON values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.errors import ApiError

Params = Mapping[str, Any]


def text_arg(params: Params, name: str) -> str | None:
    """A string argument, or None if absent or empty."""
    value = params.get(name)
    return None if value in (None, "") else str(value)


def required_arg(params: Params, name: str, error: str = "invalid_arguments") -> str:
    """A string argument the method cannot do without."""
    value = text_arg(params, name)
    if value is None:
        raise ApiError(error, response_metadata={"messages": [f"missing required field: {name}"]})
    return value


def bool_arg(params: Params, name: str) -> bool:
    """A boolean argument: JSON true, or form "1"/"true"."""
    value = params.get(name)
    return value is True or str(value).lower() in ("1", "true")


def invalid(error: str, messages: list[str]) -> ApiError:
    """An error answer listing what was wrong, as Slack lists it for invalid_blocks."""
    return ApiError(error, errors=messages, response_metadata={"messages": messages})
