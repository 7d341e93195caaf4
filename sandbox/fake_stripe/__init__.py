"""A fake Stripe API for tests and the local sandbox: real HTTP on loopback, stateful.

Modules:
    fake_stripe: `FakeStripe`, the facade tests use (start, url, seed, faults, log, webhooks).
    server: the WSGI app (auth, faults, idempotency, latency, request log).
    routes: endpoints by method and path; api_*: their handlers; paying: `invoices.pay`.
    declines: which cards decline and how; cards: card payment methods.
    state, events, listing, metadata, forms, errors, shapes: the small parts.
    idempotency, faults, recording, webhooks: Stripe's request semantics and test hooks.
    seeding: what happens in Stripe without the app asking.
"""
