"""Migrations on both databases: upgrade from empty, down to base and up again, no drift."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from pytest_alembic import MigrationContext
from pytest_alembic.tests import (  # noqa: F401  (collected here, on both databases)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import Engine, inspect, select, text

from app.config import PROJECT_ROOT
from app.db import Base, make_engine
from app.models import DealDerived
from app.services.demo import load_demo
from app.unit_of_work import AppSession
from tests.databases import enabled_databases, throwaway_postgres
from tests.test_kept_counts import every_row


@pytest.fixture(params=enabled_databases())
def alembic_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
        yield engine
        engine.dispose()
        return
    with throwaway_postgres("cdt_migrations") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    return config


def test_upgrade_builds_every_table_and_downgrade_removes_them(
    alembic_runner: MigrationContext, alembic_engine: Engine
) -> None:
    alembic_runner.migrate_up_to("heads")
    tables = set(inspect(alembic_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables

    alembic_runner.migrate_down_to("base")
    assert set(inspect(alembic_engine).get_table_names()) <= {"alembic_version"}

    alembic_runner.migrate_up_to("heads")
    assert set(Base.metadata.tables) <= set(inspect(alembic_engine).get_table_names())


def test_case_insensitive_unique_indexes_exist(
    alembic_runner: MigrationContext, alembic_engine: Engine
) -> None:
    alembic_runner.migrate_up_to("heads")
    # SQLAlchemy cannot reflect expression indexes on SQLite, so ask each catalogue directly.
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if alembic_engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes"
    )
    with alembic_engine.connect() as connection:
        names = set(connection.scalars(text(query)))
    assert {
        "uq_organization_name_lower",
        "uq_organization_alias_alias_lower",
        "uq_hardware_name_lower",
        "uq_user_account_email_lower",
    } <= names


def test_the_overview_counts_are_filled_as_the_app_keeps_them(
    alembic_runner: MigrationContext, alembic_engine: Engine
) -> None:
    """Revision a7c3e5f9b214 fills the overview's kept counts and each rumor's official-word
    delay from the deals already there: the same rows the writes keep and a recount gives."""
    alembic_runner.migrate_up_to("heads")
    with AppSession(alembic_engine) as session:
        load_demo(session)
        kept = every_row(session, kept=True)
        days = dict(session.execute(select(DealDerived.deal_id, DealDerived.official_days)).all())
    assert kept == every_row_of(alembic_engine, kept=False)
    assert kept["outcome"] and kept["quarter_group_usd"] and kept["provider_mw"]
    assert any(d is not None for d in days.values())

    alembic_runner.migrate_down_to("d8f2a4c6e1b3")
    with alembic_engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("deal_derived")}
        dimensions = set(connection.scalars(text("SELECT DISTINCT dimension FROM facet_count")))
    assert "official_days" not in columns and "outcome" not in dimensions

    alembic_runner.migrate_up_to("heads")
    assert every_row_of(alembic_engine, kept=True) == kept
    with AppSession(alembic_engine) as session:
        assert (
            dict(session.execute(select(DealDerived.deal_id, DealDerived.official_days)).all())
            == days
        )


def every_row_of(engine: Engine, *, kept: bool) -> dict[str, dict[str, tuple[int, float]]]:
    with AppSession(engine) as session:
        return every_row(session, kept=kept)
