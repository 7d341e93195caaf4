"""The fake's account: its objects by kind, in creation order, with Stripe-like ids.

Every endpoint runs under `Account.lock`, so a request sees and leaves a consistent state.
"""

from __future__ import annotations

import random
import string
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from sandbox.fake_stripe.errors import missing

PREFIXES = {
    "customer": "cus", "payment_method": "pm", "subscription": "sub", "invoice": "in",
    "checkout.session": "cs_test", "setup_intent": "seti", "payment_intent": "pi", "event": "evt",
    "subscription_item": "si", "line_item": "il", "price": "price", "product": "prod",
}  # fmt: skip
KIND_OF_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}
_ALPHABET = string.ascii_letters + string.digits


class Table:
    """Objects of one kind by id, oldest first, with an index by customer."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rows: dict[str, dict[str, Any]] = {}
        self.order: dict[str, int] = {}  # id: its creation rank, its index in `ids`
        self.ids: list[str] = []
        self._by_customer: dict[str, list[str]] = {}

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.rows[obj["id"]] = obj
        if obj["id"] not in self.order:
            self.order[obj["id"]] = len(self.ids)
            self.ids.append(obj["id"])
        customer = obj.get("customer")
        if isinstance(customer, str):
            self._by_customer.setdefault(customer, []).append(obj["id"])
        return obj

    def get(self, object_id: str, param: str | None = None) -> dict[str, Any]:
        """The object, or Stripe's 404 resource_missing."""
        try:
            return self.rows[object_id]
        except KeyError:
            raise missing(self.kind.replace("_", " ").replace(".", " "), object_id, param) from None

    def find(self, object_id: str) -> dict[str, Any] | None:
        return self.rows.get(object_id)

    def reindex(self, obj: dict[str, Any], old_customer: str | None) -> None:
        """Call after changing an object's customer (attach, detach)."""
        if old_customer and obj["id"] in self._by_customer.get(old_customer, []):
            self._by_customer[old_customer].remove(obj["id"])
        if isinstance(obj.get("customer"), str):
            self._by_customer.setdefault(obj["customer"], []).append(obj["id"])

    def newest_first(self, customer: str | None = None) -> list[dict[str, Any]]:
        ids = self._by_customer.get(customer, []) if customer else list(self.rows)
        return [self.rows[i] for i in reversed(ids)]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(list(self.rows.values()))


class Account:
    """One Stripe account in test mode: tables, ids, clock and the lock every request holds."""

    def __init__(self, clock: Callable[[], float] = time.time, seed: int | None = None) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._random = random.Random(seed)
        self.tables = {kind: Table(kind) for kind in PREFIXES}

    def now(self) -> int:
        return int(self.clock())

    def new_id(self, kind: str) -> str:
        return f"{PREFIXES[kind]}_{''.join(self._random.choices(_ALPHABET, k=24))}"

    def table(self, kind: str) -> Table:
        return self.tables[kind]

    def resolve(self, object_id: str) -> dict[str, Any] | None:
        """Any object by its id (for `expand[]`)."""
        prefix = object_id.rsplit("_", 1)[0]
        kind = KIND_OF_PREFIX.get(prefix)
        return self.tables[kind].find(object_id) if kind else None
