"""Session hooks shared by every test level."""

from __future__ import annotations

from tests import reporting


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    reporting.flush()
