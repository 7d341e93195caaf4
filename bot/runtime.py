"""A running settlebot: HTTP server (and Socket Mode), scheduler, after-ack workers; stopped cleanly."""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import build_deps, create_app
from bot.bootstrap import build_services
from bot.installation import confirm_in_background
from bot.scheduler import Jobs, start_scheduler
from bot.server import HttpServer
from bot.settings import Settings
from bot.socket_mode import PING_INTERVAL, CheckedSocketModeHandler
from bot.web import WebApp
from bot.workers import LocalWorkers, WorkerProcesses
from storage.locks import LeaderLock
from storage.seen_requests import SeenRequestStore, replay_record_engine
from telemetry.multiproc import MetricsDir

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: Settings, *, scheduler: bool = True) -> None:
        self.settings = settings
        # Before anything counts and before the workers start: they inherit its location.
        self.metrics_dir = MetricsDir.open(settings.prometheus_multiproc_dir)
        self.services = build_services(settings)
        self.workers = (
            WorkerProcesses(settings, forget=self.metrics_dir.mark_dead) if settings.workers
            else LocalWorkers(settings.worker_threads)
        )  # fmt: skip
        self.deps = build_deps(self.services, self.workers)
        if isinstance(self.workers, LocalWorkers):
            self.workers.start(self.deps)
        self.app = create_app(self.deps)
        self.seen = SeenRequestStore(replay_record_engine(self.services.engine))  # shared by both doors
        self.web = WebApp(self.app, self.deps, self.seen, self.workers)
        self.server = HttpServer(
            self.web, settings.host, settings.port, settings.http_threads,
            trusted_proxy=settings.trusted_proxy, trusted_proxy_headers=settings.proxy_headers,
        )  # fmt: skip
        self.lock = LeaderLock(self.services.engine)
        self.jobs = Jobs(self.services, self.services.notifier(), self.lock)
        self._with_scheduler = scheduler
        self.scheduler: BackgroundScheduler | None = None
        self._socket: CheckedSocketModeHandler | None = None
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def _start_jobs(self) -> None:
        confirm_in_background(self.services)
        if self._with_scheduler:
            self.scheduler = start_scheduler(self.services, self.jobs)
        else:
            log.info("scheduler disabled in this process (--no-scheduler)")

    def serve_forever(self) -> None:
        log.info("settlebot listening on %s (Slack: POST /slack/events)", self.url)
        if self.settings.log_format == "text":  # JSON logs: the line above says it, and stdout stays JSON
            print(f"settlebot listening on {self.url}  (POST /slack/events, GET /healthz)", flush=True)
        self._start_jobs()
        self.server.run()

    def socket_forever(self) -> None:
        """Connect to Slack with Socket Mode and serve until ``stop`` (the add-card page is
        still served over HTTP)."""
        threading.Thread(target=self.server.run, name="http", daemon=True).start()
        handler = CheckedSocketModeHandler(self.app, self.settings.secret("slack_app_token"), self.seen,
                                           ping_interval=PING_INTERVAL)  # fmt: skip
        self._socket = handler
        handler.connect()
        log.info("settlebot connected to Slack with Socket Mode; add-card page on %s", self.url)
        print(f"settlebot connected with Socket Mode; listening on {self.url}  (GET /cards/new, GET /healthz)",
              flush=True)  # fmt: skip
        self._start_jobs()
        self._stopped.wait()

    def stop(self) -> None:
        log.info("stopping")
        self.web.readiness.stopping()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        self.lock.release()
        if self._socket is not None:
            self._socket.close()
        self.server.close()
        self.workers.close()  # every job already acked is finished first
        self.services.close()
        self._stopped.set()
        self.metrics_dir.close()
