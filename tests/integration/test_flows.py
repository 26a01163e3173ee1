"""The Prefect flows, run for real against one session-scoped `prefect_test_harness` (a temporary server).

Time is passed in through the flow's `now` parameter (or HIRING_NOW): freezing the clock under a flow run
would break the Prefect server's own bookkeeping.
"""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # before prefect is imported
os.environ.setdefault("DO_NOT_TRACK", "1")

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from prefect.client.schemas.objects import Artifact
from prefect.states import State
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from flows import sla_sweep
from flows.sla_sweep import EVENT, SUMMARY_KEY, TABLE_KEY, sla_sweep_flow
from hiring.settings import get_settings
from hiring.sla import sweep
from models.tables import Candidate, Escalation, Outbox

DAY = 86_400.0


def run(**params: Any) -> State:
    return sla_sweep_flow(**params, return_state=True)


def artifacts(state: State, key: str) -> list[Artifact]:
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            )
        )


def table_rows(artifact: Artifact) -> list[dict[str, Any]]:
    data = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    return data


def escalations(engine: Engine) -> list[Escalation]:
    with Session(engine) as session:
        return list(session.execute(select(Escalation).order_by(Escalation.id)).scalars())


def personal_data(engine: Engine) -> list[str]:
    with Session(engine) as session:
        people = session.execute(select(Candidate.name, Candidate.email)).all()
    return [value for row in people for value in row]


def test_sweep_flow_fires_due_escalations_once_and_publishes_ids_only(
    prefect_api: str, app_db: str, engine: Engine, candidate: Callable[..., int], T0: datetime
) -> None:
    cids = {candidate(), candidate()}  # each opens screen_decision: due T0 + 5 days
    at = T0 + timedelta(days=9)  # past the reminder (3.75 d), level 1 (5 d), level 2 (6 d) and level 3 (8 d)

    first = run(now=at.isoformat())
    summary = first.result()
    assert summary["fired"] == 8 and summary["candidates"] == 2 and summary["timers"] == 2
    assert summary["by_level"] == {"reminder": 2, "level_1": 2, "level_2": 2, "level_3": 2}
    assert summary["max_lateness_seconds"] == pytest.approx(5.25 * DAY)  # the reminder, due at 3.75 d
    fired = escalations(engine)
    assert {e.candidate_id for e in fired} == cids
    assert all(e.fired_at == at for e in fired)
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Outbox)).scalar_one() == 8  # console only

    [table] = artifacts(first, TABLE_KEY)
    rows = table_rows(table)
    assert {r["candidate_id"] for r in rows} == cids
    assert {r["escalation_id"] for r in rows} == {e.id for e in fired}
    level_1 = [r for r in rows if r["level"] == "level_1"]
    assert {(r["timer"], r["lateness_seconds"]) for r in level_1} == {("screen_decision", 4 * DAY)}
    assert all(r["requisition_id"] for r in rows)
    [summary_md] = artifacts(first, SUMMARY_KEY)
    published = json.dumps(rows) + str(summary_md.data) + (table.description or "")
    for value in personal_data(engine):
        assert value not in published

    second = run(now=at.isoformat())  # same instant: everything already fired
    assert second.result()["fired"] == 0
    assert len(escalations(engine)) == 8
    assert artifacts(second, TABLE_KEY) == []  # the table's history lists only sweeps that fired
    [empty_summary] = artifacts(second, SUMMARY_KEY)
    assert "**0** escalation(s)" in str(empty_summary.data)

    later = run(now=(at + timedelta(days=30)).isoformat())  # no level is left on these timers
    assert later.result()["fired"] == 0


def test_each_escalation_is_a_prefect_event_without_personal_data(
    prefect_api: str, app_db: str, engine: Engine, candidate: Callable[..., int], T0: datetime
) -> None:
    cid = candidate()
    since = datetime.now(UTC)  # the server is shared by the session: earlier tests' events are older
    # Event ids derive from (escalation id, fired_at): the PostgreSQL run of this test fires escalation 1 too,
    # so it fires a second later, or the server would take its events for re-sends of the SQLite run's.
    offset = timedelta(seconds=1 if engine.dialect.name == "postgresql" else 0)
    state = run(now=(T0 + timedelta(days=5) + offset).isoformat())  # reminder and level 1
    assert state.result()["events_emitted"] == 2

    events = wait_for_events(prefect_api, f"hiring.candidate.{cid}", since, expected=2)
    assert {e["event"] for e in events} == {EVENT}
    assert {e["payload"]["level"] for e in events} == {"reminder", "level_1"}
    for e in events:
        assert e["resource"]["hiring.timer"] == "screen_decision"
        assert e["payload"]["lateness_seconds"] >= 0
        roles = {r["prefect.resource.role"]: r["prefect.resource.id"] for r in e["related"]}
        assert roles["requisition"] == f"hiring.requisition.{e['payload']['requisition_id']}"
        assert UUID(e["id"])  # derived from the escalation: a re-emission is the same event
    text = json.dumps(events)
    for value in personal_data(engine):
        assert value not in text


def wait_for_events(
    api: str, resource_id: str, since: datetime, expected: int, timeout: float = 20
) -> list[dict[str, Any]]:
    """Events reach the server's database asynchronously (emitter queue, then the persister's batches)."""
    query = {
        "filter": {
            "event": {"name": [EVENT]},
            "resource": {"id": [resource_id]},
            "occurred": {"since": since.isoformat()},
        },
        "limit": 50,
    }
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = httpx.post(f"{api}/events/filter", json=query, timeout=5).json()["events"]
        if len(found) >= expected:
            return found
        time.sleep(0.2)
    raise AssertionError(f"expected {expected} {EVENT} event(s) for {resource_id}, found {len(found)}")


def test_without_now_the_flow_uses_the_clock_which_honours_hiring_now(
    prefect_api: str,
    app_db: str,
    engine: Engine,
    candidate: Callable[..., int],
    T0: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    candidate()
    pinned = T0 + timedelta(days=4)  # the reminder only
    monkeypatch.setenv("HIRING_NOW", pinned.isoformat())
    summary = run().result()
    assert summary["at"] == pinned.isoformat()
    assert summary["by_level"] == {"reminder": 1}
    assert [e.fired_at for e in escalations(engine)] == [pinned]


def test_a_database_hiccup_is_retried_and_still_fires_once(
    prefect_api: str,
    app_db: str,
    engine: Engine,
    candidate: Callable[..., int],
    T0: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    candidate()
    calls = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("SELECT ...", {}, Exception("database is locked"))
        return sweep(*args, **kwargs)

    monkeypatch.setattr(sla_sweep, "sweep", flaky)
    monkeypatch.setattr(sla_sweep, "sweep_due_timers", sla_sweep.sweep_due_timers.with_options(retry_delay_seconds=0))
    summary = run(now=(T0 + timedelta(days=5)).isoformat()).result()
    assert len(calls) == 2 and summary["fired"] == 2 and len(escalations(engine)) == 2


def test_missing_schema_fails_fast_without_retries(
    prefect_api: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("HIRING_DATABASE_URL", f"sqlite:///{tmp_path / 'nothing-here.db'}")
    get_settings.cache_clear()
    try:
        state = run(now="2026-03-02T09:00:00Z")
    finally:
        get_settings.cache_clear()
    assert state.is_failed()
    with pytest.raises(Exception, match="hiring init"):
        state.result()
    with get_client(sync_client=True) as client:
        [task_run] = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[state.state_details.flow_run_id]))
        )
    assert task_run.run_count == 1  # the retry condition refused: a missing schema will not fix itself


def test_an_invalid_now_is_refused_with_an_example(prefect_api: str, app_db: str) -> None:
    state = run(now="next tuesday")
    assert state.is_failed()
    with pytest.raises(Exception, match="ISO 8601"):
        state.result()
