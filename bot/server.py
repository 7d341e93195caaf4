"""Serving the WSGI app with waitress (a production WSGI server), on a port read back after binding."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from waitress.server import create_server

MAX_BODY = 512 * 1024  # Slack's payloads (and the add-card form) are far smaller


class HttpServer:
    """waitress refuses a body over ``max_body`` bytes with a 413 before reading it: a
    Content-Length over the limit as soon as the headers are in, a chunked body as soon as
    that much has arrived (it would otherwise spool up to 1 GiB to disk first).

    ``trusted_proxy``: the address of a TLS-terminating proxy whose ``trusted_proxy_headers``
    (e.g. ``x-forwarded-proto``) are believed; from anyone else those headers are dropped.
    """

    def __init__(
        self, wsgi_app: Any, host: str, port: int, threads: int, *, max_body: int = MAX_BODY,
        trusted_proxy: str | None = None, trusted_proxy_headers: Collection[str] = (),
    ) -> None:  # fmt: skip
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": set(trusted_proxy_headers)}
        self._server = create_server(
            wsgi_app, host=host, port=port, threads=threads, ident="settlebot",
            connection_limit=1000, channel_timeout=30, clear_untrusted_proxy_headers=True,
            max_request_body_size=max_body + 1,  # waitress refuses a body of this size or more
            **(proxy if trusted_proxy else {}),
        )  # fmt: skip
        self._closing = False

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def host(self) -> str:
        return str(self._server.effective_host)  # type: ignore[union-attr]

    def run(self) -> None:
        """Serve until ``close()``; the select loop may trip on the socket closing under it."""
        try:
            self._server.run()
        except (OSError, ValueError):
            if not self._closing:
                raise

    def close(self) -> None:
        self._closing = True
        self._server.close()
