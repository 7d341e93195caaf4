"""Stripe Billing through the official `stripe` package (`StripeClient`, no global key).

Modules:
    config: `StripeConfig` (API key kept secret, base address, timeouts, retries); `make_client`.
    models: the typed results (cards, subscriptions, invoices, events, payment outcomes).
    parsing: Stripe objects (SDK objects or webhook JSON) to those models.
    amounts: Stripe's minor units to `Money` and back.
    errors: the small exceptions Stripe errors are mapped to (no Stripe type leaks out).
    reading: page through a customer's subscriptions, open invoices, cards; events since an id.
    paying: pay one invoice under settlebot's idempotency key, as a typed outcome.
    writing: card expiry, a subscription's default card, setup-mode Checkout Sessions.
    webhooks: verify a webhook's signature and read its event.
"""
