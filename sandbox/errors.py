"""The one way a fake Web API method says no: an `{"ok": false, "error": ...}` answer."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Slack error answer, e.g. `ApiError("channel_not_found")`.

    Args:
        error: Slack's error code.
        **extra: more fields of the answer, e.g. `errors=[...]` for invalid_blocks.
    """

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}
