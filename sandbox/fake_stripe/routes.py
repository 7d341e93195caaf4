"""The fake's endpoints: method and path pattern to an endpoint name (the SDK's own naming, e.g.
`invoices.pay`, used by faults and the request log) and its handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.fake_stripe import (
    api_checkout,
    api_customers,
    api_events,
    api_invoices,
    api_payment_methods,
    api_subscriptions,
    paying,
)  # fmt: skip
from sandbox.fake_stripe.context import Context

Handler = Callable[..., dict[str, Any]]
_ID = r"([A-Za-z0-9_]+)"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: str
    handler: Handler


def _route(method: str, path: str, endpoint: str, handler: Handler) -> Route:
    return Route(method, re.compile("^" + path.replace("{id}", _ID) + "$"), endpoint, handler)


ROUTES = (
    _route("POST", "/v1/customers", "customers.create", api_customers.create),
    _route("GET", "/v1/customers", "customers.list", api_customers.list_),
    _route("GET", "/v1/customers/{id}", "customers.retrieve", api_customers.retrieve),
    _route("POST", "/v1/customers/{id}", "customers.update", api_customers.update),
    _route(
        "GET", "/v1/customers/{id}/payment_methods", "customers.payment_methods.list", api_customers.payment_methods
    ),
    _route("GET", "/v1/payment_methods", "payment_methods.list", api_payment_methods.list_),
    _route("GET", "/v1/payment_methods/{id}", "payment_methods.retrieve", api_payment_methods.retrieve),
    _route("POST", "/v1/payment_methods/{id}", "payment_methods.update", api_payment_methods.update),
    _route("POST", "/v1/payment_methods/{id}/attach", "payment_methods.attach", api_payment_methods.attach),
    _route("POST", "/v1/payment_methods/{id}/detach", "payment_methods.detach", api_payment_methods.detach),
    _route("GET", "/v1/subscriptions", "subscriptions.list", api_subscriptions.list_),
    _route("GET", "/v1/subscriptions/{id}", "subscriptions.retrieve", api_subscriptions.retrieve),
    _route("POST", "/v1/subscriptions/{id}", "subscriptions.update", api_subscriptions.update),
    _route("GET", "/v1/invoices", "invoices.list", api_invoices.list_),
    _route("GET", "/v1/invoices/{id}", "invoices.retrieve", api_invoices.retrieve),
    _route("POST", "/v1/invoices/{id}/pay", "invoices.pay", paying.pay),
    _route("POST", "/v1/invoices/{id}/void", "invoices.void_invoice", api_invoices.void),
    _route(
        "POST", "/v1/invoices/{id}/mark_uncollectible", "invoices.mark_uncollectible", api_invoices.mark_uncollectible
    ),
    _route("POST", "/v1/checkout/sessions", "checkout.sessions.create", api_checkout.create),
    _route("GET", "/v1/checkout/sessions", "checkout.sessions.list", api_checkout.list_),
    _route("GET", "/v1/checkout/sessions/{id}", "checkout.sessions.retrieve", api_checkout.retrieve),
    _route("GET", "/v1/setup_intents/{id}", "setup_intents.retrieve", api_checkout.retrieve_setup_intent),
    _route("GET", "/v1/events", "events.list", api_events.list_),
    _route("GET", "/v1/events/{id}", "events.retrieve", api_events.retrieve),
)
ENDPOINTS = frozenset(route.endpoint for route in ROUTES)


def match(method: str, path: str) -> tuple[Route, tuple[str, ...]] | None:
    """The route for a request, and the ids in its path."""
    for route in ROUTES:
        found = route.pattern.match(path)
        if route.method == method and found:
            return route, found.groups()
    return None


def run(route: Route, ctx: Context, params: dict[str, Any], ids: tuple[str, ...]) -> dict[str, Any]:
    return route.handler(ctx, params, *ids)
