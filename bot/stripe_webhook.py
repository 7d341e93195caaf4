"""``POST /stripe/webhook``: a verified event is recorded once and acknowledged at once; reading its
object again from Stripe and updating settlebot's copy is a job done after the 2xx.

The ack is the serving process's CPU alone, so it is kept to what it must do: the body read
straight from the WSGI input, the signature checked by the stripe SDK (`verify_header`), the body
parsed as plain JSON, the event recorded through a group commit (`bot.group_commit`: concurrent
deliveries share one transaction), the job submitted, an empty answer written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.group_commit import GroupRecorder
from domain.billing_events import receive_events
from domain.ports import StorageUnavailable
from handlers.billing_events import stripe_event
from handlers.context import Deps
from handlers.work import LATER, job
from payments.stripe.errors import BadSignature
from payments.stripe.sync_reader import event_ref
from payments.stripe.webhooks import verify_event

log = logging.getLogger(__name__)
STATUS = {200: "200 OK", 400: "400 Bad Request", 405: "405 Method Not Allowed", 503: "503 Service Unavailable"}


class StripeWebhook:
    """A WSGI app for Stripe's webhook deliveries (the body's size is checked by the caller)."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._secret = deps.services.settings.stripe_webhook_key()
        services = deps.services
        self._recorder = GroupRecorder(lambda events: receive_events(services.uow(), services.clock, events))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status = self._status(environ)
        start_response(STATUS[status], [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]

    def _status(self, environ: dict[str, Any]) -> int:
        if environ.get("REQUEST_METHOD") != "POST":
            return 405
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            event = verify_event(body, environ.get("HTTP_STRIPE_SIGNATURE"), self._secret)
        except BadSignature as error:
            log.warning("refused a Stripe webhook (400): %s", error)
            return 400
        ref = event_ref(event)
        if ref is None:
            return 200  # a type settlebot does nothing with
        try:
            first = self._recorder.record(ref.id, ref.type)
        except (SQLAlchemyError, StorageUnavailable) as error:
            log.warning("Stripe webhook %s not recorded (503): the database is unavailable (%s)", ref.id,
                        type(error).__name__)  # fmt: skip
            return 503  # Stripe delivers it again later
        if first:
            self._deps.jobs.submit(job(stripe_event, ref.id, ref.type, ref.kind, ref.object_id, ref.customer,
                                       ref.automatic, ref.by_settlebot, priority=LATER))  # fmt: skip
        return 200
