"""Alembic environment: the app's metadata, its database URL, batch mode for SQLite."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection, Engine

from app import models  # noqa: F401  (registers every table on Base.metadata)
from app.config import get_settings
from app.db import Base, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _database_url() -> str:
    # Tests and the app hand over their own URL; otherwise the settings decide.
    return config.attributes.get("database_url") or get_settings().database_url


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    # SQLite's FTS5 table for deal search and its shadow tables are not in the models.
    return not (type_ == "table" and name is not None and name.startswith("deal_fts"))


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # An index the models declare for one database only (Index.ddl_if, e.g. Postgres' GIN
    # indexes) is not missing from the others.
    ddl_if = getattr(obj, "_ddl_if", None)
    if type_ != "index" or reflected or ddl_if is None or ddl_if.dialect is None:
        return True
    wanted = (ddl_if.dialect,) if isinstance(ddl_if.dialect, str) else ddl_if.dialect
    return context.get_context().dialect.name in wanted


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=_include_name,
        include_object=_include_object,
        literal_binds=connection is None,
    )


def run_migrations_offline() -> None:
    _configure(url=_database_url())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # Tests (pytest-alembic) may hand over a connection or an engine.
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
        return
    engine = given if isinstance(given, Engine) else make_engine(_database_url())
    with engine.connect() as connection:
        _run(connection)
    if given is None:
        engine.dispose()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
