"""The retention task: the policy file's retention rule, applied by the daily `pipeline-report` flow.

Erases, for example, rejected candidates 180 days after their last event (hiring.privacy.apply_retention,
one transaction per candidate). Logs counts and candidate ids only.
"""

from datetime import datetime
from typing import Any

from prefect import get_run_logger, task

from flows.plumbing import database, retrying
from hiring.errors import InvalidInput, NotFound


@task(name="apply-retention", **retrying(InvalidInput, NotFound))
def retention(at: datetime) -> dict[str, Any]:
    """The policy file's retention rule (e.g. erase rejected candidates 180 days after their last event)."""
    from hiring.privacy import apply_retention

    with database() as engine:
        result = apply_retention(engine, at)
    get_run_logger().info(
        "retention: erased %d candidate(s): %s",
        result.count,
        {stage: ids for stage, ids in result.erased.items() if ids},
    )
    return result.as_dict()
