"""Response URLs: where an app answers a slash command after acking it.

Slack puts a ``response_url`` in every slash command; the app may POST up to 5 messages to
it within 30 minutes. Ephemeral replies (the default) go to the person who typed the command,
``"response_type": "in_channel"`` ones to the channel. The fake issues URLs on its own host
(``/hooks/commands/<team>/<n>/<secret>``), checks the blocks as chat.postMessage does, and
records each use as a call to the pseudo-method ``response_url``.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

from sandbox.api_chat import content
from sandbox.errors import ApiError
from sandbox.state import Workspace

METHOD = "response_url"
MAX_USES = 5
LIFETIME = 30 * 60.0  # seconds


@dataclass
class _Target:
    user_id: str
    channel_id: str
    issued_at: float
    uses: int = 0


class ResponseUrls:
    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._lock = threading.Lock()
        self._targets: dict[str, _Target] = {}
        self._counter = 0

    def issue(self, base_url: str, user_id: str, channel_id: str) -> str:
        with self._lock:
            self._counter += 1
            path = f"/hooks/commands/{self._ws.identity.team_id}/{self._counter}/{secrets.token_hex(12)}"
            self._targets[path] = _Target(user_id, channel_id, self._ws.clock())
        return base_url.rstrip("/") + path

    def post(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """Apply one POST to a response URL; ApiError("no_service"...) when it is not usable."""
        with self._lock:
            target = self._targets.get(path)
            if target is None or self._ws.clock() - target.issued_at > LIFETIME:
                raise ApiError("expired_url")
            if target.uses >= MAX_USES:
                raise ApiError("used_url")
            target.uses += 1
        text, blocks = content(self._ws, params)
        message = self._ws.messages.bot_message(text, blocks)
        if params.get("response_type") == "in_channel":
            posted = self._ws.messages.post(target.channel_id, message)
        else:
            posted = self._ws.messages.post_ephemeral(target.channel_id, target.user_id, message)
        return {"ok": True, "ts": posted["ts"], "channel": target.channel_id, "user": target.user_id}
