"""Engine, transactions and the schema check. Every write goes through `transaction()`."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, Result, Row, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from models.urls import redact_url

MIGRATIONS = Path(__file__).parent / "migrations"
WRITE = "hiring_write"  # execution option that marks a transaction as a writer (SQLite: BEGIN IMMEDIATE)


DEFAULT_BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for another process's write lock


class DatabaseNotReady(Exception):
    """The database is missing or its schema is older than this code."""


class DatabaseBusy(OperationalError):
    """Another process held the write lock longer than the busy timeout: retrying later will work.

    An OperationalError still (callers that retry transient errors keep doing so), whose message says what
    happened without the SQL statement or its parameters (which can hold names and emails).
    """

    def __str__(self) -> str:
        return "the database is busy (another process holds its write lock); retry in a few seconds"


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "busy" after its busy timeout, or PostgreSQL's lock_not_available."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text or getattr(exc.orig, "sqlstate", None) == "55P03"


def make_engine(url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """The engine for `url`; on SQLite, writers wait up to `busy_timeout` seconds for the write lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout})
    busy_ms = round(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:  # the driver's connection: sqlite3's
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Writers take the write lock up front: a deferred transaction that read a row another process then
        # changed cannot upgrade to a writer, and fails with "database is locked" instead of waiting.
        # Readers begin deferred, so WAL lets them run beside a writer.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits if the block succeeds, rolls everything back if it raises.

    A write lock still held by another process after the busy timeout raises DatabaseBusy.
    """
    try:
        with Session(engine.execution_options(**{WRITE: True}), expire_on_commit=False) as session, session.begin():
            yield session
    except OperationalError as exc:
        if exc.orig is not None and is_busy(exc) and not isinstance(exc, DatabaseBusy):  # busy: orig is set
            raise DatabaseBusy(exc.statement, None, exc.orig) from exc
        raise


def head_revision() -> str:
    from models.schema import HEAD

    return HEAD


def require_schema(engine: Engine, url: str) -> None:
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseNotReady(f"no database at {path}: run `hiring init` to create it")
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            raise DatabaseNotReady(f"the database at {redact_url(engine.url)} has no hiring schema: run `hiring init`")
        current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if current != head_revision():
        raise DatabaseNotReady(
            f"the database schema is at revision {current}, this version needs {head_revision()}: "
            "run `hiring init` to upgrade it"
        )


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to head with Alembic."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


def insert_ignoring_duplicates(session: Session, table: type[SQLModel], values: dict[str, Any]) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None if it already existed.

    This is what makes "fire once" hold across sweeps, crashes and concurrent sweepers: the unique key
    decides, in the database, who fired first.
    """
    stmt = _dialect_insert(session, table).values(**values).on_conflict_do_nothing().returning(table.id)  # type: ignore[attr-defined]  # every such table has an id
    new_id: int | None = session.execute(stmt).scalar_one_or_none()
    return new_id


def insert_many_ignoring_duplicates(
    session: Session, table: type[SQLModel], rows: list[dict[str, Any]], *returning: Any
) -> list[Row[*tuple[Any, ...]]]:
    """insert_ignoring_duplicates for many rows at once: a multi-row INSERT ... ON CONFLICT DO NOTHING
    RETURNING `returning`. Only the rows this statement inserted come back, in no particular order; a row
    whose unique key already existed (another sweep, a concurrent sweeper) is skipped, as one at a time.
    """
    if not rows:
        return []
    stmt = _dialect_insert(session, table).on_conflict_do_nothing().returning(*returning)
    return list(session.connection().execute(stmt, rows).all())


def _dialect_insert(session: Session, table: type) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    raise NotImplementedError(f"database {dialect} is not supported")  # pragma: no cover - not supported yet


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched: Session.execute types its result as a Result, but for
    these statements it is a CursorResult, which counts them."""
    return cast(CursorResult[Any], result).rowcount


def is_postgres(engine_or_session: Engine | Connection | Session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "postgresql"


def database_now(conn: Session | Connection) -> datetime:
    """The database's own clock, never HIRING_NOW: the one clock all processes share (SQLite: this machine's)."""
    dialect = conn.get_bind().dialect if isinstance(conn, Session) else conn.dialect
    value: datetime
    if dialect.name == "postgresql":
        value = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    else:
        value = datetime.fromisoformat(conn.execute(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).scalar_one())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
