"""The `pipeline-report` and `weekly-digest` flows, run for real against a temporary Prefect server: the
artifacts appear under their keys, and carry no candidate name, email or typed free text.

The server: conftest's session-scoped `prefect_api` fixture, one `prefect_test_harness()` for the session.
"""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # before prefect is imported
os.environ.setdefault("DO_NOT_TRACK", "1")

import json
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
from prefect.client.schemas.objects import Artifact
from prefect.states import State
from sqlalchemy import Engine, select
from sqlmodel import Session

from flows.pipeline_report import SUMMARY_KEY, pipeline_report_flow
from flows.weekly_digest import DIGEST_KEY, weekly_digest_flow
from models.tables import Candidate
from tests.support.report_log import FREE_TEXT, NOW

# `log` (the report tests' fixed event log in the test's database) comes from tests/integration/conftest.py.


def artifacts(state: State, key: str) -> list[Artifact]:
    with get_client(sync_client=True) as client:
        run = ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]), flow_run_id=run))


def rows(artifact: Artifact) -> list[dict[str, Any]]:
    return json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data  # type: ignore[return-value]


def personal_data(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [v for row in session.execute(select(Candidate.name, Candidate.email)).all() for v in row]


def test_the_report_is_published_under_its_keys_without_personal_data(
    prefect_api: str, app_db: str, log: dict[str, int], engine: Engine
) -> None:
    state = pipeline_report_flow(now=NOW.isoformat(), return_state=True)
    summary = state.result()
    assert (summary["candidates"], summary["hires"], summary["decisions_pending"]) == (7, 1, 1)
    assert summary["funnel"]["screened"] == 5

    [funnel] = artifacts(state, "pipeline-funnel")
    assert [(r["stage"], r["reached"], r["to next"]) for r in rows(funnel)][:3] == [
        ("sourced", "7", "71%"),
        ("screened", "5", "80%"),
        ("take_home", "4", "100%"),
    ]
    [sla] = artifacts(state, "pipeline-sla")
    decision = next(r for r in rows(sla) if r["timer"] == "decision")
    assert (decision["met"], decision["overdue"], decision["on time"]) == ("2", "1", "67%")
    [md] = artifacts(state, SUMMARY_KEY)
    assert md.type == "markdown" and "# Pipeline report as of 2026-03-14T21:00:00+00:00" in str(md.data)
    assert "| **2/3** | decisions within 48 h (needs attention) |" in str(md.data)
    published = {key: artifacts(state, key) for key in summary["artifacts"]}
    assert all(len(found) == 1 for found in published.values()), {k: len(v) for k, v in published.items()}
    assert {"pipeline-funnel", "pipeline-sla", "pipeline-sources", "pipeline-decisions"} <= set(published)
    assert {"pipeline-acceptance-by-motivator", "pipeline-channel-fit"} <= set(published)
    text = json.dumps([[str(a.data), a.description or ""] for found in published.values() for a in found])
    for secret in (*personal_data(engine), *FREE_TEXT):
        assert secret not in text, secret


def test_the_weekly_digest_flow_writes_once_per_week(prefect_api: str, app_db: str, log: dict[str, int]) -> None:
    first = weekly_digest_flow(now=NOW.isoformat(), return_state=True)
    assert (first.result()["written"], first.result()["week"]) == (2, "2026-W11")
    [md] = artifacts(first, DIGEST_KEY)
    assert "| hugo | console | written | 1 | 1 | 0 |" in str(md.data)
    again = weekly_digest_flow(now=NOW.isoformat(), return_state=True)
    assert (again.result()["written"], again.result()["already_written"]) == (0, 2)


def test_a_bad_filter_fails_the_run_and_says_why(prefect_api: str, app_db: str) -> None:
    state = pipeline_report_flow(now=NOW.isoformat(), role_profile="wizard", return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match="unknown role profile"):
        state.result()
