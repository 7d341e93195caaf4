"""The ids of what is being done now (a request, a job, a subscription, an attempt), for log lines.

Held in a ``ContextVar``, so each thread (and each job) sees its own; a job carries the ids of
the request that submitted it (``handlers.work``), so one Save keeps its request id from the
ack through the worker process to the gateway call. Only these names, and only short ids, are
accepted: nothing else can reach a log line this way.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

NAMES = ("request_id", "job_id", "subscription_id", "attempt_id")
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_NONE: Mapping[str, str] = MappingProxyType({})
_current: ContextVar[Mapping[str, str]] = ContextVar("settlebot_ids", default=_NONE)


def new_id() -> str:
    return secrets.token_hex(8)


def current() -> dict[str, str]:
    """The ids bound now (a copy)."""
    return dict(_current.get())


def _checked(ids: Mapping[str, object]) -> dict[str, str]:
    unknown = set(ids) - set(NAMES)
    if unknown:
        raise ValueError(f"not a log id: {sorted(unknown)}")
    return {name: str(value) for name, value in ids.items() if isinstance(value, str) and _ID.fullmatch(value)}


@contextmanager
def bind(**ids: object) -> Iterator[None]:
    """Add ``ids`` for the duration of the block (what the block set with ``annotate`` goes too)."""
    token = _current.set({**_current.get(), **_checked(ids)})
    try:
        yield
    finally:
        _current.reset(token)


def annotate(**ids: object) -> None:
    """Add ``ids`` until the enclosing ``bind`` ends (a listener naming the subscription it acts on)."""
    _current.set({**_current.get(), **_checked(ids)})
