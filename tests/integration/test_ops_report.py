"""The operations report judges freshness by the data's own time: a table loaded a minute ago whose
newest record is a year old is late; a table without a business time is dated by its load, and says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from blocklake import lake
from blocklake.published import published_versions
from catalog import db, requests
from catalog.models import Department, Rating, Resource, UsageRecord, Verification
from catalog.ops_report import write_ops_report
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute

AS_OF = "2026-10-31"
DIRECTORY = {"classification": "3.01.001", "share_type": "无条件共享"}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("ops")
    source = root / "delta.sqlite"
    sqlite_execute(source, "CREATE TABLE stale (id INTEGER, updated_at TIMESTAMP)")
    sqlite_execute(source, "INSERT INTO stale VALUES (?, ?)", [(1, "2025-09-30 08:00:00"), (2, "2025-10-02 17:30:00")])
    sqlite_execute(source, "CREATE TABLE current (id INTEGER, changed TEXT)")
    sqlite_execute(source, "INSERT INTO current VALUES (?, ?)", [(1, "2026-10-30 09:00:00"), (2, "not a time")])
    sqlite_execute(source, "CREATE TABLE plain (id INTEGER, note TEXT)")
    sqlite_execute(source, "INSERT INTO plain VALUES (1, 'x')")
    tables = [
        {"name": "stale", "title": "过期表", "object": "stale", "primary_key": ["id"], "update_cycle": "每日",
         "load": {"mode": "incremental", "cursor": "updated_at"}, "directory": DIRECTORY},
        {"name": "current", "title": "及时表", "object": "current", "primary_key": ["id"], "update_cycle": "每日",
         "freshness_column": "changed", "directory": DIRECTORY},
        {"name": "plain", "title": "无业务时间表", "object": "plain", "primary_key": ["id"], "update_cycle": "每日",
         "directory": DIRECTORY},
    ]
    with registered_lake(root, {"delta": SourceDepartment(TEST_USCC, source, tables)}, AS_OF=AS_OF):
        add_feedback()
        path = write_ops_report()
        con = lake.connect(read_only=True)
        try:
            versions = published_versions(con)
        finally:
            con.close()
        yield versions, path.read_text(encoding="utf-8")


def add_feedback() -> None:
    """A verification call, a usage record, a low rating and a good one, by the bureau on the stale table."""
    now = datetime.now(UTC)
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.name == "过期表"))
        bureau = session.scalar(select(Department).where(Department.code == "bureau"))
        session.add(Verification(at=now, consumer_id=bureau.id, resource_id=resource.id, snapshot_id=1,
                                 application_ids=[], key_item="id", method="batch", keys=40, found=38,
                                 key_digests=[]))
        session.add(UsageRecord(at=now, consumer=bureau, resource=resource, used_for="年度考核"))
        session.add(Rating(at=now, consumer=bureau, resource=resource, accuracy=4, timeliness=1, completeness=4,
                           comment="数据停在去年十月"))
        session.add(Rating(at=now, consumer=bureau, resource=resource, accuracy=5, timeliness=5, completeness=5,
                           comment="很好"))


def status(page: str, title: str) -> tuple[str, str, str]:
    """(basis, newest, status) of the freshness row of ``title``."""
    row = re.search(rf"<tr><td>测试delta局 · {title}</td><td>每日</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
                    page)
    assert row, title
    return row[1], row[2], row[3]


def test_the_gate_records_each_publications_newest_record_by_business_time(report) -> None:
    versions, _ = report
    assert versions["raw.delta__stale"].data_until == datetime(2025, 10, 2, 17, 30)
    assert versions["raw.delta__current"].data_until == datetime(2026, 10, 30, 9, 0), "text that is no time is left out"
    assert versions["raw.delta__plain"].data_until is None
    assert versions["raw.delta__plain"].record_count == 1


def test_a_table_loaded_just_now_with_year_old_records_is_late(report) -> None:
    _, page = report
    assert status(page, "过期表") == ("数据时间（updated_at）", "2025-10-02 17:30", "超期")
    assert status(page, "及时表") == ("数据时间（changed）", "2026-10-30 09:00", "正常")
    basis, _, state = status(page, "无业务时间表")
    assert (basis, state) == ("入湖时间（表无业务时间）", "正常")


def test_the_report_counts_verification_usage_and_ratings_and_lists_low_ratings(report) -> None:
    _, page = report
    for label, value in [("核验调用", "1"), ("核验条数", "40"), ("使用登记", "1"), ("共享评价", "2")]:
        assert f"<tr><td>{label}</td><td>{value}</td></tr>" in page, label
    low = page[page.index("低分共享评价"):]
    low = low[:low.index("</section>")]
    assert "1 条" in low and "数据停在去年十月" in low and "过期表" in low and "很好" not in low


def test_data_requests_past_their_deadline_are_listed(report) -> None:
    """Judged at the pipeline's today (2026-10-31): assigned on 20 October, due 27 October, is overdue;
    assigned on 28 October (due 4 November) is not; nor is an answered one."""
    with db.session() as session:
        departments = {d.code: d for d in session.scalars(select(Department))}
        delta, bureau = departments["delta"], departments["bureau"]
        for title, assigned_at in [("超期的需求", datetime(2026, 10, 20, 2, tzinfo=UTC)),
                                   ("未到期的需求", datetime(2026, 10, 28, 2, tzinfo=UTC)),
                                   ("已答复的需求", datetime(2026, 10, 20, 2, tzinfo=UTC))]:
            found = requests.file(session, delta, requests.RequestForm(title, "测试", []), now=assigned_at)
            requests.assign(session, found, bureau, by="bureau", is_admin=True, now=assigned_at)
        requests.answer(session, found, bureau, will_provide=False, provide_by=None, text="无此数据",
                        now=datetime(2026, 10, 21, 2, tzinfo=UTC))
    page = write_ops_report().read_text(encoding="utf-8")
    section = page[page.index("超期未答复的数据需求"):]
    assert section.startswith("超期未答复的数据需求（1 件）")
    assert "<td>超期的需求</td><td>测试delta局</td>" in section and "<td>2026-10-27</td>" in section
    assert "未到期的需求" not in section and "已答复的需求" not in section
