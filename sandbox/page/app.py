"""The sandbox page as a WSGI app, with the fake Slack Web API mounted under ``/api/``.

Routes: ``GET /`` the page; ``GET /frame`` its regions as JSON (polled about once a second; ``known=name:sig,...``
leaves out the regions the page already shows);
``POST /act`` a person's click, submission, slash command or scan; ``/static/…``; ``/api/…``
the `FakeSlack` Web API the app calls (``SLACK_API_URL``), ``/oauth/v2/authorize`` its "Add to Slack".
Served on loopback only: requests
naming another host are refused (DNS rebinding), and ``/act`` takes JSON from this page only.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.driver import SlackDriver
from sandbox.fake_slack import FakeSlack
from sandbox.page.actions import Actions, BadAction, Scanner
from sandbox.page.frame import Frame, PageInfo, signature
from sandbox.page.memory import PageMemory
from sandbox.page.viewer import Person

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'",
}


class SandboxPage:
    """The page, for the people of the demo, over a `FakeSlack` workspace.

    Call `connect` once the app runs; until then the page answers 503 ("starting").
    """

    def __init__(self, fake: FakeSlack, people: list[Person], info: PageInfo) -> None:
        if not people:
            raise ValueError("the sandbox needs at least one person")
        self.fake, self.info = fake, info
        self.memory = PageMemory()
        self.frame = Frame(fake, people, info, self.memory)
        self.people = people
        self.actions: Actions | None = None

    def connect(self, driver: SlackDriver, scanner: Scanner) -> None:
        """Start taking actions: they go to the app through ``driver``; scans through ``scanner``."""
        self.actions = Actions(driver, self.memory, {p.id for p in self.people}, self.place, scanner)

    def place(self, user_id: str, pane: str) -> str:
        """The conversation a slash command typed in ``pane`` belongs to (opening the DM if needed)."""
        return self.frame.workspace_of(user_id).channel_id if pane == "channel" else self.fake.dm_channel_id(user_id)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(("/api/", "/hooks/", "/oauth/")):  # the fake Slack (its authorize page too)
            return self.fake.wsgi_app(environ, start_response)
        request = Request(environ)
        return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        if (request.host or "").rsplit(":", 1)[0] not in LOCAL_HOSTS:
            return Response("this sandbox answers on 127.0.0.1 only", status=421)
        route = {"/": self._page, "/frame": self._frame, "/act": self._act, "/healthz": self._health}
        handler = route.get(request.path)
        if handler is not None:
            return handler(request)
        if request.path.startswith("/static/"):
            return _static(request.path.removeprefix("/static/"))
        return Response("not found", status=404)

    def _page(self, request: Request) -> Response:
        if self.actions is None:
            return Response("settlebot is starting; reload in a moment", status=503, headers={"Retry-After": "1"})
        html = self.frame.page(self.frame.location(request.args))
        return Response(html, mimetype="text/html", headers=HEADERS)

    def _frame(self, request: Request) -> Response:
        where = self.frame.location(request.args)
        known = dict(pair.partition(":")[::2] for pair in request.args.get("known", "").split(","))
        regions = {}
        for name, html in self.frame.regions(where).items():
            sig = signature(html)
            regions[name] = {"sig": sig} if known.get(name) == sig else {"sig": sig, "html": html}
        return _json({"location": where.query(), "regions": regions})

    def _act(self, request: Request) -> Response:
        if request.method != "POST":
            return Response("method not allowed", status=405, headers={"Allow": "POST"})
        if request.mimetype != "application/json" or not _same_origin(request):
            return _json({"ok": False, "message": "actions come from this page only"}, 403)
        if self.actions is None:
            return _json({"ok": False, "message": "settlebot is starting"}, 503)
        data = request.get_json(silent=True)
        try:
            if not isinstance(data, dict):
                raise BadAction("expected a JSON object")
            outcome = self.actions.run(data)
        except (BadAction, LookupError, ValueError) as error:
            return _json({"ok": False, "message": str(error)}, 400)
        except OSError as error:  # the app is not answering (stopped, restarting)
            log.warning("sandbox: the app did not answer: %s", type(error).__name__)
            return _json({"ok": False, "message": "settlebot is not answering"}, 502)
        return _json(outcome.as_json())

    def _health(self, request: Request) -> Response:
        return _json({"ok": self.actions is not None})


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=HEADERS)


def _static(name: str) -> Response:
    path = (STATIC / name).resolve()
    if path.parent != STATIC.resolve() or not path.is_file():
        return Response("not found", status=404)
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), mimetype=kind, headers={"Cache-Control": "no-cache"})
