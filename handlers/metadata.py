"""Typed interaction metadata: parsed in one place, and never trusted for authorization."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from domain.errors import InvalidInput

_MAX = 2000
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")  # every id it carries: ours (subscriptions, cards) and Slack's


@dataclass(frozen=True, slots=True)
class ModalMeta:
    """What the settle modal carries in ``private_metadata``."""

    subscription_id: str
    selected_card_id: str | None = None
    editing_card_id: str | None = None
    channel_id: str | None = None  # where the modal was opened from, for the ephemeral receipt

    def dumps(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None})

    @classmethod
    def loads(cls, text: str | None) -> ModalMeta:
        if not text or len(text) > _MAX:
            raise InvalidInput("bad_request")
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput("bad_request") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("subscription_id"), str):
            raise InvalidInput("bad_request")
        fields = ("subscription_id", "selected_card_id", "editing_card_id", "channel_id")
        values = {k: raw.get(k) for k in fields}
        if any(v is not None and (not isinstance(v, str) or not _ID.fullmatch(v)) for v in values.values()):
            raise InvalidInput("bad_request")
        return cls(**values)
