"""What the listeners and jobs need of the composition root's services, as Protocols: ``bot``
builds them (``bot.bootstrap.Services``), ``handlers`` only names what it uses, so that nothing
below ``bot/`` imports ``bot/``."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Protocol

from domain.billing import BillingReader
from domain.card_checkout import CardCheckout
from domain.card_owners import People
from domain.failures import FailureLog
from domain.ports import Clock, PaymentGateway, UnitOfWork
from domain.set_aside import Backoff
from handlers.notifier import ChannelPacer, SlackNotifier
from handlers.workspaces import SlackClients


class Settings(Protocol):
    @property
    def billing_channel(self) -> str: ...


class Lock(Protocol):
    def hold(self, timeout: float) -> AbstractContextManager[bool]: ...


class CardLink(Protocol):
    @property
    def view_id(self) -> str | None: ...


class CardLinks(Protocol):
    def create(self, nonce: str, account_id: str, slack_user_id: str, view_id: str | None,
               expires_at: dt.datetime) -> None: ...  # fmt: skip

    def get(self, nonce: str) -> CardLink | None: ...


class AppServices(Protocol):
    """The part of ``bot.bootstrap.Services`` that the handlers use."""

    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def gateway(self) -> PaymentGateway: ...
    @property
    def card_links(self) -> CardLinks: ...
    @property
    def failures(self) -> FailureLog: ...
    @property
    def billing(self) -> BillingReader | None: ...
    @property
    def checkout(self) -> CardCheckout | None: ...
    @property
    def people(self) -> People | None: ...
    @property
    def clients(self) -> SlackClients | None: ...
    @property
    def delivery_lock(self) -> Lock | None: ...
    @property
    def backoff(self) -> Backoff: ...
    @property
    def sandbox(self) -> bool: ...
    @property
    def single_workspace(self) -> bool: ...

    def uow(self, *, read_only: bool = False) -> UnitOfWork: ...
    def notifier(self, pacer: ChannelPacer | None = None) -> SlackNotifier: ...
    def installation_gone(self, team_id: str | None, enterprise_id: str | None, reason: str) -> None: ...
    def delivery_paused(self) -> object | None: ...
