"""The catalog store's engine, sessions and migrations.

``BLOCKLAKE_CATALOG_DB`` is a SQLAlchemy URL: SQLite under ``$BLOCKLAKE_HOME/catalog`` by default,
``postgresql+psycopg://…`` in production. :func:`upgrade` brings any store to the newest schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from blocklake.settings import Settings, get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    if settings.catalog_db:
        return settings.catalog_db
    folder = settings.home / "catalog"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'catalog.sqlite'}"


@cache
def engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # As many connections as the API's worker threads (anyio's default 40): a request waiting for a
        # connection would hold its thread while others wait for threads.
        created = create_engine(url, connect_args={"timeout": 30}, pool_size=40, max_overflow=0)
        event.listen(created, "connect", _sqlite_pragmas)
        return created
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the API read while the pipeline refreshes; foreign keys are off in SQLite unless asked.
    # synchronous=NORMAL is SQLite's advice for WAL: a commit no longer waits for fsync (most of a
    # verification call's commit), the store cannot be corrupted, and only a power cut — not a crash of
    # the process — can undo the last commits before the next checkpoint. A bureau that cannot accept that
    # runs the store on PostgreSQL (BLOCKLAKE_CATALOG_DATABASE_URL), as the cluster profile does.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrate the store to the newest schema, or to ``revision`` (idempotent)."""
    _migrate(url or database_url(), command.upgrade, revision)


def downgrade(url: str, revision: str) -> None:
    _migrate(url, command.downgrade, revision)


def _migrate(url: str, step, revision: str) -> None:
    with engine(url).connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # SQLite alters a table by copying it; its foreign keys would refuse the copy's drop
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # the pragma is ignored inside a transaction; end the one it began
        try:
            with connection.begin():
                config = alembic_config(url)
                config.attributes["connection"] = connection
                step(config, revision)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    factory = sessionmaker(engine(url or database_url()), expire_on_commit=False)
    with factory() as current:
        try:
            yield current
            current.commit()
        except BaseException:
            current.rollback()
            raise
