"""One dispatch pass as the application runs it: the dispatcher's configuration from the settings, `now` from
the clock (HIRING_NOW pins it). notifications/ reads neither; every entry point (CLI, serve, flows) comes here.
"""

from collections.abc import Callable
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import Engine

from hiring import clock
from hiring.settings import Settings, get_settings
from notifications.config import DispatchConfig, EmailSetup, SlackSetup
from notifications.dispatcher import DispatchResult as DispatchResult  # the flows take it from here
from notifications.dispatcher import dispatch as dispatch_outbox


def _secret(value: SecretStr | None) -> str | None:
    return (value.get_secret_value() or None) if value is not None else None


def dispatch_config(settings: Settings) -> DispatchConfig:
    """What the dispatcher and its channels need from the settings (HIRING_* variables, .env)."""
    slack = SlackSetup(
        webhook_url=_secret(settings.slack_webhook_url),
        bot_token=_secret(settings.slack_bot_token),
        base_url=settings.slack_base_url,
        webhook_block=settings.slack_webhook_block,
        credentials_block=settings.slack_credentials_block,
    )
    email = EmailSetup(
        sender=settings.email_from,
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=_secret(settings.smtp_password),
        credentials_block=settings.email_credentials_block,
    )
    return DispatchConfig(
        batch_size=settings.dispatch_batch_size,
        max_attempts=settings.dispatch_max_attempts,
        claim_timeout_seconds=settings.dispatch_claim_timeout_seconds,
        digest=settings.digest,
        timezone=settings.timezone,
        ats_link_template=settings.ats_link_template,
        slack=slack,
        email=email,
    )


def dispatch(
    engine: Engine,
    now: datetime | None = None,
    settings: Settings | None = None,
    worker_id: str | None = None,
    console_write: Callable[[str], None] | None = None,
) -> DispatchResult:
    """One pass over the outbox (notifications.dispatcher.dispatch) at `now`, or the clock's now."""
    config = dispatch_config(settings or get_settings())
    return dispatch_outbox(engine, now or clock.now(), config, worker_id=worker_id, console_write=console_write)
