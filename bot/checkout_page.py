"""The add-card link with ``BILLING_BACKEND=stripe``: it opens Stripe Checkout in setup mode for the
link's customer and person (303 to Stripe's hosted page), so card numbers never reach settlebot;
Stripe sends the person back to the same link with ``done=1`` or ``canceled=1``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from domain.billing import BillingUnavailable
from domain.card_checkout import start_checkout
from domain.errors import DomainError
from handlers.i18n import error_text

if TYPE_CHECKING:
    from bot.cards_page import CardsPage

log = logging.getLogger(__name__)


def checkout_get(page: CardsPage, request: Request, token: str) -> Response:
    from bot.cards_page import SECURITY_HEADERS, PageState, _translator_for

    deps = page.deps
    if request.args.get("done") or request.args.get("canceled"):
        return _returned(page, request, token)
    claims, link = page._link(token)
    if link is None:
        return page._gone(_translator_for(deps, None))
    tr = _translator_for(deps, link.slack_user_id)
    services = deps.services
    assert services.checkout is not None
    back = f"{services.settings.public_url.rstrip('/')}/cards/new?t={token}"
    try:
        url = start_checkout(services.uow(), services.checkout, link.slack_user_id, link.account_id,
                             link=link.nonce, subscription_id=claims.subscription_id, return_url=back)  # fmt: skip
    except DomainError as error:
        return page._render(tr, PageState(banner=error_text(error, tr), show_form=False), 403)
    except BillingUnavailable as error:
        log.warning("add-card link %s: Stripe Checkout unavailable (%s)", link.nonce[:6], error)
        return page._render(tr, PageState(banner=tr("page.checkout_unavailable"), show_form=False), 503)
    log.info("add-card link %s: sent to Stripe Checkout", link.nonce[:6])
    return Response("", status=303, headers={"Location": url, **SECURITY_HEADERS})


def _returned(page: CardsPage, request: Request, token: str) -> Response:
    """Back from Stripe's page: the card shows in Slack once Stripe says the session completed."""
    from bot.cards_page import PageState, _translator_for

    claims = page.deps.links.read(token)
    link = page.deps.services.card_links.get(claims.nonce) if claims else None
    if link is None:
        return page._gone(_translator_for(page.deps, None))
    tr = _translator_for(page.deps, page.deps.actor_on(link.slack_user_id, link.account_id))  # its workspace's
    done = bool(request.args.get("done"))
    state = PageState(banner=tr("page.checkout_done" if done else "page.checkout_canceled"),
                      banner_level="success" if done else "error", show_form=False)  # fmt: skip
    return page._render(tr, state, 200)
