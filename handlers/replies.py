"""Answers to a slash command through its ``response_url`` (Slack accepts up to 5 within 30 minutes).

A response URL comes inside a signed request, yet the app still posts only to Slack's hooks
host (or to the configured Web API's own host, which is the fake Slack in tests and the
sandbox), so that nothing in a payload can make it call anywhere else.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from slack_sdk.webhook import WebhookClient

from handlers.blocks.common import Message
from handlers.slack_retry import retry_handlers
from telemetry.slack import RESPONSE_URL, count_call

log = logging.getLogger(__name__)
SLACK_HOOKS = "https://hooks.slack.com"


class Replies:
    def __init__(self, api_url: str) -> None:
        api = urlsplit(api_url)
        self._origins = {SLACK_HOOKS, f"{api.scheme}://{api.netloc}"}

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" in self._origins and not parts.query and not parts.fragment

    def send(self, url: str, message: Message) -> bool:
        """Post ``message`` as an ephemeral reply; False (and a log line) if it could not be."""
        if not self.allowed(url):
            log.warning("a command's response_url points outside Slack; no reply sent")
            return False
        client = WebhookClient(url, timeout=10, retry_handlers=retry_handlers())
        started = time.perf_counter()
        try:
            response = client.send(text=message.text, blocks=message.blocks or None, response_type="ephemeral")
        except OSError as exc:  # URLError included: Slack unreachable even after the retries
            count_call(RESPONSE_URL, type(exc).__name__, time.perf_counter() - started)
            log.warning("command reply not delivered: %s", getattr(exc, "reason", None) or type(exc).__name__)
            return False
        count_call(RESPONSE_URL, "ok" if response.status_code == 200 else str(response.status_code),
                   time.perf_counter() - started)  # fmt: skip
        if response.status_code != 200:
            code = response.body.strip()[:40]  # Slack answers an error code such as "used_url"
            log.warning("command reply refused by Slack: HTTP %s %s", response.status_code,
                        code if code.replace("_", "").isalnum() else "")  # fmt: skip
            return False
        return True
