"""The pages of "Add to Slack": ``GET /slack/install`` and ``GET /slack/oauth_redirect``
(Bolt's OAuth flow, with settlebot's pages in the visitor's language)."""

from __future__ import annotations

import logging
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from slack_bolt import BoltResponse
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.installed import InstalledWorkspaces
from bot.settings import Settings
from handlers.i18n import Translator, translator
from installations.stores import STATE_LIFETIME_SECONDS

INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"
log = logging.getLogger(__name__)
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())


def visitor_translator(request: BoltRequest) -> Translator:
    """The language the browser prefers first (English unless it is Simplified Chinese)."""
    values = request.headers.get("accept-language") or [""]
    first = values[0].split(",")[0].split(";")[0]
    return translator(first)


def page(tr: Translator, status: int, title: str, text: str, **extra: str) -> BoltResponse:
    html = _templates.get_template("install_page.html").render(lang=tr.locale, title=title, text=text, **extra)
    return BoltResponse(status=status, body=html, headers=dict(PAGE_HEADERS))


class InstallFlow(OAuthFlow):
    """Bolt's OAuth flow, whose install page is settlebot's own."""

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        tr = visitor_translator(request)
        return page(tr, 200, tr("install.title"), tr("install.text"), button_url=url,
                    button=tr("install.button"), fine=tr("install.fine")).body  # fmt: skip


def callback_options(installed: InstalledWorkspaces) -> CallbackOptions:
    def success(args: SuccessArgs) -> BoltResponse:
        found = args.installation
        installed.tell(None if found.is_enterprise_install else found.team_id, found.enterprise_id)
        return _success(args)

    return CallbackOptions(success=success, failure=_failure)


def _success(args: SuccessArgs) -> BoltResponse:
    found = args.installation
    where = found.enterprise_name if found.is_enterprise_install else found.team_name
    log.info("installed in %s (team %s, enterprise %s, scopes %s)", where, found.team_id, found.enterprise_id,
             found.bot_scopes)  # fmt: skip
    tr = visitor_translator(args.request)
    return page(tr, 200, tr("install.done_title"), tr("install.done_text", workspace=where or ""))


def _failure(args: FailureArgs) -> BoltResponse:
    log.warning("an installation failed: %s", args.reason)
    tr = visitor_translator(args.request)
    key = f"install.failed.{args.reason}"
    text = tr(key) if tr.has(key) else tr("install.failed.other")
    return page(tr, args.suggested_status_code, tr("install.failed_title"), text,
                button_url="/slack/install", button=tr("install.again"))  # fmt: skip


def install_flow(settings: Settings, installed: InstalledWorkspaces, client: WebClient) -> InstallFlow:
    """Bolt's OAuth flow on settlebot's stores; the redirect URL is PUBLIC_URL/slack/oauth_redirect."""
    assert settings.slack_client_id is not None
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.secret("slack_client_secret"),
        scopes=settings.scopes,
        redirect_uri=settings.public_url.rstrip("/") + REDIRECT_PATH,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=settings.authorize_url,
        installation_store=installed.store,
        installation_store_bot_only=True,
        state_store=installed.state_store,
        state_expiration_seconds=STATE_LIFETIME_SECONDS,
        callback_options=callback_options(installed),
        logger=log,
    )
    return InstallFlow(client=client, logger=log, settings=oauth)
