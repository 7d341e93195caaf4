"""The work after a Stripe webhook's 2xx: read the event's object again and update settlebot's copy."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from domain.billing import BillingUnavailable, EventRef
from domain.billing_sync import handle_event
from handlers.work import task

if TYPE_CHECKING:
    from handlers.context import Deps

log = logging.getLogger(__name__)


@task
def stripe_event(deps: Deps, event_id: str, type_: str, kind: str, object_id: str, customer: str | None) -> None:
    services = deps.services
    if services.billing is None:
        return
    event = EventRef(event_id, type_, kind, object_id, customer)
    try:
        done = handle_event(services.uow(), services.billing, services.clock, event)
    except BillingUnavailable as error:
        log.warning("stripe event %s (%s) not handled now, Stripe unavailable (%s): the next sync brings it",
                    event_id, type_, error)  # fmt: skip
        return
    log.info("stripe event %s (%s): %s", event_id, type_, "applied" if done else "nothing to do")
