"""Alembic environment for the catalog store; run through :func:`catalog.db.upgrade`, not by hand."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from catalog.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection) -> None:
    # SQLite cannot ALTER most things in place: batch mode copies the table instead.
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")  # catalog.db.upgrade passes its own
    if given is not None:
        run_migrations(given)
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        run_migrations(connection)


run_migrations_online()
