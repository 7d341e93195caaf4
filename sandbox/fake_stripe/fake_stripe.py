"""`FakeStripe`: Stripe's API over real HTTP on loopback, stateful, for tests and the sandbox.

Usage::

    with FakeStripe() as fake:
        customer = fake.seed.customer(email="ap@example.com")
        client = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url})
        client.v1.customers.retrieve(customer["id"])
        assert fake.requests_to("customers.retrieve")[0].status == 200
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sandbox.fake_stripe import api_checkout, routes
from sandbox.fake_stripe.context import Context, Payment
from sandbox.fake_stripe.events import Events
from sandbox.fake_stripe.faults import Fault, FaultKind, Faults
from sandbox.fake_stripe.recording import Matcher, RequestLog, StripeRequest
from sandbox.fake_stripe.seeding import Seeder
from sandbox.fake_stripe.server import StripeApi
from sandbox.fake_stripe.state import Account
from sandbox.fake_stripe.webhooks import Webhooks
from sandbox.server import ServerThread

TEST_KEY = "sk_test_51FakeStripeKeyForSettlebotTests0000"
TEST_WEBHOOK_SECRET = "whsec_fake_settlebot_tests_0000000000"


class FakeStripe:
    """A Stripe account in test mode, served at `url` once started.

    Args:
        api_key: the only secret key accepted (others get 401).
        webhook_secret: signs the webhooks sent to the endpoints added with `add_webhook`.
        latency: seconds every API request takes (e.g. 0.05 for a benchmark).
        clock: seconds since the epoch, for `created`, due dates and signatures.
        seed: seed for generated ids.
    """

    def __init__(
        self, *, api_key: str = TEST_KEY, webhook_secret: str = TEST_WEBHOOK_SECRET, host: str = "127.0.0.1",
        port: int = 0, latency: float = 0.0, clock: Callable[[], float] = time.time, seed: int | None = None,
    ) -> None:  # fmt: skip
        self.api_key = api_key
        account = Account(clock, seed)
        self.ctx = Context(account, Events(account), self._base)
        self.webhooks = Webhooks(webhook_secret, clock)
        self.ctx.events.subscribe(self.webhooks)
        self._log, self._faults, self._stopping = RequestLog(), Faults(routes.ENDPOINTS), threading.Event()
        self.wsgi_app = StripeApi(self.ctx, api_key, self._log, self._faults, self._stopping)
        self.wsgi_app.latency = latency
        self.seed = Seeder(self.ctx)
        self._host, self._port = host, port
        self._server: ServerThread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is None:
            self._stopping.clear()
            self._server = ServerThread(self.wsgi_app, self._host, self._port)
            self._server.start()
            self.webhooks.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._stopping.set()
            self.webhooks.stop()
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:  # fmt: skip
        self.stop()

    @property
    def url(self) -> str:
        """The API base for `STRIPE_API_BASE` / `base_addresses={"api": url}`."""
        return self._base()

    def _base(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeStripe is not started")
        return f"http://{self._host}:{self._server.port}"

    @property
    def latency(self) -> float:
        return self.wsgi_app.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.wsgi_app.latency = seconds

    # -- what was asked ----------------------------------------------------------------------

    @property
    def requests(self) -> list[StripeRequest]:
        """Every API request so far, in arrival order (failed and replayed ones included)."""
        return self._log.snapshot()

    def requests_to(self, what: Matcher) -> list[StripeRequest]:
        """Requests to an endpoint (`invoices.pay`) or matching a predicate."""
        return self._log.matching(what)

    def wait_for(self, what: Matcher, count: int = 1, timeout: float = 5.0) -> list[StripeRequest]:
        return self._log.wait_for(what, count, timeout)

    @property
    def payments(self) -> list[Payment]:
        """Every successful charge, in order: the fake's ledger."""
        with self.ctx.account.lock:
            return list(self.ctx.payments)

    def events(self, type_: str | None = None) -> list[dict[str, Any]]:
        """The account's events, oldest first."""
        with self.ctx.account.lock:
            return [e for e in self.ctx.table("event") if type_ in (None, e["type"])]

    def get(self, object_id: str) -> dict[str, Any]:
        """Any object as the account holds it now (a live dict: read, don't change)."""
        with self.ctx.account.lock:
            found = self.ctx.account.resolve(object_id)
        if found is None:
            raise KeyError(object_id)
        return found

    # -- Stripe's side -----------------------------------------------------------------------

    def complete_checkout(self, session_id: str, **card: Any) -> dict[str, Any]:
        """The customer finishes the session's hosted page with a card (brand, last4, exp_month,
        exp_year, email, name, metadata); returns the new payment method."""
        with self.ctx.account.lock:
            return api_checkout.complete(self.ctx, session_id, **card)

    def add_webhook(self, url: str) -> None:
        """Send every later event to `url`, signed with the webhook secret."""
        self.webhooks.add_endpoint(url)

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self, n: int = 1, kind: FaultKind = "http_500", *, endpoint: str | None = None, retry_after: int = 1,
        should_retry: bool | None = None, delay: float = 0.0,
    ) -> None:  # fmt: skip
        """Make the next `n` requests (to `endpoint`, or any) meet a fault; see `faults`."""
        self._faults.add(n, Fault(kind, endpoint, retry_after, should_retry, delay))

    def clear_faults(self) -> None:
        self._faults.clear()

    def reset_log(self) -> None:
        self._log.clear()
