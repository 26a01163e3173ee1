"""Configuration from the environment (prefix HIRING_) and an optional .env file."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HIRING_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///hiring.db",
        description="SQLAlchemy URL of the app database; SQLite file ./hiring.db by default.",
    )
    now: str | None = Field(
        default=None, description="ISO 8601 instant that pins 'now' for the whole process."
    )
    timezone: str = Field(default="UTC", description="Time zone used to show times.")
    policy_file: Path | None = Field(default=None, description="SLA policy file (TOML or YAML).")
    head_of_talent: str | None = Field(
        default=None, description="Handle of the head of talent (top of the escalation ladder)."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def available_channels() -> frozenset[str]:
    """Notification channels configured in this process; the console is always there."""
    return frozenset({"console"})
