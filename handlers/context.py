"""What the listeners and jobs share: services, the Web API client, locales, card links, the job queue."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.bootstrap import Services
from handlers.cardlinks import LinkSigner
from handlers.people import Locales
from handlers.replies import Replies
from handlers.work import JobQueue


@dataclass(frozen=True)
class Deps:
    services: Services
    client: WebClient
    locales: Locales
    links: LinkSigner
    jobs: JobQueue  # where listeners put what they do after the ack
    replies: Replies  # answers to slash commands, through their response_url
