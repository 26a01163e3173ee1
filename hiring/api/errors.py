"""Errors as HTTP answers: every one a `Problem` body; the same mapping as the CLI's exit codes.

422 invalid input (each bad field named), 409 conflict (disallowed transition, guard, version or key
conflict; with the allowed triggers when a candidate is involved), 404 unknown id, 401 no or wrong token,
413 body too large, 503 database not ready or busy. Anything else is a 500 whose log line names the
exception type only: exception messages can carry SQL parameters, and so names and emails.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hiring.api.schemas import FieldProblem, Problem
from hiring.clock import InvalidTime
from hiring.errors import Conflict, InvalidInput, NotFound
from models.db import DatabaseNotReady
from states.candidate import OutOfOrder
from states.errors import GuardRefused, InvalidPayload, TriggerNotAllowed, UnknownTrigger
from states.field_problems import field_problems as fields

log = logging.getLogger("hiring.api")

NAMES = {
    400: "invalid",
    401: "unauthorized",
    404: "not_found",
    405: "invalid",
    409: "conflict",
    413: "too_large",
    415: "invalid",
    422: "invalid",
    500: "internal",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(self, status: int, problem: Problem, headers: dict[str, str] | None = None) -> None:
        super().__init__(problem.detail)
        self.status, self.problem, self.headers = status, problem, headers


def problem(status: int, detail: str, **fields: Any) -> Problem:
    return Problem(error=NAMES.get(status, "invalid"), detail=detail, **fields)


def answer(status: int, body: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers)


def field_problems(errors: Any) -> list[FieldProblem]:
    """pydantic / FastAPI errors as (field, problem); the request part (body, query...) is dropped."""
    problems = fields(errors, empty_field="body", drop_first=("body", "query", "path", "header", "cookie"))
    return [FieldProblem(field=where, problem=text) for where, text in problems]


def status_of(exc: Exception) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict | TriggerNotAllowed | GuardRefused):
        return 409
    return 422


def to_problem(exc: Exception) -> Problem:
    """A domain or service error as a Problem (without candidate context)."""
    status = status_of(exc)
    if isinstance(exc, InvalidPayload):
        return problem(
            422,
            str(exc).splitlines()[0].rstrip(":"),
            errors=[FieldProblem(field=f"payload.{f}", problem=p) for f, p in exc.problems],
        )
    if isinstance(exc, UnknownTrigger):
        return problem(422, str(exc), errors=[FieldProblem(field="trigger", problem="is not a known trigger")])
    if isinstance(exc, OutOfOrder | InvalidTime):
        return problem(422, str(exc), errors=[FieldProblem(field="occurred_at", problem=str(exc))])
    if isinstance(exc, TriggerNotAllowed):
        return problem(409, str(exc), allowed_triggers=exc.allowed, stage=exc.stage)
    return problem(status, str(exc))


# Errors of the rules and the application, answered with the status `status_of` gives them.
DOMAIN_ERRORS: tuple[type[Exception], ...] = (
    InvalidInput,
    Conflict,
    NotFound,
    InvalidPayload,
    UnknownTrigger,
    OutOfOrder,
    InvalidTime,
    TriggerNotAllowed,
    GuardRefused,
)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return answer(exc.status, exc.problem, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_problems(exc.errors())
        names = ", ".join(e.field for e in errors)
        return answer(422, problem(422, f"invalid request: {names}", errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        raw: object = exc.detail  # typed str, but FastAPI's HTTPException takes any detail
        detail = raw if isinstance(raw, str) else "request refused"
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 400:  # FastAPI's "error parsing the body" (not UTF-8, not JSON): a bad field too
            errors = [FieldProblem(field="body", problem="is not a JSON document in UTF-8")]
            return answer(422, problem(422, "the request body cannot be read as JSON", errors=errors))
        if exc.status_code == 405:  # one route per method: Starlette's Allow names only the first one found
            headers["Allow"] = ", ".join(_allowed_methods(app, request))
        return answer(exc.status_code, problem(exc.status_code, detail), headers)

    for kind in DOMAIN_ERRORS:

        @app.exception_handler(kind)
        async def _domain(_: Request, exc: Exception) -> JSONResponse:
            return answer(status_of(exc), to_problem(exc))

    _install_database_handlers(app)


def _install_database_handlers(app: FastAPI) -> None:
    """Database states a client can do something about (retry, fix a value), and the unexpected."""

    @app.exception_handler(DatabaseNotReady)
    async def _not_ready(_: Request, exc: DatabaseNotReady) -> JSONResponse:
        return answer(503, problem(503, str(exc)))

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable on %s %s (%s)", request.method, _route(request), type(exc.orig).__name__)
        return answer(503, problem(503, "the database is busy or unreachable; retry shortly"), {"Retry-After": "5"})

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        log.info("unstorable value on %s %s (%s)", request.method, _route(request), type(exc.orig).__name__)
        return answer(422, problem(422, "a value cannot be stored (e.g. a NUL character or a number out of range)"))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The type only: a message or traceback can quote request data (names, emails) via SQL parameters.
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, _route(request))
        return answer(500, problem(500, f"unexpected error ({type(exc).__name__}); see the server log"))


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    from starlette.routing import Match

    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches({**request.scope, "method": "__NONE__"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _route(request: Request) -> str:
    """The route template (/candidates/{ref}), not the concrete path, which may hold an external id."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "(no route)"
