"""Signed one-time links to the add-card page, bound to account, user and the modal."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer

LINK_TTL = dt.timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class LinkClaims:
    nonce: str
    subscription_id: str


class LinkSigner:
    """Signs ``{nonce, subscription}``; the nonce's row in card_links binds account and user."""

    def __init__(self, secret: str, public_url: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="settlebot.cards.new")
        self._csrf = Signer(secret, salt="settlebot.cards.csrf")
        self._base = public_url.rstrip("/")

    def new(self, subscription_id: str) -> tuple[str, str]:
        """A fresh nonce and the URL that carries it."""
        nonce = secrets.token_urlsafe(18)
        token = self._serializer.dumps({"n": nonce, "s": subscription_id})
        return nonce, f"{self._base}/cards/new?t={token}"

    def read(self, token: str) -> LinkClaims | None:
        """The claims of a well-signed link younger than 15 minutes, else None."""
        try:
            data = self._serializer.loads(token, max_age=int(LINK_TTL.total_seconds()))
        except (BadSignature, UnicodeError):  # forged, tampered, expired, or not even text
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "ns"):
            return None
        return LinkClaims(data["n"], data["s"])

    def csrf_token(self, nonce: str) -> str:
        """A fresh CSRF token for the page of link ``nonce`` (sent as a cookie and in the form)."""
        return self._csrf.sign(f"{nonce}:{secrets.token_urlsafe(18)}").decode().split(":", 1)[1]

    def csrf_ok(self, token: str, nonce: str) -> bool:
        """Whether ``token`` was issued by this app for link ``nonce`` (an attacker who could plant a
        cookie still cannot make one up)."""
        try:
            return self._csrf.verify_signature(f"{nonce}:{token.rsplit('.', 1)[0]}", token.rsplit(".", 1)[-1])
        except UnicodeError:
            return False
