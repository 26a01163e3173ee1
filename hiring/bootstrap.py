"""How every entry point starts: the engine of the configured database, its schema checked, and the policy.

The CLI, the API, `serve` and the flows all open their database here, so they refuse a missing or outdated
schema and an invalid policy file with the same messages and exit codes.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from hiring.settings import Settings, get_settings
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
