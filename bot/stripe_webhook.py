"""``POST /stripe/webhook``: a verified event is recorded once and acknowledged at once; reading its
object again from Stripe and updating settlebot's copy is a job done after the 2xx."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Request, Response

from domain.billing_events import receive_event
from domain.ports import StorageUnavailable
from handlers.billing_events import stripe_event
from handlers.context import Deps
from handlers.work import LATER, job
from payments.stripe.errors import BadSignature
from payments.stripe.sync_reader import event_ref
from payments.stripe.webhooks import verify_event

log = logging.getLogger(__name__)


class StripeWebhook:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._secret = deps.services.settings.stripe_webhook_key()

    def __call__(self, request: Request) -> Response:
        if request.method != "POST":
            return Response("method not allowed", status=405)
        try:
            event = verify_event(request.get_data(cache=False), request.headers.get("Stripe-Signature"), self._secret)
        except BadSignature as error:
            log.warning("refused a Stripe webhook (400): %s", error)
            return Response("", status=400)
        ref = event_ref(event)
        if ref is None:
            return Response("", status=200)  # a type settlebot does nothing with
        services = self._deps.services
        try:
            first = receive_event(services.uow(), services.clock, ref.id, ref.type)
        except (SQLAlchemyError, StorageUnavailable) as error:
            log.warning("Stripe webhook %s not recorded (503): the database is unavailable (%s)", ref.id,
                        type(error).__name__)  # fmt: skip
            return Response("", status=503)  # Stripe delivers it again later
        if first:
            self._deps.jobs.submit(job(stripe_event, ref.id, ref.type, ref.kind, ref.object_id, ref.customer,
                                       ref.automatic, ref.by_settlebot, priority=LATER))  # fmt: skip
        return Response("", status=200)
