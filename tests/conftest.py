"""Shared fixtures: a migrated database per test (copied from a template built once), a fixed clock,
an open requisition and a candidate factory.

The database fixtures run every test twice: on SQLite (a copied file) and on PostgreSQL (a database
created from a migrated template). PostgreSQL needs HIRING_TEST_POSTGRES_URL (`.ci/postgres.sh` starts a
cluster and prints it); without it those cases are skipped with that reason, and the SQLite half runs.
"""

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from hiring import service
from models.db import make_engine, upgrade
from states.intake import NewCandidate
from states.requisition import RequisitionSpec
from states.stages import Stage
from tests.support import payloads
from tests.support.db import add_interviewer
from tests.support.instants import T0 as T0_VALUE  # also the `T0` fixture below
from tests.support.procs import clear_cached_settings

# Fixtures shared beyond one directory that are no part of this file: real local Slack and SMTP servers.
pytest_plugins = ["tests.plugins.notify_servers"]

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_URL = os.environ.get("HIRING_TEST_POSTGRES_URL")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session by Alembic; tests get copies of it."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the main file
    assert not path.with_name(path.name + "-wal").exists(), "template WAL was not checkpointed"
    return path


def _pg_admin() -> Engine:
    from sqlalchemy import create_engine

    assert POSTGRES_URL
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated to head once per session by Alembic; tests get copies of it."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL: HIRING_TEST_POSTGRES_URL is not set (run .ci/postgres.sh to start a cluster)")
    name = f"hiring_tpl_{os.getpid()}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine = make_engine(_pg_url(name))
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database at the schema head, private to this test."""
    if request.param == "sqlite":
        path = tmp_path / "hiring.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield sqlite_url(path)
        return
    template = request.getfixturevalue("postgres_template")
    name = f"hiring_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No app setting from the developer's shell (HIRING_DATABASE_URL, HIRING_NOW, ...) leaks into a test,
    and settings cached by an earlier test are rebuilt."""
    from hiring.settings import Settings

    for name in Settings.model_fields:
        monkeypatch.delenv(f"HIRING_{name.upper()}", raising=False)
    clear_cached_settings()
    yield
    clear_cached_settings()


# --- time ---------------------------------------------------------------------------------------


@pytest.fixture
def T0() -> datetime:
    return T0_VALUE


@dataclass
class Clock:
    """A test clock to pass explicitly: `apply_event(..., **clock.at())` or `now=clock.now`."""

    now: datetime

    def tick(self, **delta: float) -> datetime:
        self.now += timedelta(**delta) if delta else timedelta(minutes=1)
        return self.now

    def at(self) -> dict[str, datetime]:
        """occurred_at and now, both the clock's current time."""
        return {"occurred_at": self.now, "now": self.now}


@pytest.fixture
def clock(T0: datetime) -> Clock:
    return Clock(T0)


# --- data ---------------------------------------------------------------------------------------


@pytest.fixture
def open_requisition(engine: Engine, T0: datetime) -> int:
    """Id of an open, complete requisition with the band 120000-150000 EUR; its technical screens are held by
    payloads.INTERVIEWER, who is in the people directory."""
    add_interviewer(engine)
    spec = RequisitionSpec.model_validate(payloads.requisition())
    req = service.add_requisition(engine, spec, now=T0)
    assert req.id is not None
    service.open_requisition(engine, req.id, now=T0)
    return req.id


@pytest.fixture
def candidate(engine: Engine, open_requisition: int, T0: datetime) -> Callable[..., int]:
    """Factory: add a candidate (in `sourced`, version 1, created at T0) and return its id."""
    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> int:
        n = next(counter)
        fields = payloads.new_candidate(overrides.pop("requisition_id", open_requisition), n, **overrides)
        [cid] = service.add_candidates(engine, [NewCandidate.model_validate(fields)], actor="test", now=T0)
        return cid

    return make


class Driver:
    """Applies events through the service with the test clock: one minute later for every event."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    def __call__(
        self, cid: int | str, trigger: str, payload: dict[str, Any] | None = None, **kwargs: Any
    ) -> service.EventOutcome:
        self.clock.tick()
        if payload is None:
            payload = payloads.valid(trigger, self.stage(cid), self.clock.now)
        kwargs.setdefault("actor", "test")
        return service.apply_event(self.engine, cid, trigger, payload, **{**self.clock.at(), **kwargs})

    def stage(self, cid: int | str) -> Stage:
        from hiring.queries import show_candidate

        return Stage(show_candidate(self.engine, str(cid))["stage"])

    def to(self, cid: int | str, stage: Stage | str) -> None:
        """Move a candidate from `sourced` to `stage` along the main path."""
        for trigger, payload in payloads.path_to(stage):
            self(cid, trigger, payload)


@pytest.fixture
def drive(engine: Engine, clock: Clock) -> Driver:
    """`drive(cid, trigger[, payload])` applies one event; `drive.to(cid, stage)` walks the main path."""
    return Driver(engine, clock)


# --- Prefect --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """One temporary Prefect server for the whole session (a harness per test would cost ~8 s each); flow
    runs skip the engine's heartbeat wait and the server stores events every half second instead of five."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    fast = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None, PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL: 0.5}
    with temporary_settings(updates=fast), prefect_test_harness():
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def app_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Flows find the test's database through settings, as they do in production."""
    monkeypatch.setenv("HIRING_DATABASE_URL", db_url)
    for var in ("HIRING_NOW", "HIRING_POLICY_FILE", "HIRING_HEAD_OF_TALENT"):
        monkeypatch.delenv(var, raising=False)
    clear_cached_settings()
    yield db_url
    clear_cached_settings()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Skips, one line per reason with a count (addopts shows no per-test skip lines: without PostgreSQL
    there would be hundreds of identical ones)."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"SKIPPED {count} test(s): {reason}")
