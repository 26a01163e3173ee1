"""Alembic environment: runs on the connection `models.db.upgrade` hands over (`hiring init`, the tests).

Run by hand (`alembic -x url=... upgrade head`, script_location models/migrations), it opens the URL given as
`-x url=`, as `sqlalchemy.url` in the Alembic config, or in HIRING_DATABASE_URL. It reads no application
settings: models/ sits below the application.
"""

import os

from alembic import context
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from models import tables_integrations  # noqa: F401  (the integration tables: webhook deliveries, erasures)

target_metadata = SQLModel.metadata
URL_ENV = "HIRING_DATABASE_URL"


def _run(connection) -> None:  # type: ignore[no-untyped-def]  # Alembic's Connection
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    url = url or os.environ.get(URL_ENV)
    if not url:
        raise SystemExit(f"no database to migrate: pass -x url=..., set sqlalchemy.url, or set {URL_ENV}")
    return url


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from models.db import make_engine

    with make_engine(_url()).connect() as conn:
        _run(conn)
        conn.commit()
