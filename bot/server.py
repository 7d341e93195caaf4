"""Serving the WSGI app with waitress (a production WSGI server), on a port read back after binding."""

from __future__ import annotations

from typing import Any

from waitress.server import create_server


class HttpServer:
    def __init__(self, wsgi_app: Any, host: str, port: int, threads: int) -> None:
        self._server = create_server(
            wsgi_app, host=host, port=port, threads=threads, ident="settlebot",
            connection_limit=1000, channel_timeout=30, clear_untrusted_proxy_headers=True,
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
