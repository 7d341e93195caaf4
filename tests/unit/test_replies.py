"""A command's response_url is only ever posted to on Slack's hooks host or the API's own host."""

from __future__ import annotations

import pytest

from handlers.blocks.common import Message
from handlers.replies import Replies


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://hooks.slack.com/commands/T0/1/abc", True),
    ("http://127.0.0.1:5555/hooks/commands/T0/1/abc", True),  # the fake Slack, as SLACK_API_URL
    ("http://hooks.slack.com/commands/T0/1/abc", False),  # not https
    ("https://hooks.slack.com.evil.example/commands/T0/1/abc", False),
    ("https://evil.example/commands/T0/1/abc", False),
    ("http://127.0.0.1:5556/hooks/commands/T0/1/abc", False),  # another port
    ("https://hooks.slack.com/commands/T0/1/abc?x=1", False),
])  # fmt: skip
def test_only_slack_hosts_are_answered(url: str, allowed: bool) -> None:
    assert Replies("http://127.0.0.1:5555/api/").allowed(url) is allowed


def test_a_reply_to_another_host_is_not_sent(caplog: pytest.LogCaptureFixture) -> None:
    assert Replies("https://slack.com/api/").send("https://evil.example/x", Message("hi")) is False
    assert "outside Slack" in caplog.text
