"""GET /health: public, for load balancers and uptime checks. Says whether the database answers at the
schema revision this code needs; nothing else."""

from fastapi import APIRouter, Response

from hiring.api.deps import EngineDep
from hiring.api.schemas import Health
from hiring.queries.schema import schema_revision
from models.db import head_revision

router = APIRouter(tags=["system"])


@router.get(
    "/health",
    response_model=Health,
    response_model_exclude_none=True,
    responses={503: {"model": Health, "description": "Not ready."}},
    openapi_extra={"security": []},
)
def health(engine: EngineDep, response: Response) -> Health:
    try:
        revision = schema_revision(engine)
    except Exception as exc:  # the database is down: say so, do not crash the health check
        response.status_code = 503
        return Health(status="unavailable", detail=f"database unreachable ({type(exc).__name__})")
    if revision != head_revision():
        response.status_code = 503
        detail = f"schema at {revision}, this version needs {head_revision()}: run `hiring init`"
        return Health(status="unavailable", schema_revision=revision, detail=detail)
    return Health(status="ok", schema_revision=revision)
