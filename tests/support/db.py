"""Reading the app database back in tests: event logs, candidate rows, and "did anything change"; and the one
person the technical screens of tests/support/payloads.py need in the directory."""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

import models.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from models.db import make_engine
from models.tables import Candidate, Event

T = TypeVar("T")


def events_of(engine: Engine, cid: int) -> list[Event]:
    with Session(engine) as session:
        query = select(Event).where(Event.candidate_id == cid).order_by(Event.seq)  # type: ignore[arg-type]
        return list(session.execute(query).scalars())


def candidate_row(engine: Engine, cid: int) -> dict[str, Any]:
    with Session(engine) as session:
        cand = session.get(Candidate, cid)
        assert cand is not None, f"no candidate {cid}"
        return cand.model_dump()


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, for every table the app has (timers, outbox... included as they are added)."""
    tables = SQLModel.metadata.sorted_tables
    query = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables))
    with Session(engine) as session:
        return dict(session.execute(query).one()._mapping)


def fingerprint(engine: Engine, cid: int) -> tuple[dict[str, Any], dict[str, int]]:
    """The candidate's row and the row count of every table: equal before and after = nothing written."""
    return candidate_row(engine, cid), table_counts(engine)


def add_interviewer(engine: Engine, handle: str = "dana") -> None:
    """Put the interviewer of payloads.technical_screen() (payloads.INTERVIEWER) in the people directory."""
    from hiring.people import add_person, parse_person

    add_person(engine, parse_person({"handle": handle, "name": "Dana Interviewer", "role": "interviewer"}))


def migrate(engine: Engine, command: str, revision: str) -> None:
    """Alembic's upgrade or downgrade to `revision`, on the test's database."""
    from alembic import command as commands
    from alembic.config import Config

    from models.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        getattr(commands, command)(cfg, revision)
        conn.commit()


def built_file(template: Path, folder: Path, build: Callable[[Engine], T]) -> tuple[Path, T]:
    """A copy of the migrated SQLite template in `folder` with `build`'s rows in it, for tests to copy."""
    path = folder / "built.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        ids = build(engine)
    finally:
        engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path, ids
