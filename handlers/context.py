"""What the listeners and jobs share: services, the Web API client, locales, card links, the job queue."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from domain.tenancy import tenant_of
from handlers.cardlinks import LinkSigner
from handlers.people import Locales
from handlers.replies import Replies
from handlers.services import AppServices
from handlers.work import JobQueue


@dataclass(frozen=True)
class Deps:
    services: AppServices
    client: WebClient
    locales: Locales
    links: LinkSigner
    jobs: JobQueue  # where listeners put what they do after the ack
    replies: Replies  # answers to slash commands, through their response_url

    def client_for(self, actor: str) -> WebClient:
        """The Web API client of the workspace ``actor`` acts in (the one client for a plain user id)."""
        tenant, clients = tenant_of(actor), self.services.clients
        if clients is None or (tenant.team_id is None and tenant.enterprise_id is None):
            return self.client
        return clients.client_for(tenant.team_id, tenant.enterprise_id)
