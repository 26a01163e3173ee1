"""The Alembic migrations and the SQLModel tables describe the same schema, and the code knows its head."""

from itertools import pairwise

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from models.db import MIGRATIONS, make_engine, require_schema, upgrade
from models.schema import HEAD


def scripts() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def test_the_code_needs_alembics_single_head() -> None:
    heads = scripts().get_heads()
    assert len(heads) == 1, f"the migrations have several heads {heads}: merge them"
    assert heads == [HEAD], f"models.schema.HEAD is {HEAD!r} but Alembic's head is {heads[0]!r}: update it"


def test_the_migration_chain_is_linear_from_base() -> None:
    revisions = list(scripts().walk_revisions())  # head first
    assert revisions[-1].down_revision is None
    for newer, older in pairwise(revisions):
        assert newer.down_revision == older.revision


def test_migrations_produce_exactly_the_tables_of_the_models(tmp_path) -> None:
    """Upgrade a fresh database, then ask Alembic's autogenerate what it would change: nothing.

    Run with compare_type=True, as models/migrations/env.py does. No noise filter is needed on SQLite:
    the migrations were generated from these models, so types compare equal as declared.
    """
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        require_schema(engine, url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == [], "the models and the migrations differ; generate a migration:\n" + "\n".join(map(str, diff))
    finally:
        engine.dispose()


def test_the_template_database_of_the_fixtures_is_at_head(engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
