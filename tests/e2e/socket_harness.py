"""Running ``settlebot socket`` as a child process against the fake's Socket Mode (the HTTP
harness's twin): the app connects out to the fake; the driver's requests go in as envelopes."""

from __future__ import annotations

from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.socket_log import ACK_DEADLINE, Delivery
from sandbox.socket_requester import SocketModeRequester
from tests.e2e.harness import AppProcess, base_env

APP_TOKEN = "xapp-1-A0SETTLE01-4242424242-9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def socket_env(database_url: str, fake: FakeSlack, **extra: str) -> dict[str, str]:
    """The HTTP harness's environment plus the app-level token; the add-card page on a free port."""
    return base_env(database_url, fake.url, SLACK_APP_TOKEN=APP_TOKEN, PORT="0", **extra)


class SocketAppProcess(AppProcess):
    """``settlebot socket --no-scheduler``, started once it has connected to the fake."""

    def __init__(self, env: dict[str, str], fake: FakeSlack, *args: str) -> None:
        super().__init__(env, *(args or ("socket", "--no-scheduler")))
        self.fake = fake

    def start(self, timeout: float = 30.0) -> SocketAppProcess:
        opened = self.fake.socket_mode.opened
        super().start(timeout)
        self.fake.socket_mode.wait_connected(opened + 1, timeout)
        return self


def socket_driver(fake: FakeSlack) -> SlackDriver:
    """A person in Slack whose clicks, submissions and commands reach the app over Socket Mode."""
    return SlackDriver(fake, SocketModeRequester(fake.socket_mode))


def late_or_unacked(fake: FakeSlack) -> list[Delivery]:
    """Deliveries not acknowledged within Slack's 3 seconds (a redelivered one counts by its retry)."""
    return [d for d in fake.socket_mode.deliveries.snapshot()
            if not d.redelivered_as and (d.ack_seconds is None or d.ack_seconds > ACK_DEADLINE)]  # fmt: skip
