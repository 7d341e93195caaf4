"""Publishing the Home tab ("Your products") for one user."""

from __future__ import annotations

from domain.listing import your_products
from handlers.blocks.home import home_view
from handlers.context import Deps


def publish_home(deps: Deps, user_id: str) -> None:
    today = deps.services.clock.today()
    groups = your_products(deps.services.uow(read_only=True), user_id, today, deps.services.failures)
    view = home_view(groups, deps.locales.of(user_id), actor=user_id, today=today)
    deps.client_for(user_id).views_publish(user_id=user_id, view=view)
