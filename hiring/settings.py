"""Configuration from the environment (prefix HIRING_) and an optional .env file.

Secrets are SecretStr: they print as '**********' and never reach logs, errors or the database.
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HIRING_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///hiring.db",
        description="SQLAlchemy URL of the app database; SQLite file ./hiring.db by default.",
    )
    now: str | None = Field(default=None, description="ISO 8601 instant that pins 'now' for the whole process.")
    timezone: str = Field(default="UTC", description="Time zone used to show times.")
    policy_file: Path | None = Field(default=None, description="SLA policy file (TOML or YAML).")
    head_of_talent: str | None = Field(
        default=None, description="Handle of the head of talent (top of the escalation ladder)."
    )

    # --- Slack: an incoming webhook (posts to a channel, mentions the person) or a bot token (DMs) ---
    slack_webhook_url: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_base_url: str | None = Field(
        default=None, description="Override Slack's API host (tests point it at a local server)."
    )
    slack_webhook_block: str | None = Field(default=None, description="prefect-slack SlackWebhook block name.")
    slack_credentials_block: str | None = Field(default=None, description="prefect-slack SlackCredentials block.")

    # --- Email over SMTP ---
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["starttls", "ssl", "plain"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    email_from: str = "hiring-pipeline@localhost"
    email_credentials_block: str | None = Field(
        default=None, description="prefect-email EmailServerCredentials block name."
    )

    # --- Messages and the dispatcher ---
    ats_link_template: str | None = Field(
        default=None, description="Link to a candidate in your ATS, e.g. https://ats.example.com/c/{candidate_id}"
    )
    digest: bool = Field(default=True, description="Several notifications to one person in one run: one message.")
    dispatch_batch_size: int = 200
    dispatch_max_attempts: int = 8
    dispatch_claim_timeout_seconds: int = 300

    # --- HTTP API (`hiring api`) and ATS webhooks ---
    api_tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default=[], description="Bearer tokens the HTTP API accepts: comma-separated, or a JSON list."
    )
    api_host: str = Field(default="127.0.0.1", description="Address `hiring api` listens on (loopback by default).")
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_max_body_bytes: int = Field(default=1_048_576, gt=0, description="Larger request bodies get 413.")
    greenhouse_secret: SecretStr | None = Field(
        default=None, description="Secret key of the Greenhouse webhook (HMAC-SHA256 of each delivery's body)."
    )

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _token_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            items = json.loads(text) if text.startswith("[") else text.split(",")
            return [str(item).strip() for item in items if str(item).strip()]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def available_channels(settings: Settings | None = None) -> frozenset[str]:
    """Notification channels configured in this process; the console is always there."""
    s = settings or get_settings()
    channels = {"console"}
    if s.slack_webhook_url or s.slack_bot_token or s.slack_webhook_block or s.slack_credentials_block:
        channels.add("slack")
    if s.smtp_host or s.email_credentials_block:
        channels.add("email")
    return frozenset(channels)
