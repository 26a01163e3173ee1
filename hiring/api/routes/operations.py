"""SLA timers, the board, the outbox and the pipeline report: the read side the CLI shows."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from hiring.api.deps import EngineDep, PolicyDep, documented_auth, now, responses
from hiring.api.schemas import Handle, Instant, OutboxRow, Timers, Todo
from hiring.queries import MAX_ID
from states.timers import Role, TimerKind
from states.vocabulary import RoleProfile, SourceChannel

router = APIRouter(tags=["operations"], dependencies=[Depends(documented_auth)])


@router.get("/timers", response_model=Timers, responses=responses(404, 422))
def timers(
    engine: EngineDep,
    policy: PolicyDep,
    at: Annotated[Instant | None, Query(description="Forecast: what is overdue at this time (default now).")] = None,
    candidate_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    owner: Annotated[Handle | None, Query(description="Only the timers this handle owns.")] = None,
    requisition_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    timer: TimerKind | None = None,
    overdue: Annotated[bool, Query(description="Only the overdue ones.")] = False,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> dict[str, Any]:
    """Open SLA timers, the most overdue first, then by due time, each with who is escalated next and when."""
    from hiring.queries.sla import TimerFilter, open_timers

    when = at or now()
    kind = timer.value if timer else None
    filters = TimerFilter(
        owner=owner, requisition_id=requisition_id, kind=kind, overdue=overdue, limit=limit, candidate_id=candidate_id
    )
    return {"at": when, "timers": open_timers(engine, when, policy, filters=filters)}


@router.get("/todo", response_model=Todo, response_model_by_alias=True, responses=responses(404, 422))
def todo(
    engine: EngineDep,
    policy: PolicyDep,
    handle: Annotated[Handle, Query(description="Whose list: a handle (see the people directory).")],
    role: Annotated[Role | None, Query(description="Only what waits on them in this role.")] = None,
    overdue: Annotated[bool, Query(description="Only what is overdue now.")] = False,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> dict[str, Any]:
    """Every open timer that waits on one person: owned by them, or escalated to them. Most overdue first."""
    from hiring.queries.todo import TodoQuery, waiting_on

    return waiting_on(engine, TodoQuery(handle, role, overdue, limit), now(), policy)


@router.get("/timers/stats", response_model=dict[str, Any], responses=responses())
def timer_stats(engine: EngineDep) -> dict[str, Any]:
    """Met / breached / overdue per timer, escalations per level, and how late escalations fired."""
    from hiring.queries.sla import stats

    return stats(engine, now())


@router.get("/board", response_model=list[dict[str, Any]], responses=responses(422))
def board(engine: EngineDep, requisition_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> list[Any]:
    """Every active candidate by stage, per requisition, with the next deadline or how overdue they are."""
    from hiring.queries import board as board_query

    return board_query(engine, requisition_id, now())


OutboxStatus = Literal["pending", "sending", "sent", "dead"]


@router.get("/outbox", response_model=list[OutboxRow], responses=responses(422))
def outbox(
    engine: EngineDep,
    status: OutboxStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Notifications, newest first: pending, being sent, sent, or dead (with the last error)."""
    from notifications.outbox import list_outbox

    return list_outbox(engine, status, limit)


def report_router() -> APIRouter | None:
    """GET /report, when the reports package is installed in this build."""
    try:
        from hiring.reports.metrics import Filters, pipeline_report
    except ImportError:
        return None
    reports = APIRouter(tags=["operations"], dependencies=[Depends(documented_auth)])

    @reports.get("/report", response_model=dict[str, Any], responses=responses(422))
    def report(
        engine: EngineDep,
        policy: PolicyDep,
        requisition_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        role_profile: RoleProfile | None = None,
        source: SourceChannel | None = None,
        since: Annotated[Instant | None, Query(description="Candidates sourced at or after this time.")] = None,
        until: Annotated[Instant | None, Query(description="Candidates sourced before this time.")] = None,
    ) -> dict[str, Any]:
        """The pipeline report: funnel, time in stage, SLA, sources, offers. Ids only, no names."""
        filters = Filters(
            requisition_id=requisition_id,
            role_profile=role_profile.value if role_profile else None,
            source=source.value if source else None,
            since=since,
            until=until,
        )
        return pipeline_report(engine, filters, now(), policy)

    return reports
