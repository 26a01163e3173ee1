"""Alembic environment: runs on the connection `models.db.upgrade` hands over (or the URL in settings)."""

from alembic import context
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from models import tables_integrations  # noqa: F401  (the integration tables: webhook deliveries, erasures)

target_metadata = SQLModel.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from hiring.settings import get_settings
    from models.db import make_engine

    with make_engine(get_settings().database_url).connect() as conn:
        _run(conn)
        conn.commit()
