"""The FastAPI application: the same service functions as the CLI, over HTTP.

`create_app()` builds it from settings (HIRING_DATABASE_URL, HIRING_API_TOKENS, HIRING_API_MAX_BODY_BYTES,
HIRING_GREENHOUSE_SECRET); tests pass an engine, settings and a policy. `hiring api` serves it with uvicorn.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from hiring.api import errors
from hiring.api.deps import known_query
from hiring.api.middleware import AccessLog, BearerAuth, BodyLimit
from hiring.api.routes import candidates, operations, requisitions, system, webhooks
from hiring.bootstrap import open_engine
from hiring.settings import Settings, get_settings
from states.policy import Policy

PUBLIC_PATHS = ("/health", webhooks.GREENHOUSE_PATH)  # the webhook is authenticated by its signature

DESCRIPTION = """Hiring of AI engineers as code: requisitions, candidates moving through a stage graph, SLA
timers, the outbox of notifications, and Greenhouse webhooks.

Every route but `/health` and `/webhooks/greenhouse` needs `Authorization: Bearer <token>` (HIRING_API_TOKENS).
Errors are JSON `Problem`s: 422 names each bad field, 409 lists the triggers the candidate accepts now."""


def create_app(engine: Engine | None = None, settings: Settings | None = None, policy: Policy | None = None) -> FastAPI:
    """The API over `engine` (default: the database in settings). `policy` overrides the policy file."""
    settings = settings or get_settings()
    owned = engine is None
    engine = engine or open_engine(settings, check_schema=False)  # /health says whether the schema is ready

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            engine.dispose()

    app = FastAPI(
        title="hiring-pipeline",
        version="1",
        description=DESCRIPTION,
        docs_url=None,  # the interactive docs could not send the token; the document is at /openapi.json
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(known_query)],
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.policy = policy
    errors.install(app)
    app.include_router(system.router)
    app.include_router(requisitions.router)
    app.include_router(candidates.router)
    app.include_router(operations.router)
    report = operations.report_router()
    if report is not None:
        app.include_router(report)
    app.include_router(webhooks.public)
    app.include_router(webhooks.router)
    # Added last = runs first: the token is checked before the body is even read.
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(BearerAuth, tokens=[t.get_secret_value() for t in settings.api_tokens], public=PUBLIC_PATHS)
    app.add_middleware(AccessLog)
    return app
