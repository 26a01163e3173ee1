"""What routes share: the engine and policy the app was built with, the clock, and the shape of references."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from hiring import clock
from hiring.api.schemas import Problem
from hiring.bootstrap import load_policy
from hiring.queries import MAX_ID
from states.policy import Policy

# Declares the bearer scheme in the OpenAPI document; the check itself is BearerAuth (it runs before routing).
bearer = HTTPBearer(auto_error=False, description="A token from HIRING_API_TOKENS.")


def documented_auth(_: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    return None


def known_query(request: Request) -> None:
    """Unknown query parameters are refused (422), like unknown fields: a typo never silently widens a list."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    known = {p.alias for p in _all_query_params(dependant)}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise RequestValidationError(
            [{"loc": ("query", name), "msg": "is not a known parameter", "type": "extra_forbidden"} for name in unknown]
        )


def _all_query_params(dependant: Any) -> list[Any]:
    params = list(dependant.query_params)
    for sub in dependant.dependencies:
        params += _all_query_params(sub)
    return params


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine  # set by the app factory
    return engine


def get_policy(request: Request) -> Policy:
    return request.app.state.policy or load_policy()


def now() -> datetime:
    return clock.now()


EngineDep = Annotated[Engine, Depends(get_engine)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
CandidateRef = Annotated[str, Path(min_length=1, max_length=200, description="Candidate id or external id.")]
RequisitionId = Annotated[int, Path(ge=1, le=MAX_ID)]


def responses(*codes: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI entries for the error answers a route can give (every protected route can give 401)."""
    what = {
        401: "No or wrong bearer token.",
        404: "Unknown id.",
        409: "Conflict: see allowed_triggers.",
        413: "Body too large.",
        422: "Invalid request: each bad field is named.",
        503: "Database not ready or busy.",
    }
    return {code: {"model": Problem, "description": what[code]} for code in sorted({401, 503, *codes})}
