"""The Bolt app factory, and the dependencies listeners and jobs share."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.bootstrap import Services
from bot.installed import InstalledAuthorize
from bot.oauth_pages import install_flow
from handlers.cardlinks import LinkSigner
from handlers.context import Deps
from handlers.i18n import translator
from handlers.people import Locales
from handlers.register import register_all
from handlers.replies import Replies
from handlers.work import JobQueue

log = logging.getLogger(__name__)


def build_deps(services: Services, jobs: JobQueue) -> Deps:
    client = services.client
    if client is None:
        raise ValueError("the Slack app needs a Web API client")
    secret = services.settings.secret("slack_signing_secret")
    settings = services.settings
    links = LinkSigner(secret, settings.public_url)
    clients = services.clients
    locales = Locales(client, client_for=clients.client_for if clients is not None else None)
    return Deps(services, client, locales, links, jobs, Replies(settings.api_url))


def create_app(deps: Deps) -> App:
    """A Bolt app with every listener registered; every Web API call goes through one client.

    Listeners only check, ack and submit jobs, so Bolt runs them before answering
    (``process_before_response``) instead of handing them to a thread pool and polling it.
    """
    services = deps.services
    installs = services.installed
    app = App(
        client=deps.client,
        # Installation mode: each request's workspace's own bot token, and the "Add to Slack" flow
        # (served by bot/web.py: GET /slack/install, GET /slack/oauth_redirect).
        authorize=InstalledAuthorize(installs) if installs is not None else None,
        oauth_flow=install_flow(services.settings, installs, deps.client) if installs is not None else None,
        # What a person of a workspace where the app is no longer installed is told (Bolt's words otherwise).
        user_facing_authorize_error_message=translator(None)("install.gone"),
        signing_secret=deps.services.settings.secret("slack_signing_secret"),
        token_verification_enabled=False,
        # Over HTTP, bot/web.py's door verifies every signature (and refuses replays) before
        # Bolt sees a request, then hands it the body already parsed; Socket Mode is unsigned.
        request_verification_enabled=False,
        process_before_response=True,
        logger=logging.getLogger("settlebot.bolt"),
    )
    register_all(app, deps)
    return app
