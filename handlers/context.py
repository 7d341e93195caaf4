"""What the listeners share: services, the Web API client, locales, card links."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.bootstrap import Services
from handlers.cardlinks import LinkSigner
from handlers.people import Locales


@dataclass(frozen=True)
class Deps:
    services: Services
    client: WebClient
    locales: Locales
    links: LinkSigner
