"""The catalog store on SQLite and on PostgreSQL: migrations apply (twice, harmlessly) and the sharing
rules hold on both, including two approvals of one application racing each other."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from catalog import db, sharing
from catalog.models import Base, DataItem, Department, Resource
from tests.conftest import POSTGRES_DSN, TEST_USCC

TABLES = {"department", "resource", "data_item", "resource_version", "application", "correction", "api_key",
          "call_log", "audit_log", "daily_stat", "street_count", "export", "verification", "usage_record", "rating",
          "data_request", "directory_mapping", "alembic_version"}
HEAD = ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_current_head()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite'}"
        return
    name = f"catalog_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    base = POSTGRES_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    yield url
    db.engine(url).dispose()
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_migrations_build_exactly_the_models(store_url: str) -> None:
    """Alembic's autogenerate finds nothing to add: every table, column and index of ``catalog.models`` is
    made by a migration, so a store upgraded in place equals one a newer release would create."""
    db.upgrade(store_url)
    with db.engine(store_url).connect() as con:
        assert compare_metadata(MigrationContext.configure(con), Base.metadata) == []


def seed(url: str) -> int:
    """A provider, a consumer and one conditional resource; returns the resource id."""
    with db.session(url) as session:
        provider = Department(code="alpha", name="甲局", uscc=TEST_USCC)
        consumer = Department(code="beta", name="乙局", uscc="91350100M000100Y43")
        resource = Resource(code="1.01.001/000001", classification="1.01.001", sequence=1, source_key="raw.a__b",
                            layer="raw", name="人口", provider=provider, share_type="有条件共享",
                            share_conditions="限履职", update_cycle="每日", registered_at=datetime.now(UTC))
        resource.items = [DataItem(position=1, column_name="name", name="姓名", type_code="C")]
        session.add_all([provider, consumer, resource])
        session.flush()
        return resource.id


def test_migrations_create_every_table_and_are_idempotent(store_url: str) -> None:
    db.upgrade(store_url)
    db.upgrade(store_url)
    names = set(inspect(db.engine(store_url)).get_table_names())
    assert names >= TABLES
    with db.engine(store_url).connect() as con:
        assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD


def test_each_migration_keeps_the_rows_already_stored_and_can_be_undone(store_url: str) -> None:
    db.upgrade(store_url, "0001")
    with db.engine(store_url).begin() as con:
        con.execute(text("INSERT INTO department (id, code, name, uscc, kind) VALUES (1, 'alpha', '甲局', :uscc, 'x')"),
                    {"uscc": TEST_USCC})
        con.execute(text("INSERT INTO resource (id, code, classification, sequence, source_key, layer, name, "
                         "provider_id, abstract, format, share_type, share_method, open_to_public, update_cycle, "
                         "related_codes, upstream, active, registered_at) VALUES (1, '1.01.001/000001', '1.01.001', "
                         "1, 'raw.a__b', 'raw', '人口', 1, '', '数据库', '无条件共享', '接口', false, '每日', '[]', "
                         "'[]', true, CURRENT_TIMESTAMP)"))
    db.upgrade(store_url)
    with db.session(store_url) as session:
        kept = session.scalar(select(Resource).where(Resource.code == "1.01.001/000001"))
        assert kept.name == "人口" and kept.block_column is None and kept.street_counts == []
    db.downgrade(store_url, "0001")
    assert "street_count" not in inspect(db.engine(store_url)).get_table_names()
    with db.engine(store_url).connect() as con:
        assert con.execute(text("SELECT name FROM resource")).scalar() == "人口"


def test_two_racing_approvals_cannot_both_win(store_url: str) -> None:
    db.upgrade(store_url)
    resource_id = seed(store_url)
    with db.session(store_url) as session:
        consumer = session.scalar(select(Department).where(Department.code == "beta"))
        filed = sharing.apply(session, session.get(Resource, resource_id), consumer,
                              sharing.ApplicationRequest(["name"], "核查"))
        number = filed.id
    outcomes = []
    with db.session(store_url) as first, db.session(store_url) as second:
        a, b = first.get(sharing.Application, number), second.get(sharing.Application, number)
        provider_a = first.scalar(select(Department).where(Department.code == "alpha"))
        provider_b = second.scalar(select(Department).where(Department.code == "alpha"))
        sharing.decide(first, a, provider_a, approve=True, reason="同意")
        first.commit()
        try:
            sharing.decide(second, b, provider_b, approve=False, reason="不同意")
            second.commit()
            outcomes.append("both")
        except sharing.Conflict:
            second.rollback()
            outcomes.append("conflict")
    assert outcomes == ["conflict"]
    with db.session(store_url) as session:
        assert session.get(sharing.Application, number).status == "approved"
