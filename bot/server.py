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

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def host(self) -> str:
        return str(self._server.effective_host)  # type: ignore[union-attr]

    def run(self) -> None:
        self._server.run()

    def close(self) -> None:
        self._server.close()
