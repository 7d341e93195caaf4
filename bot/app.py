"""The Bolt app factory."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.bootstrap import Services
from handlers.cardlinks import LinkSigner
from handlers.context import Deps
from handlers.people import Locales
from handlers.register import register_all

log = logging.getLogger(__name__)


def create_app(services: Services) -> tuple[App, Deps]:
    """A Bolt app with every listener registered; every Web API call goes through one client."""
    settings = services.settings
    client = services.client
    if client is None:
        raise ValueError("the Slack app needs a Web API client")
    signing_secret = settings.secret("slack_signing_secret")
    app = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(max_workers=settings.http_threads, thread_name_prefix="bolt"),
        logger=logging.getLogger("settlebot.bolt"),
    )
    deps = Deps(services, client, Locales(client), LinkSigner(signing_secret, settings.public_url))
    register_all(app, deps)
    return app, deps
