"""Delivery per workspace: each account's alerts go through its own workspace's client, each
workspace has its own share of Slack's per-channel limits, and one workspace's revoked token,
uninstall or outage never delays another's alerts (its alerts are set aside, with the backoff)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from slack_sdk import WebClient

from domain.alerts import ReminderPolicy, deliver, scan
from domain.model import Account, Admin, Card, Invoice, Role, Subscription
from domain.money import Money
from handlers.notifier import ChannelPacer, SlackNotifier
from handlers.workspaces import RUN_CLIENT_SECONDS, RunClients, WorkspaceGone
from sandbox.fake_slack import FakeSlack
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.test_digest import DEFAULT
from tests.unit.workspace_fakes import FakeSlackClients

ACME, BOLT = "T0ACME001", "T0BOLT002"
TODAY = dt.date(2026, 11, 25)
ADMIN = "U0ADMIN01"


def seed(uow: FakeUnitOfWork, per_workspace: int = 3, channels: tuple[str, str] = ("C0ACME", "C0BOLT")) -> None:
    with uow:
        for team, channel in zip((ACME, BOLT), channels, strict=True):
            account = f"acc_{team[2:6].lower()}"
            uow.accounts.save(Account(account, account, "USD", channel, team_id=team))
            uow.accounts.replace_admins(account, [Admin(account, ADMIN, Role.BILLING_ADMIN)])
            uow.cards.save(Card(f"card_{account}", account, "visa", "4242", 8, 2030, ADMIN, "tok_visa"))
            for i in range(per_workspace):
                sub = f"sub_{account}_{i}"
                uow.subscriptions.save(Subscription(sub, account, f"Product {i}", f"card_{account}"))
                uow.invoices.save(Invoice(f"inv_{sub}", sub, Money(Decimal(10 + i), "USD"), TODAY - dt.timedelta(2)))
        uow.commit()


@pytest.fixture
def slacks() -> Iterator[dict[str, FakeSlack]]:
    with FakeSlack(token="xoxb-acme") as acme, FakeSlack(token="xoxb-bolt") as bolt:
        yield {ACME: acme, BOLT: bolt}


def clients(slacks: dict[str, FakeSlack], tokens: dict[str, str] | None = None, timeout: int = 5) -> FakeSlackClients:
    tokens = tokens or {ACME: "xoxb-acme", BOLT: "xoxb-bolt"}
    return FakeSlackClients({
        team: WebClient(token=tokens[team], base_url=fake.url, timeout=timeout) for team, fake in slacks.items()
    })  # fmt: skip


def run(uow: FakeUnitOfWork, notifier: SlackNotifier) -> tuple[object, float]:
    clock = FakeClock(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    scan(uow, clock, ReminderPolicy(), DEFAULT)
    started = time.monotonic()
    report = deliver(uow, clock, notifier)
    return report, time.monotonic() - started


def posted(fake: FakeSlack) -> list[str]:
    return sorted(c.params["channel"] for c in fake.calls_to("chat.postMessage", ok=True))


def test_each_accounts_alerts_are_posted_with_its_own_workspaces_token_only(slacks: dict[str, FakeSlack]) -> None:
    uow = FakeUnitOfWork()
    seed(uow)
    report, _ = run(uow, SlackNotifier(clients(slacks), ChannelPacer(0)))
    assert (report.posted, report.failed) == (6, 0)
    assert posted(slacks[ACME]) == ["C0ACME"] * 3 and posted(slacks[BOLT]) == ["C0BOLT"] * 3
    assert not slacks[ACME].calls_to("chat.postMessage", ok=False)


def test_a_revoked_token_sets_its_workspaces_alerts_aside_and_the_others_are_delivered(
    slacks: dict[str, FakeSlack],
) -> None:  # fmt: skip
    uow = FakeUnitOfWork()
    seed(uow)
    revoked = clients(slacks, {ACME: "xoxb-revoked", BOLT: "xoxb-bolt"})
    report, _ = run(uow, SlackNotifier(revoked, ChannelPacer(0)))
    assert (report.posted, report.failed) == (3, 3)
    assert posted(slacks[BOLT]) == ["C0BOLT"] * 3
    assert len(slacks[ACME].calls_to("chat.postMessage")) == 1  # then its workspace is skipped: no more tries
    with uow:
        aside = [a for a in uow.alerts.undelivered(100) if a.retry_at is not None]
    assert {a.subscription_id for a in aside} == {f"sub_acc_acme_{i}" for i in range(3)}


def test_an_uninstalled_workspace_is_skipped_and_the_others_are_delivered(slacks: dict[str, FakeSlack]) -> None:
    uow = FakeUnitOfWork()
    seed(uow)
    both = clients(slacks)
    both.gone.add(ACME)
    report, _ = run(uow, SlackNotifier(both, ChannelPacer(0)))
    assert (report.posted, report.failed) == (3, 3)
    assert posted(slacks[BOLT]) == ["C0BOLT"] * 3 and slacks[ACME].calls_to("chat.postMessage") == []


def test_one_workspaces_outage_never_delays_anothers_alerts(slacks: dict[str, FakeSlack]) -> None:
    uow = FakeUnitOfWork()
    seed(uow, per_workspace=4)
    slacks[ACME].fail_next(100, "timeout", delay=1.5)  # every call to ACME's Slack hangs, then drops
    report, took = run(uow, SlackNotifier(clients(slacks, timeout=1), ChannelPacer(0.2)))
    assert (report.posted, report.failed) == (4, 4)
    assert posted(slacks[BOLT]) == ["C0BOLT"] * 4
    assert len(slacks[ACME].calls) == 1  # one timeout, not one per alert
    assert took < 4 * 1.0, "ACME's timeouts were waited out one alert at a time"
    bolt = sorted(c.at for c in slacks[BOLT].calls_to("chat.postMessage", ok=True))
    acme = slacks[ACME].calls[0].at
    assert bolt[-1] - acme < 0.9, "BOLT waited for ACME's timeout"


def test_the_same_channel_id_in_two_workspaces_is_paced_as_two_channels(slacks: dict[str, FakeSlack]) -> None:
    uow = FakeUnitOfWork()
    seed(uow, per_workspace=2, channels=("C0SAME", "C0SAME"))
    report, took = run(uow, SlackNotifier(clients(slacks), ChannelPacer(1.0)))
    assert (report.posted, report.failed) == (4, 0)
    assert took < 1.9, "the two workspaces' C0SAME waited for each other"


def test_a_channel_id_crowded_in_two_workspaces_gets_a_digest_per_workspace_each_of_its_own(
    slacks: dict[str, FakeSlack],
) -> None:  # fmt: skip
    uow = FakeUnitOfWork()
    seed(uow, per_workspace=25, channels=(DEFAULT, DEFAULT))  # both fall back to the default channel
    clock = FakeClock(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    scan(uow, clock, ReminderPolicy(), DEFAULT, digest_threshold=20)  # 25 in each one's: digested
    report = deliver(uow, clock, SlackNotifier(clients(slacks), ChannelPacer(0)))
    assert (report.digests, report.failed) == (2, 0)
    for team, other in ((ACME, BOLT), (BOLT, ACME)):
        (digest,) = slacks[team].calls_to("chat.postMessage", ok=True)
        shown = str(digest.params)
        assert f"acc_{team[2:6].lower()}" in shown and f"acc_{other[2:6].lower()}" not in shown
        assert "25" in digest.params["text"]


def test_a_delivery_run_asks_for_each_workspaces_client_once_not_once_per_message(
    slacks: dict[str, FakeSlack],
) -> None:  # fmt: skip
    uow = FakeUnitOfWork()
    seed(uow)
    both = clients(slacks)
    report, _ = run(uow, SlackNotifier(both, ChannelPacer(0)).for_run())
    assert (report.posted, report.failed) == (6, 0)
    assert sorted(both.asked) == [ACME, BOLT]
    assert posted(slacks[ACME]) == ["C0ACME"] * 3 and posted(slacks[BOLT]) == ["C0BOLT"] * 3


def test_a_run_keeps_a_workspaces_client_for_a_bounded_time_and_never_keeps_its_absence() -> None:
    now = [0.0]
    fake = FakeSlackClients({ACME: WebClient(token="xoxb-acme")})
    fake.gone.add(ACME)
    run_clients = RunClients(fake, lambda: now[0])
    with pytest.raises(WorkspaceGone):
        run_clients.client_for(ACME)
    fake.gone.clear()  # installed again
    first = run_clients.client_for(ACME)
    assert run_clients.client_for(ACME) is first and fake.asked == [ACME, ACME]
    now[0] += RUN_CLIENT_SECONDS
    run_clients.client_for(ACME)
    assert fake.asked == [ACME, ACME, ACME]
