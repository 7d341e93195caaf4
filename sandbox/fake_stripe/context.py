"""What every endpoint of the fake works with: the account, its events, and where it is served."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.fake_stripe.events import Events
from sandbox.fake_stripe.state import Account


@dataclass(frozen=True)
class Payment:
    """One successful charge of an invoice (the fake's own ledger, for tests to count)."""

    invoice: str
    payment_method: str
    amount: int
    currency: str
    idempotency_key: str | None


@dataclass
class Context:
    account: Account
    events: Events
    base_url: Callable[[], str]
    payments: list[Payment] = field(default_factory=list)

    def table(self, kind: str) -> Any:
        return self.account.table(kind)
