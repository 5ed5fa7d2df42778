"""Item 13 of the reliability suite, as properties over generated people: no mask — in Python or in
the SQL that exports and the SQL endpoint run — lets a checksum-valid resident ID or a full mobile
number through, and pseudonyms link within one consumer and never across two."""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from blocklake import masking
from blocklake.identifiers import is_valid_resident_id
from tests.reliability.tally import TALLY

REGIONS = ("440305", "110105", "310104", "330106", "510107")
CHECK = "0123456789X"


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    born = date(1900, 1, 1) + timedelta(days=draw(st.integers(0, 43_000)))
    body = f"{draw(st.sampled_from(REGIONS))}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return next(body + c for c in CHECK if is_valid_resident_id(body + c))


mobiles = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)
names = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4)
people = st.tuples(resident_ids(), mobiles, names)


def leaks(text: str, resident_id: str, mobile: str) -> bool:
    """Also counted: every value checked, and every leak found (before the test fails on it)."""
    TALLY.add("pii_values_checked", 2)
    found = _leaks(text, resident_id, mobile)
    TALLY.add("pii_leaks", int(found))
    return found


def _leaks(text: str, resident_id: str, mobile: str) -> bool:
    valid_ids = [c for c in re.findall(r"\d{17}[\dX]", text) if is_valid_resident_id(c)]
    return bool(valid_ids) or mobile in text or resident_id in text


@settings(max_examples=300, deadline=None)
@given(people)
def test_python_masks_never_show_a_valid_id_or_a_full_mobile(person: tuple[str, str, str]) -> None:
    resident_id, mobile, name = person
    shown = " ".join([masking.mask("resident_id", resident_id), masking.mask("phone", mobile),
                      masking.mask("mobile", mobile), masking.mask("person_name", name)])
    assert not leaks(shown, resident_id, mobile)
    assert masking.mask("person_name", name) == name[0] + "*"


@settings(max_examples=50, deadline=None)
@given(st.lists(people, min_size=1, max_size=40))
def test_sql_masks_never_show_a_valid_id_or_a_full_mobile(batch: list[tuple[str, str, str]]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE p (resident_id VARCHAR, mobile VARCHAR, name VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?, ?)", batch)
    shown = con.execute(f"SELECT {masking.sql_mask('resident_id', 'resident_id')}, "
                        f"{masking.sql_mask('phone', 'mobile')}, {masking.sql_mask('person_name', 'name')} "
                        "FROM p").fetchall()
    for (resident_id, mobile, _), row in zip(batch, shown, strict=True):
        assert not leaks(" ".join(row), resident_id, mobile)


@settings(max_examples=50, deadline=None)
@given(st.lists(resident_ids(), min_size=2, max_size=30, unique=True), st.binary(min_size=8, max_size=64))
def test_pseudonyms_link_within_a_consumer_and_never_across(values: list[str], secret: bytes) -> None:
    alpha, beta = masking.consumer_key(secret, "alpha"), masking.consumer_key(secret, "beta")
    con = duckdb.connect()
    in_sql = con.execute(f"SELECT list_transform($v, x -> {masking.sql_pseudonym(alpha, 'x')})",
                         {"v": values}).fetchone()[0]
    mine = [masking.pseudonym(alpha, v) for v in values]
    theirs = [masking.pseudonym(beta, v) for v in values]
    assert in_sql == mine  # the same in SQL and Python: stable across bundles and the SQL endpoint
    assert len(set(mine)) == len(values)  # distinct people stay distinct
    assert not set(mine) & set(theirs)  # two consumers cannot join on them
    assert not any(v in p for v in values for p in mine)
