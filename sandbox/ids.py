"""Identifiers shaped like Slack's: message timestamps, view ids, trigger ids, channel ids."""

from __future__ import annotations

import random
import string
import threading
from dataclasses import dataclass
from typing import Any

from sandbox.clock import Clock

_UPPER = string.ascii_uppercase + string.digits
_MIXED = string.ascii_letters + string.digits
_BLOCK_ID = _MIXED + "+/="  # Slack's generated block ids: base64's alphabet ("=qXel", "+5B", "O/wND")
_BLOCK_ID_LENGTHS = (3, 4, 5)  # as seen in payloads captured from Slack


@dataclass(frozen=True)
class Identity:
    """The workspace and the app installed in it, as `auth.test` describes them."""

    team_id: str = "T0SETTLE01"
    team_name: str = "Settlebot Sandbox"
    team_domain: str = "settlebot-sandbox"
    app_id: str = "A0SETTLE01"
    bot_id: str = "B0SETTLE01"
    bot_user_id: str = "U0SETTLEBOT"
    bot_name: str = "settlebot"
    scopes: str = "chat:write,commands,im:write,users:read,users:read.email"

    @property
    def url(self) -> str:
        return f"https://{self.team_domain}.slack.com/"


class IdFactory:
    """Makes fresh ids; message timestamps are unique and strictly increasing.

    Args:
        clock: the fake's clock (message timestamps follow it).
        seed: seed for the random parts, for reproducible runs.
    """

    def __init__(self, clock: Clock, seed: int | None = None) -> None:
        self._clock = clock
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._last_micros = 0

    def ts(self) -> str:
        """A message timestamp like "1700000000.000100", later than every one before."""
        with self._lock:
            micros = max(int(self._clock() * 1_000_000), self._last_micros + 1)
            self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _pick(self, alphabet: str, length: int) -> str:
        with self._lock:
            return "".join(self._random.choice(alphabet) for _ in range(length))

    def prefixed(self, prefix: str, length: int = 10) -> str:
        """An id like "V0AB12CD34" (views), "D0AB12CD34" (DMs), "Ev0AB12CD34" (events)."""
        return prefix + "0" + self._pick(_UPPER, length - 1)

    def block_id(self) -> str:
        """The short random block id Slack gives a block that was sent without one: 3 to 5
        characters of base64's alphabet, ``+``, ``/`` and ``=`` included."""
        with self._lock:
            length = self._random.choice(_BLOCK_ID_LENGTHS)
        return self._pick(_BLOCK_ID, length)

    def view_hash(self) -> str:
        """A view hash like "1700000000.a1B2c3D4"."""
        return f"{int(self._clock())}.{self._pick(_MIXED, 8)}"

    def trigger_id(self) -> str:
        """A trigger id like "1700000000123.1234567890123.0e0d1f0ff2935e66a43f6c00e97e49e9"."""
        digits = self._pick(string.digits, 13)
        return f"{int(self._clock() * 1000)}.{digits}.{self._pick('0123456789abcdef', 32)}"

    def with_block_ids(self, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Copies of `blocks`, each given a random `block_id` if it came without one."""
        return [b if "block_id" in b else {**b, "block_id": self.block_id()} for b in blocks]
