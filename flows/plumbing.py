"""What every flow shares: "now" from its parameter, the database for one task, and how tasks retry.

A task is the I/O boundary: it opens the database (hiring.bootstrap: the schema is checked), does one pass and
disposes of the engine. It is retried on database hiccups, never on an error that will not fix itself.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from hiring import clock
from hiring.bootstrap import database
from models.db import DatabaseNotReady

RETRY_DELAYS = [2, 10, 30]  # seconds before the 1st, 2nd and 3rd retry

__all__ = ["RETRY_DELAYS", "at_instant", "database", "retrying", "worth_retrying"]


def at_instant(now: str | None) -> datetime:
    """The flow's `now` parameter (ISO 8601); default: the clock, which honours HIRING_NOW."""
    return clock.parse_instant(now, "now") if now else clock.now()


def worth_retrying(*permanent: type[BaseException]) -> Callable[[Any, TaskRun, State], bool]:
    """Retry database hiccups; a missing schema (or one of `permanent`) will not fix itself."""
    lasting: tuple[type[BaseException], ...] = (DatabaseNotReady, *permanent)

    def retry(_task: Any, _run: TaskRun, state: State) -> bool:
        return not isinstance(state.result(raise_on_failure=False), lasting)

    return retry


def retrying(*permanent: type[BaseException]) -> dict[str, Any]:
    """The @task arguments of a task at the I/O boundary: three retries, none for a lasting error, no cache."""
    return {
        "retries": len(RETRY_DELAYS),
        "retry_delay_seconds": RETRY_DELAYS,
        "retry_condition_fn": worth_retrying(*permanent),
        "cache_policy": NO_CACHE,
    }
