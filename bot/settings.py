"""Configuration: one typed object read once from the environment and an optional .env file."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.faults import POINTS as FAULT_POINTS
from domain.alerts import ReminderPolicy
from payments.stripe.config import DEFAULT_API_BASE, ApiKey, StripeConfig, check_api_base
from payments.stripe.pacing import ENDPOINT_PER_SECOND

# The proxy headers waitress knows how to apply (``forwarded`` stands alone).
PROXY_HEADERS = frozenset(
    {"forwarded", "x-forwarded-by", "x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto"}
)


# The bot scopes app_manifest.yml asks for.
DEFAULT_SCOPES = "chat:write,commands,im:write,users:read,users:read.email"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and never shows a secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # Installation mode ("Add to Slack", any number of workspaces): the app's OAuth credentials.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    # The bot scopes an installation asks for (the manifest's).
    slack_scopes: str = DEFAULT_SCOPES
    slack_api_url: str = "https://slack.com/api/"
    # The one-token mode's workspace (else asked of auth.test at start-up).
    slack_team_id: str | None = Field(None, pattern=r"^T[A-Z0-9]{2,20}$")
    database_url: str = "sqlite:///./settlebot.db"
    billing_channel: str = "C0BILLING"
    host: str = "0.0.0.0"
    port: int = Field(3000, ge=0, le=65535)
    public_url: str = "http://localhost:3000"
    # The address of a TLS-terminating proxy in front of the app, whose headers are believed.
    trusted_proxy: str | None = None
    trusted_proxy_headers: str = "x-forwarded-proto x-forwarded-for"
    timezone: str = "UTC"
    alert_time: dt.time = dt.time(9, 0)
    reminder_days: str = "1,3,7,14"
    reminder_every_days: int = Field(7, ge=0, le=365)
    delivery_interval_seconds: int = Field(60, ge=1, le=86400)
    # An alert or reminder whose delivery keeps failing is retried after one interval, then
    # twice as long after each failure in a row, at most this long.
    delivery_retry_max_seconds: int = Field(3600, ge=1, le=7 * 86400)
    reconcile_interval_seconds: int = Field(300, ge=1, le=86400)
    # A pending settlement younger than this may still be in flight in another process.
    reconcile_grace_seconds: int = Field(60, ge=0, le=86400)
    gateway_latency_ms: int = Field(0, ge=0, le=120_000)
    # More new alerts than this for one channel in one scan: one digest message instead.
    digest_threshold: int = Field(20, ge=1, le=100_000)
    http_threads: int = Field(32, ge=1, le=512)
    # Processes running the work done after an ack (0: threads of the serving process).
    workers: int = Field(1, ge=0, le=64)
    worker_threads: int = Field(32, ge=1, le=512)
    worker_nice: int = Field(10, ge=0, le=19)
    # PostgreSQL connections per process, a hard cap: a few busy connections per core do more
    # than many, and keep the database from starving the process that acks.
    db_pool_size: int = Field(4, ge=1, le=200)
    # Card numbers one person may have tokenized in an hour, over all their add-card links.
    card_tokenizations_per_hour: int = Field(10, ge=1, le=1000)
    # Where subscriptions live: settlebot's own tables (imports, the sandbox gateway) or Stripe.
    billing_backend: Literal["sandbox", "stripe"] = "sandbox"
    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = DEFAULT_API_BASE
    stripe_sync_interval_seconds: int = Field(300, ge=10, le=86400)
    # Stripe's rate limits for the account, requests a second, when Stripe raised them: the global
    # one (default: 100 for a live key, 25 for a test key) and each API endpoint's (default 25).
    stripe_rate_limit: float | None = Field(None, ge=2, le=100_000)
    stripe_endpoint_rate_limit: float = Field(ENDPOINT_PER_SECOND, ge=2, le=100_000)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Required of GET /metrics requests that do not come from loopback (Authorization: Bearer ...).
    metrics_token: SecretStr | None = None
    # prometheus_client's multiprocess directory, shared by the settlebot processes of a host
    # (default for serve/socket: a private temporary directory).
    prometheus_multiproc_dir: str | None = None
    # The process runs under a test harness: only then may FAULT_INJECTION be set.
    settlebot_test_mode: bool = False
    # Only for tests: names a point where the process misbehaves (see bot/faults.py).
    fault_injection: str | None = None

    @field_validator("settlebot_test_mode", mode="before")
    @classmethod
    def _test_mode(cls, value: object) -> object:
        return False if value == "" else value  # SETTLEBOT_TEST_MODE= (set but empty) is off

    @field_validator("fault_injection")
    @classmethod
    def _faults(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        if not info.data.get("settlebot_test_mode"):
            raise ValueError("refused: fault injection is for tests only (it needs SETTLEBOT_TEST_MODE=1)")
        if value not in FAULT_POINTS:
            raise ValueError(f"must be one of {', '.join(sorted(FAULT_POINTS))}")
        return value

    @field_validator("slack_api_url", "public_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str) -> str:
        if not value.startswith("https://") and not _loopback(urlsplit(value).hostname or ""):
            raise ValueError("must be https:// unless it is a loopback address (the add-card page takes card numbers)")
        return value

    @field_validator("trusted_proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if value in (None, "", "*"):
            return value or None
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError("must be the proxy's IP address (or * for any)") from None

    @field_validator("trusted_proxy_headers")
    @classmethod
    def _proxy_headers(cls, value: str) -> str:
        names = _words(value)
        if not names or not names <= PROXY_HEADERS or ("forwarded" in names and len(names) > 1):
            raise ValueError("must name some of " + ", ".join(sorted(PROXY_HEADERS)) + " (forwarded alone)")
        return " ".join(sorted(names))

    @field_validator("slack_scopes")
    @classmethod
    def _scopes(cls, value: str) -> str:
        scopes = {w for w in re.split(r"[\s,]+", value) if w}
        if not scopes or any(not re.fullmatch(r"[a-z]+(?:[.:][a-z_]+)*", s) for s in scopes):
            raise ValueError("must be Slack scope names separated by commas (chat:write,commands,...)")
        return ",".join(sorted(scopes))

    @field_validator("stripe_api_base")
    @classmethod
    def _stripe_base(cls, value: str) -> str:
        try:
            return check_api_base(value)
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("STRIPE_API_BASE ")) from None

    @field_validator("billing_channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not re.fullmatch(r"[CGD][A-Z0-9]{2,20}", value):
            raise ValueError("must be a Slack channel id such as C0123456789")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Europe/Paris") from exc
        return value

    @field_validator("reminder_days")
    @classmethod
    def _days(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts or not all(p.isdigit() and 0 < int(p) <= 365 for p in parts):
            raise ValueError("must be a comma-separated list of days such as 1,3,7,14")
        if [int(p) for p in parts] != sorted({int(p) for p in parts}):
            raise ValueError("must be increasing, without repeats")
        return ",".join(parts)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def reminder_policy(self) -> ReminderPolicy:
        days = tuple(int(p) for p in self.reminder_days.split(","))
        return ReminderPolicy(days, self.reminder_every_days)

    @property
    def proxy_headers(self) -> frozenset[str]:
        return _words(self.trusted_proxy_headers)

    @property
    def api_url(self) -> str:
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"

    @property
    def installs(self) -> bool:
        """Installation mode: served workspaces come from "Add to Slack", each with its own token."""
        return bool(self.slack_client_id)

    @property
    def reaches_slack(self) -> bool:
        """A bot token (one-token mode) or installations (installation mode): commands may post."""
        return self.slack_bot_token is not None or self.installs

    @property
    def scopes(self) -> list[str]:
        return self.slack_scopes.split(",")

    @property
    def authorize_url(self) -> str:
        """Slack's OAuth page, beside its Web API (``https://slack.com/oauth/v2/authorize``)."""
        return self.api_url.removesuffix("api/") + "oauth/v2/authorize"

    @property
    def uses_stripe(self) -> bool:
        return self.billing_backend == "stripe"

    def stripe_config(self) -> StripeConfig:
        """The Stripe connection; ConfigError naming a missing or malformed STRIPE_ setting."""
        try:
            key = ApiKey(self.secret("stripe_api_key"))
        except ValueError as exc:
            raise ConfigError(str(exc).replace(" must", ": must", 1)) from None
        return StripeConfig(key, self.stripe_api_base, per_second=self.stripe_rate_limit,
                            endpoint_per_second=self.stripe_endpoint_rate_limit)  # fmt: skip

    def stripe_webhook_key(self) -> str:
        value = self.secret("stripe_webhook_secret")
        if not value.startswith("whsec_") or len(value) < 16 or not value.isascii() or " " in value:
            raise ConfigError("STRIPE_WEBHOOK_SECRET: must be the endpoint's signing secret (whsec_...)")
        return value

    def secret(self, name: str) -> str:
        """The value of a required secret setting, or a ConfigError naming it."""
        value: SecretStr | None = getattr(self, name)
        if value is None or not value.get_secret_value():
            raise ConfigError(f"{name.upper()} is not set")
        return value.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Read the settings once; a bad one raises ConfigError with a single clear line."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
    if settings.uses_stripe:  # each named when missing or malformed
        settings.stripe_config()
        settings.stripe_webhook_key()
    return settings


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _words(value: str) -> frozenset[str]:
    return frozenset(w.lower() for w in re.split(r"[\s,]+", value) if w)
