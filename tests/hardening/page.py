"""Driving the add-card page: links minted as the app mints them, raw form posts, its headers."""

from __future__ import annotations

import datetime as dt
import http.client
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from bot.cards_page import CSRF_COOKIE
from handlers.cardlinks import LINK_TTL, LinkSigner
from storage.card_links import CardLinkStore
from tests.e2e.harness import SIGNING_SECRET
from tests.hardening.support import Stack

SALT = "settlebot.cards.new"  # handlers.cardlinks signs with the signing secret and this salt
SECURITY = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def mint_link(stack: Stack, user: str, account: str = "acc_contoso", *, signed_ago: float = 0.0,
              subscription: str = "sub_power_bi") -> tuple[str, str]:  # fmt: skip
    """A one-time link as the modal makes it (``LinkSigner`` and a card_links row); (token, nonce)."""
    nonce, url = LinkSigner(SIGNING_SECRET, "http://x").new(subscription)
    CardLinkStore(stack.db.engine).create(nonce, account, user, None, dt.datetime.now(dt.UTC) + LINK_TTL)
    token = parse_qs(urlsplit(url).query)["t"][0]
    return (old_token(nonce, subscription, signed_ago) if signed_ago else token), nonce


def csrf_for(nonce: str) -> str:
    """A CSRF token the page itself would issue for link ``nonce``."""
    return LinkSigner(SIGNING_SECRET, "http://x").csrf_token(nonce)


def old_token(nonce: str, subscription: str, seconds_ago: float) -> str:
    """A link token signed ``seconds_ago`` with the app's secret and salt (an expired link)."""

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - seconds_ago)

    return URLSafeTimedSerializer(SIGNING_SECRET, salt=SALT, signer=Then).dumps({"n": nonce, "s": subscription})


def request(url: str, *, method: str = "GET", fields: dict[str, str] | None = None, csrf_cookie: str | None = None,
            query: str = "", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:  # fmt: skip
    """One request to the page, as a browser with (or without) the page's CSRF cookie."""
    parts = urlsplit(url)
    headers = dict(headers or {})
    if fields is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if csrf_cookie is not None:
        headers["Cookie"] = f"{CSRF_COOKIE}={csrf_cookie}"
    body = urlencode(fields).encode() if fields is not None else None
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=10)
    try:
        connection.request(method, "/cards/new" + (f"?{query}" if query else ""), body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read().decode("utf-8", "replace")
    finally:
        connection.close()


def security_problems(headers: dict[str, Any]) -> list[str]:
    """What is missing from the page's security headers (empty when all are there)."""
    problems = [f"{k}: {headers.get(k)!r}" for k, v in SECURITY.items() if headers.get(k) != v]
    if "frame-ancestors 'none'" not in str(headers.get("Content-Security-Policy", "")):
        problems.append("Content-Security-Policy without frame-ancestors 'none'")
    return problems
