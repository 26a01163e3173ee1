"""Fixtures of the integration tests: the report tests' fixed event log, loaded into the test's database."""

import shutil
from pathlib import Path

import pytest

from models.db import make_engine
from tests.support.db import built_file
from tests.support.report_log import build_log


@pytest.fixture(scope="session")
def log_file(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The log built once per session (about a second) into a SQLite file that tests copy."""
    return built_file(sqlite_template, tmp_path_factory.mktemp("reports"), build_log)


@pytest.fixture
def log(request: pytest.FixtureRequest, db_url: str) -> dict[str, int]:
    """The test's own database holds the fixed log; returns candidate ids by letter."""
    if db_url.startswith("sqlite:///"):
        path, ids = request.getfixturevalue("log_file")
        shutil.copyfile(path, db_url.removeprefix("sqlite:///"))
        return ids
    engine = make_engine(db_url)
    try:
        return build_log(engine)
    finally:
        engine.dispose()
