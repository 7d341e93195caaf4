"""The baseline of the webhook burst: the webhook's and the job's code called in-process on each
event, by as many threads as the app's workers, with no HTTP and no job queue in between."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.bootstrap import Services, build_services
from bot.settings import load_settings
from domain.billing_events import handle_event, receive_event
from payments.stripe.sync_reader import event_ref
from payments.stripe.webhooks import verify_event
from sandbox.fake_stripe.webhooks import sign
from storage.errors import ConflictError


def handle_directly(env: dict[str, str], payloads: list[str], threads: int) -> dict[str, Any]:
    """Verify, record once and handle every event (signed beforehand, untimed); seconds taken."""
    settings = load_settings(**{k.lower(): v for k, v in env.items() if _is_setting(k)})
    services = build_services(settings, with_slack=False)
    secret = env["STRIPE_WEBHOOK_SECRET"]
    signed = [(payload.encode(), sign(payload, secret)) for payload in payloads]
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(threads, thread_name_prefix="direct") as pool:
            handled = sum(pool.map(lambda one: _one(services, secret, *one), signed))
        return {"seconds": round(time.perf_counter() - started, 2), "handled": handled, "threads": threads}
    finally:
        services.close()


def _one(services: Services, secret: str, body: bytes, signature: str) -> bool:
    ref = event_ref(verify_event(body, signature, secret))
    if ref is None or not receive_event(services.uow(), services.clock, ref.id, ref.type):
        return False
    assert services.billing is not None
    channel = services.settings.billing_channel
    try:
        handle_event(services.uow(), services.billing, services.clock, ref, default_channel=channel)
    except ConflictError:  # as the job does: another event of the subscription went first
        handle_event(services.uow(), services.billing, services.clock, ref, default_channel=channel)
    return True


def _is_setting(name: str) -> bool:
    return name.startswith(("SLACK_", "DATABASE_", "BILLING_", "STRIPE_")) or name in ("TIMEZONE", "PUBLIC_URL")
