"""Configuration from the environment (prefix HIRING_) and an optional .env file.

Secrets are SecretStr: they print as '**********' and never reach logs, errors or the database.
Every setting has a bound or a validator; `get_settings` refuses a bad one with InvalidInput (exit 2),
naming the variable and what is allowed (never a secret's value).
"""

import json
import re
import string
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, SecretStr, StringConstraints, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from hiring.errors import InvalidInput
from states.zones import TimeZoneName

_HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]{1,253}$")  # a DNS name, IPv4, or [IPv6]
_BLOCK = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")  # what Prefect accepts as a block document name
_DATABASE = re.compile(r"^(sqlite|postgresql)(\+[a-z0-9_]+)?://")
ATS_LINK_FIELDS = ("candidate_id", "requisition_id")  # ids only: a link never carries a name or an email


def _host(value: str) -> str:
    if not _HOST.match(value):
        raise ValueError("must be a host name or IP address (letters, digits, dots, dashes; no spaces)")
    return value


def _block(value: str) -> str:
    if not _BLOCK.match(value):
        raise ValueError("must be a Prefect block name: lowercase letters, digits and dashes, at most 100")
    return value


def _http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value) or len(value) > 2000:
        raise ValueError("must be an http:// or https:// URL of at most 2000 characters")
    return value


def _secret(value: SecretStr) -> SecretStr:
    text = value.get_secret_value()
    if not text.strip() or len(text) > 2000 or any(c.isspace() for c in text):
        raise ValueError("must be 1 to 2000 characters without spaces")
    return value


def _webhook(value: SecretStr) -> SecretStr:
    if not re.match(r"^https?://[^\s/]+/\S*$", value.get_secret_value()):
        raise ValueError("must be the https:// URL of a Slack incoming webhook")
    return value


def _email_from(value: str) -> str:
    _, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if any(c in value for c in "\r\n") or not local or not domain or any(c.isspace() for c in address):
        raise ValueError("must be an email address, e.g. hiring@example.com or 'Hiring <hiring@example.com>'")
    return value


def _ats_link(value: str) -> str:
    _http_url(value)
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError:
        raise ValueError("has an unbalanced { or }") from None
    unknown = sorted(fields - set(ATS_LINK_FIELDS))
    if unknown:
        allowed = ", ".join(f"{{{f}}}" for f in ATS_LINK_FIELDS)
        raise ValueError(f"unknown placeholder(s) {', '.join(unknown)}; allowed: {allowed}")
    return value


def _database_url(value: str) -> str:
    if not _DATABASE.match(value):
        raise ValueError("must be a sqlite:///path or postgresql+psycopg://user:password@host/db URL")
    return value


def _now(value: str) -> str:
    from hiring.clock import InvalidTime, parse_instant

    try:
        when = parse_instant(value, "value")
    except InvalidTime:
        raise ValueError("must be an ISO 8601 time, e.g. 2026-11-30T09:00:00Z") from None
    if not 1970 <= when.year <= 2999:
        raise ValueError("must be between 1970 and 2999")
    return value


Handle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
HostName = Annotated[str, AfterValidator(_host)]
BlockName = Annotated[str, AfterValidator(_block)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
Secret = Annotated[SecretStr, AfterValidator(_secret)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HIRING_", env_file=".env", extra="ignore")

    database_url: Annotated[str, AfterValidator(_database_url)] = Field(
        default="sqlite:///hiring.db",
        description="SQLAlchemy URL of the app database; SQLite file ./hiring.db by default.",
    )
    sqlite_busy_timeout_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        allow_inf_nan=False,
        description="How long a SQLite writer waits for another process's write lock before 'busy' (exit 3).",
    )
    now: Annotated[str, AfterValidator(_now)] | None = Field(
        default=None, description="ISO 8601 instant that pins 'now' for the whole process."
    )
    timezone: TimeZoneName = Field(default="UTC", description="Time zone used to show times.")
    policy_file: Path | None = Field(default=None, description="SLA policy file (TOML or YAML).")
    market_file: Path | None = Field(
        default=None,
        description="Salary market data (YAML or JSON) for the band check; the shipped 2026 figures by default.",
    )
    head_of_talent: Handle | None = Field(
        default=None, description="Handle of the head of talent (top of the escalation ladder)."
    )
    me: Handle | None = Field(default=None, description="Your own handle: whose list `hiring todo` shows without --me.")

    # --- Reports ---
    # 8 by default: fewer hires give a rank correlation too unstable to read (README, "What predicted").
    outcome_min_hires: int = Field(
        default=8,
        ge=3,
        le=10_000,
        description="Fewest hires with a day-90 rating the report computes an outcome correlation on (below: too few).",
    )

    # --- Slack: an incoming webhook (posts to a channel, mentions the person) or a bot token (DMs) ---
    slack_webhook_url: Annotated[SecretStr, AfterValidator(_webhook)] | None = None
    slack_bot_token: Secret | None = None
    slack_base_url: HttpUrl | None = Field(
        default=None, description="Override Slack's API host (tests point it at a local server)."
    )
    slack_webhook_block: BlockName | None = Field(default=None, description="prefect-slack SlackWebhook block name.")
    slack_credentials_block: BlockName | None = Field(default=None, description="prefect-slack SlackCredentials block.")

    # --- Email over SMTP ---
    smtp_host: HostName | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "plain"] = "starttls"
    smtp_username: Annotated[str, StringConstraints(min_length=1, max_length=320)] | None = None
    smtp_password: Annotated[SecretStr, Field(min_length=1, max_length=2000)] | None = None
    email_from: Annotated[str, StringConstraints(max_length=320), AfterValidator(_email_from)] = (
        "hiring-pipeline@localhost"
    )
    email_credentials_block: BlockName | None = Field(
        default=None, description="prefect-email EmailServerCredentials block name."
    )

    # --- Messages and the dispatcher ---
    ats_link_template: Annotated[str, AfterValidator(_ats_link)] | None = Field(
        default=None, description="Link to a candidate in your ATS, e.g. https://ats.example.com/c/{candidate_id}"
    )
    digest: bool = Field(default=True, description="Several notifications to one person in one run: one message.")
    dispatch_batch_size: int = Field(default=200, ge=1, le=10_000)
    dispatch_max_attempts: int = Field(default=8, ge=1, le=100)
    dispatch_claim_timeout_seconds: int = Field(default=300, ge=1, le=86_400)

    # --- HTTP API (`hiring api`) and ATS webhooks ---
    api_tokens: Annotated[list[Secret], NoDecode] = Field(
        default=[], max_length=100, description="Bearer tokens the HTTP API accepts: comma-separated, or a JSON list."
    )
    api_host: HostName = Field(default="127.0.0.1", description="Address `hiring api` listens on (loopback default).")
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_max_body_bytes: int = Field(default=1_048_576, gt=0, le=104_857_600, description="Larger bodies get 413.")
    greenhouse_secret: Secret | None = Field(
        default=None, description="Secret key of the Greenhouse webhook (HMAC-SHA256 of each delivery's body)."
    )

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _token_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            try:
                items = json.loads(text) if text.startswith("[") else text.split(",")
            except json.JSONDecodeError:
                raise ValueError("must be a comma-separated list or a JSON list of strings") from None
            if not isinstance(items, list):
                raise ValueError("must be a comma-separated list or a JSON list of strings")
            return [str(item).strip() for item in items if str(item).strip()]
        return value


def settings_problems(exc: ValidationError) -> str:
    """Each bad setting as '  - HIRING_NAME: what is allowed'; pydantic's messages never quote the input."""
    lines = []
    for err in exc.errors():
        name = f"HIRING_{str(err['loc'][0]).upper()}" if err["loc"] else "settings"
        lines.append(f"  - {name}: {err['msg'].removeprefix('Value error, ')}")
    return "invalid settings (environment or .env):\n" + "\n".join(dict.fromkeys(lines))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, validated; InvalidInput (exit 2) naming every bad one."""
    try:
        return Settings()
    except ValidationError as exc:
        raise InvalidInput(settings_problems(exc)) from None
    except SettingsError as exc:  # a value pydantic-settings could not even decode
        raise InvalidInput(f"invalid settings (environment or .env): {exc}") from None


def available_channels(settings: Settings | None = None) -> frozenset[str]:
    """Notification channels configured in this process; the console is always there."""
    s = settings or get_settings()
    channels = {"console"}
    if s.slack_webhook_url or s.slack_bot_token or s.slack_webhook_block or s.slack_credentials_block:
        channels.add("slack")
    if s.smtp_host or s.email_credentials_block:
        channels.add("email")
    return frozenset(channels)
