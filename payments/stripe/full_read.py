"""A full sync's reads, pipelined, handed over in parts as customers are read whole.

Everything starts as early as it can: each page of the customers list starts the card lists of
the customers it serves as soon as it arrives; once `ACCOUNT_WIDE_FROM` customers are served, the
subscriptions and open invoices are listed account-wide (100 a page, each list page after page)
beside the rest; with fewer, they are listed per customer when the customers list ends. A served
customer is whole when its cards and its subscriptions and invoices are read; whole customers are
handed over in parts (at most `PART` customers, at least every `PART_SECONDS`) so that the caller
writes them while the rest is read. Stripe's rate limits are the client's pacing's business.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import stripe

from domain.billing import ReadBatch, RemoteCustomer, RemoteInvoice, Snapshot
from payments.stripe import models, parsing, reading
from payments.stripe.remote import call, card, customer, subscription

ACCOUNT_WIDE_FROM = 50  # served customers from which account-wide lists cost fewer requests
PART = 500
PART_SECONDS = 1.0


class FullRead:
    """One full read over `pool`; `parts()` yields its `ReadBatch`es (see the module).

    Args:
        client: the account's client.
        serves: which customers to read whole (called from the pool's threads).
        pool: runs the reads; shut down by the caller (`stop()` ends the long lists early).
        to_invoice: an invoice as the domain's value.
    """

    def __init__(
        self, client: stripe.StripeClient, serves: Callable[[RemoteCustomer], bool], pool: ThreadPoolExecutor,
        to_invoice: Callable[[models.Invoice], RemoteInvoice],
    ) -> None:  # fmt: skip
        self._client, self._serves, self._pool, self._to_invoice = client, serves, pool, to_invoice
        self._arrived: queue.SimpleQueue[tuple[str, Any, Any]] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._state = _State()

    def stop(self) -> None:
        self._stopped.set()

    def parts(self) -> Iterator[ReadBatch]:
        self._pool.submit(self._read, "listing", None, self._list_customers)
        listed: list[RemoteCustomer] = []
        last = time.monotonic()
        while True:
            try:
                kind, key, value = self._arrived.get(timeout=PART_SECONDS)
                listed.extend(self._state.take(kind, key, value))
            except queue.Empty:
                pass
            finished = self._state.finished()
            if finished or len(self._state.whole) >= PART or time.monotonic() - last >= PART_SECONDS:
                while self._state.whole or listed:
                    yield self._part(listed)
                    listed = []
                last = time.monotonic()
            if finished:
                return

    def _part(self, listed: list[RemoteCustomer]) -> ReadBatch:
        done, self._state.whole = self._state.whole[:PART], self._state.whole[PART:]
        state = self._state
        cards = [card(c) for cid in done for c in state.cards.pop(cid)]
        subs = [subscription(s) for cid in done for s in state.subs.pop(cid, [])]
        invoices = [self._to_invoice(i) for cid in done for i in state.invoices.pop(cid, [])]
        return ReadBatch(listed, done, Snapshot(cards, subs, invoices))

    def _read(self, kind: str, key: Any, read: Callable[[], Any]) -> None:
        """Run a read on the pool; its result (or its error) arrives on the queue."""
        try:
            self._arrived.put((kind, key, call(read)))
        except BaseException as error:
            self._arrived.put(("failed", key, error))

    def _list_customers(self) -> None:
        served: list[str] = []
        for page in reading.pages(self._client, "/v1/customers", {"limit": reading.PAGE}):
            if self._stopped.is_set():
                break
            customers = [customer(c) for c in page]
            ids = [c.id for c in customers if self._serves(c)]
            self._arrived.put(("page", ids, customers))
            if len(served) < ACCOUNT_WIDE_FROM <= len(served) + len(ids):
                self._account_wide()  # first: they are the longest chains of pages
            for cid in ids:
                cards = partial(self._list, "/v1/payment_methods", {"customer": cid, "type": "card"}, parsing.card)
                self._pool.submit(self._read, "cards", cid, cards)
            served.extend(ids)
        if len(served) < ACCOUNT_WIDE_FROM:
            self._each_customer(served)
        self._arrived.put(("ended", None, None))

    def _account_wide(self) -> None:
        self._pool.submit(self._read, "all_subs", None, lambda: self._list(
            "/v1/subscriptions", {"status": "all"}, parsing.subscription))  # fmt: skip
        self._pool.submit(self._read, "all_invoices", None, lambda: self._list(
            "/v1/invoices", {"status": "open"}, parsing.invoice))  # fmt: skip

    def _each_customer(self, served: list[str]) -> None:
        for cid in served:
            self._pool.submit(self._read, "subs", cid, partial(reading.subscriptions, self._client, cid))
            self._pool.submit(self._read, "invoices", cid, partial(reading.open_invoices, self._client, cid))

    def _list(self, path: str, params: dict[str, Any], parse: Callable[[dict[str, Any]], Any]) -> list[Any]:
        found: list[Any] = []
        for page in reading.pages(self._client, path, {**params, "limit": reading.PAGE}):
            if self._stopped.is_set():
                break
            found.extend(parse(obj) for obj in page)
        return found


class _State:
    """What has arrived, kept by the thread that hands parts over (only it touches this)."""

    def __init__(self) -> None:
        self.served: list[str] = []
        self.cards: dict[str, list[models.Card]] = {}
        self.subs: defaultdict[str, list[models.Subscription]] = defaultdict(list)
        self.invoices: defaultdict[str, list[models.Invoice]] = defaultdict(list)
        self.whole: list[str] = []  # read whole, not handed over yet
        self._listed_each: dict[str, set[str]] = {"subs": set(), "invoices": set()}  # per customer: arrived
        self._wide_lists = 0  # account-wide lists arrived (of 2)
        self._ended = False  # the customers list
        self._whole: set[str] = set()

    def take(self, kind: str, key: Any, value: Any) -> list[RemoteCustomer]:
        """Note an arrival; the customers it listed."""
        if kind == "failed":
            raise value
        if kind == "page":
            self.served.extend(key)
            return list(value)
        if kind == "ended":
            self._ended = True
        elif kind == "cards":
            self.cards[key] = value
            self._check(key)
        elif kind in ("all_subs", "all_invoices"):
            for found in value:
                (self.subs if kind == "all_subs" else self.invoices)[found.customer].append(found)
            self._wide_lists += 1
            for cid in list(self.cards):
                self._check(cid)
        elif kind in ("subs", "invoices"):
            (self.subs if kind == "subs" else self.invoices)[key].extend(value)
            self._listed_each[kind].add(key)
            self._check(key)
        return []

    def _check(self, cid: str) -> None:
        """`cid` is whole once its cards and its subscriptions and invoices (account-wide or its own) arrived."""
        if cid in self._whole or cid not in self.cards:
            return
        if self._wide_lists == 2 or all(cid in arrived for arrived in self._listed_each.values()):
            self._whole.add(cid)
            self.whole.append(cid)

    def finished(self) -> bool:
        return self._ended and len(self._whole) == len(self.served)
