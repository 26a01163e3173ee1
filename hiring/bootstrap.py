"""How every entry point starts: the engine of the configured database, its schema checked, the policy, and
the dispatcher's configuration and clock.

The CLI, the API, `serve` and the flows all open their database here, so they refuse a missing or outdated
schema and an invalid policy file with the same messages and exit codes. notifications/ reads no settings
and no clock: a dispatch pass gets both from here (`dispatch`), `now` from the clock (HIRING_NOW pins it).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import Engine

from hiring import clock
from hiring.settings import Settings, get_settings
from notifications.config import DispatchConfig, EmailSetup, SlackSetup
from notifications.dispatcher import DispatchResult as DispatchResult  # the flows take it from here
from notifications.dispatcher import dispatch as dispatch_outbox
from states.policy import Policy


def load_policy() -> Policy:
    """The policy of this process; an invalid policy file is refused (exit 2) with every problem named."""
    from hiring.policy_file import current_policy

    return current_policy()


def open_engine(settings: Settings | None = None, *, check_schema: bool = True) -> Engine:
    """An engine on the configured database; with `check_schema`, DatabaseNotReady unless it is at head."""
    from models import db  # looked up at call time: tests count the engines made (models.db.make_engine)

    settings = settings or get_settings()
    url = settings.database_url
    engine = db.make_engine(url, settings.sqlite_busy_timeout_seconds)
    if check_schema:
        try:
            db.require_schema(engine, url)
        except BaseException:
            engine.dispose()
            raise
    return engine


def bootstrap(*, check_schema: bool = True) -> Engine:
    """The policy checked first (before any work), then the engine: what a CLI command starts with."""
    load_policy()
    return open_engine(check_schema=check_schema)


@contextmanager
def database(*, check_schema: bool = True) -> Iterator[Engine]:
    """An engine for one unit of work (a flow task): disposed of when it ends."""
    engine = open_engine(check_schema=check_schema)
    try:
        yield engine
    finally:
        engine.dispose()


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
