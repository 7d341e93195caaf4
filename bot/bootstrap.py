"""The composition root: builds every adapter once and hands them to whoever needs them."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from bot.clock import SystemClock
from bot.faults import FaultyGateway
from bot.installed import InstalledWorkspaces
from bot.settings import Settings
from domain.billing import BillingReader
from domain.card_checkout import CardCheckout
from domain.card_owners import People
from domain.failures import FailureLog
from domain.ports import Clock, PaymentGateway
from domain.set_aside import Backoff
from handlers.notifier import ChannelPacer, SlackNotifier
from handlers.people import SlackPeople
from handlers.slack_retry import retry_handlers
from handlers.workspaces import SingleWorkspace, SlackClients
from payments.sandbox import SandboxGateway
from payments.stripe.checkout import StripeCheckout
from payments.stripe.config import make_client
from payments.stripe.gateway import StripeGateway
from payments.stripe.sync_reader import StripeReader
from slackhttp.pool import ConnectionPool
from storage.card_links import CardLinkStore
from storage.db import make_engine, read_only_engine
from storage.installation import InstallationGoneRow, InstallationRecord
from storage.ledger import SqlLedger
from storage.locks import DeliveryLock
from storage.uow import SqlUnitOfWork
from telemetry.gateway import InstrumentedGateway
from telemetry.slack import MeteredWebClient

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the entry points (HTTP, Socket Mode, scheduler, CLI) share."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Any]
    readers: sessionmaker[Any]
    gateway: PaymentGateway
    clock: Clock
    card_links: CardLinkStore
    installation: InstallationRecord
    client: WebClient | None = None
    # Records (alerts, accounts) set aside after a failure: each is logged once per process.
    failures: FailureLog = field(default_factory=FailureLog)
    billing: BillingReader | None = None  # the billing system of record (BILLING_BACKEND=stripe)
    delivery_lock: DeliveryLock | None = None  # held around each delivery run that may post
    people: People | None = None  # a card's owner by its billing email (needs Slack's clients)
    checkout: CardCheckout | None = None  # the billing system's hosted add-card page (Stripe Checkout)
    clients: SlackClients | None = None  # a Web API client per workspace (its own bot token)
    installed: InstalledWorkspaces | None = None  # installation mode ("Add to Slack"): the installations

    def __post_init__(self) -> None:
        if self.delivery_lock is None:
            self.delivery_lock = DeliveryLock(self.engine)
        if self.clients is None and self.client is not None:
            self.clients = SingleWorkspace(self.client, self.settings.slack_team_id)
        if self.people is None and self.clients is not None:
            self.people = SlackPeople(self.clients)  # each account's workspace, with its own token

    def notifier(self, pacer: ChannelPacer | None = None) -> SlackNotifier:
        """Posts to each account's workspace with that workspace's client."""
        if self.clients is None:
            raise ValueError("posting to Slack needs a Web API client")
        return SlackNotifier(self.clients, pacer, sandbox=self.sandbox)

    @property
    def single_workspace(self) -> bool:
        """The one-token mode: accounts linked to no workspace are its one workspace's."""
        return self.clients is None or isinstance(self.clients, SingleWorkspace)

    def installation_gone(self, team_id: str | None, enterprise_id: str | None, reason: str) -> None:
        """Slack said the app was uninstalled from a workspace (or its bot token revoked). Installation
        mode: that workspace's installation is deleted at once; one-token mode: recorded (nothing is
        posted until a start-up's auth.test accepts the token again)."""
        if self.installed is not None:
            self.installed.forget(team_id, enterprise_id, reason)
        else:
            self.installation.mark_gone(team_id or "", reason, dt.datetime.now(dt.UTC))

    def delivery_paused(self) -> InstallationGoneRow | None:
        """One-token mode: the record of its installation gone (uninstalled, token revoked), while it
        stands. Installation mode never pauses as a whole: a workspace whose installation is gone has
        no token (``WorkspaceGone``), and a record left by an earlier one-token run concerns no one."""
        return self.installation.gone() if self.installed is None else None

    def uow(self, *, read_only: bool = False) -> SqlUnitOfWork:
        """A fresh unit of work (one per request or job; they are not shared across threads).
        ``read_only``: for use cases that only read (on SQLite they then never wait for writers)."""
        if read_only:
            return SqlUnitOfWork(self.readers, read_only=True)
        return SqlUnitOfWork(self.sessions)

    @property
    def backoff(self) -> Backoff:
        """How long an alert or reminder whose delivery failed is set aside: one delivery
        interval, doubling with each failure in a row up to DELIVERY_RETRY_MAX_SECONDS."""
        seconds = self.settings.delivery_interval_seconds, self.settings.delivery_retry_max_seconds
        return Backoff(*(dt.timedelta(seconds=n) for n in seconds))

    @property
    def sandbox(self) -> bool:
        """No real money moves (the gateway in use is a test processor): the settle modal,
        the receipt, the settled alert and the add-card page say so."""
        return not self.gateway.moves_real_money

    def close(self) -> None:
        self.engine.dispose()


def slack_client(settings: Settings, pool: ConnectionPool, token: str | None = None) -> WebClient:
    """A Web API client: every call goes to SLACK_API_URL, with slack_sdk's retries (and is counted),
    over ``pool``'s kept-alive connections. One-token mode: the configured bot token; installation
    mode: ``token`` (None: no token, as for ``oauth.v2.access``)."""
    return MeteredWebClient(
        token=token if settings.installs else settings.secret("slack_bot_token"),
        base_url=settings.api_url,
        timeout=10,
        retry_handlers=retry_handlers(),
        pool=pool,
    )


def build_services(settings: Settings, *, with_slack: bool = True) -> Services:
    pool = {} if settings.database_url.startswith("sqlite") else {"pool_size": settings.db_pool_size, "max_overflow": 0}
    engine = make_engine(settings.database_url, **pool)
    stripe_client = make_client(settings.stripe_config()) if settings.uses_stripe else None
    gateway: PaymentGateway = (
        StripeGateway(stripe_client) if stripe_client is not None
        else SandboxGateway(SqlLedger(engine), latency=settings.gateway_latency_ms / 1000)
    )  # fmt: skip
    if settings.fault_injection:
        gateway = FaultyGateway(gateway, settings.fault_injection)
    gateway = InstrumentedGateway(gateway)
    pool = ConnectionPool()  # every client's: each thread keeps one connection to Slack, whatever the token
    client = slack_client(settings, pool) if with_slack else None
    installed = installed_workspaces(settings, engine, pool) if with_slack and settings.installs else None
    single = SingleWorkspace(client, settings.slack_team_id) if client is not None and installed is None else None
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        readers=sessionmaker(read_only_engine(engine), expire_on_commit=False),
        gateway=gateway,
        clock=SystemClock(settings.zone),
        card_links=CardLinkStore(engine),
        installation=InstallationRecord(engine),
        client=client,
        clients=installed or single,
        installed=installed,
        billing=StripeReader(stripe_client, settings.zone) if stripe_client is not None else None,
        checkout=StripeCheckout(stripe_client) if stripe_client is not None else None,
    )


def installed_workspaces(settings: Settings, engine: Engine, pool: ConnectionPool) -> InstalledWorkspaces:
    assert settings.slack_client_id is not None
    secret = settings.secret("slack_client_secret")
    return InstalledWorkspaces(
        settings.slack_client_id, secret, engine, lambda token: slack_client(settings, pool, token)
    )
