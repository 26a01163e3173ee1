"""Serving the API with uvicorn (`hiring api`, or `python -m hiring.api`)."""

import logging

from sqlalchemy import Engine

from hiring.settings import get_settings

log = logging.getLogger("hiring.api")


def serve(engine: Engine, host: str | None = None, port: int | None = None, log_level: str = "info") -> None:
    import uvicorn

    from hiring.api.app import create_app

    settings = get_settings()
    host = host or settings.api_host
    port = port or settings.api_port
    if not settings.api_tokens:
        logging.basicConfig(level=logging.INFO)
        log.warning("HIRING_API_TOKENS is empty: every route but /health and the webhook answers 401")
    # uvicorn's own access log prints concrete paths and query strings; the app's (hiring.api.access) prints
    # route templates only, so no external id or search term reaches the log.
    config = dict(uvicorn.config.LOGGING_CONFIG)
    config["loggers"] = {**config["loggers"], "hiring": {"handlers": ["default"], "level": log_level.upper()}}
    uvicorn.run(
        create_app(engine, settings), host=host, port=port, log_level=log_level, access_log=False, log_config=config
    )
