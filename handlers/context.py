"""What the listeners and jobs share: services, the Web API client, locales, card links, the job queue."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from domain.tenancy import Actor, Tenant, tenant_of
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

    def actor_on(self, user_id: str, account_id: str) -> Actor:
        """``user_id`` as a user of the workspace of ``account_id``'s account, for work no request of
        theirs carries (a Stripe Checkout completed, the add-card page): its Slack calls go to that
        workspace, and the use cases check their role there again."""
        single = self.services.single_workspace
        with self.services.uow(read_only=True) as uow:
            account = uow.accounts.get(account_id)
        if account is None:
            return Actor(user_id, Tenant(None, None, unassigned=single))
        return Actor(user_id, Tenant(account.team_id, account.enterprise_id, unassigned=single))
