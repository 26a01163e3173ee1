"""Which schema revision the database is at (for /health): None when it has no hiring schema yet."""

from sqlalchemy import Engine, inspect


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision of the database; raises whatever the driver raises when it is unreachable."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
