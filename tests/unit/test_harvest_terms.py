"""The guide's fields in harvesters' terms (catalog/harvest): format lists in the syntaxes platforms write,
EU frequency and access-right terms, CKAN names and search parameters, DCAT paging links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from catalog.harvest import ckan, dcat, terms
from catalog.models import Resource

EU = terms.EU_AUTHORITY


def resource(**fields: object) -> Resource:
    defaults = {"code": "1.01.001/000001", "classification": "1.01.001", "format": "数据库", "share_type": "有条件共享",
                "update_cycle": "每年", "open_to_public": False, "share_method": "接口"}
    return Resource(**{**defaults, **fields})


@pytest.mark.parametrize(("written", "expected"), [
    ("['xml', 'json']", ["xml", "json"]),
    ("[csv,json,rdf,xlsx,xml]", ["csv", "json", "rdf", "xlsx", "xml"]),
    ("CSV、XLS；json", ["csv", "xls", "json"]),
    ("xlsx", ["xlsx"]),
    ("csv, csv", ["csv"]),
    ("", ["数据库"]),
    ("[]", ["数据库"]),
])
def test_formats_are_a_list_whatever_the_syntax(written: str, expected: list[str]) -> None:
    assert terms.formats(resource(format=written)) == expected


def test_file_types_and_media_types() -> None:
    assert terms.file_type("XLSX") == terms.FileType(
        "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert terms.file_type("数据库") is None and terms.file_type("api") is None


@pytest.mark.parametrize(("cycle", "code"), [("实时", "CONT"), ("每日", "DAILY"), ("每季度", "QUARTERLY"),
                                             ("不定期", "IRREG"), ("每半年", "ANNUAL_2"), ("每 3 日", None)])
def test_update_cycles_map_to_eu_frequencies_or_to_nothing(cycle: str, code: str | None) -> None:
    assert terms.frequency(resource(update_cycle=cycle)) == (f"{EU}frequency/{code}" if code else None)


@pytest.mark.parametrize(("interval", "code"), [
    ("P6M", "ANNUAL_2"), ("P2Y", "BIENNIAL"), ("P2W", "BIWEEKLY"), ("PT1H", "HOURLY"), ("P5D", None),
    ("never", "NEVER"), ("unknown", None)])
def test_the_stored_interval_wins_over_the_label(interval: str, code: str | None) -> None:
    """An imported 每两年 is stored as the interval P2Y with no guide label; the interval names the frequency."""
    found = terms.frequency(resource(update_cycle=None, update_interval=interval))
    assert found == (f"{EU}frequency/{code}" if code else None)


@pytest.mark.parametrize(("share_type", "open_to_public", "right"), [
    ("无条件共享", True, "PUBLIC"), ("无条件共享", False, "RESTRICTED"), ("有条件共享", False, "RESTRICTED"),
    ("不予共享", False, "NON_PUBLIC")])
def test_access_rights_follow_the_share_type_and_the_open_attribute(share_type: str, open_to_public: bool,
                                                                   right: str) -> None:
    found = terms.access_right(resource(share_type=share_type, open_to_public=open_to_public))
    assert found == f"{EU}access-right/{right}"


def test_package_names_are_ckan_names_and_distinct() -> None:
    assert ckan.package_name("1.01.001/000001") == "1-01-001--000001"
    assert ckan.package_name("ABC/数据 1") == "abc--___1"
    assert ckan.package_name("1.01/001") != ckan.package_name("1.01.001")


def test_search_parameters_as_ckan_takes_them() -> None:
    query = ckan.parse_search({"q": "*:*", "fq": 'organization:Alpha +tags:"有条件 共享" res_format:CSV',
                               "rows": "25", "start": 50, "sort": "metadata_modified desc, name asc"})
    assert (query.q, query.organizations, query.tags, query.formats) == ("", ("alpha",), ("有条件 共享",), ("csv",))
    assert (query.rows, query.start, query.sort) == (25, 50, [("metadata_modified", True), ("name", False)])


@pytest.mark.parametrize(("params", "field"), [
    ({"rows": "ten"}, "rows"), ({"rows": 1001}, "rows"), ({"start": -1}, "start"),
    ({"fq": "license_id:cc-by"}, "fq"), ({"fq": "organization"}, "fq"), ({"sort": "score sideways"}, "sort"),
    ({"sort": "popularity desc"}, "sort")])
def test_bad_search_parameters_are_validation_errors_naming_the_parameter(params: dict, field: str) -> None:
    with pytest.raises(ckan.CkanError) as raised:
        ckan.parse_search(params)
    assert raised.value.status == 409 and raised.value.body()[field]


def test_paging_links() -> None:
    first = dcat.paging("http://x/api/dcat", page=1, per_page=100, total=250)
    assert first["hydra:last"]["@id"].endswith("page=3&per_page=100") and "hydra:previous" not in first
    last = dcat.paging("http://x/api/dcat", page=3, per_page=100, total=250)
    assert "hydra:next" not in last and last["hydra:previous"]["@id"].endswith("page=2&per_page=100")
    empty = dcat.paging("http://x/api/dcat", page=1, per_page=100, total=0)
    assert empty["hydra:last"] == empty["hydra:first"] and "hydra:next" not in empty


def test_a_package_is_never_modified_before_it_was_created() -> None:
    registered = datetime(2026, 12, 7, 14, 38, tzinfo=UTC)
    older_data = resource(registered_at=registered, last_updated_at=registered - timedelta(minutes=1))
    newer_data = resource(registered_at=registered, last_updated_at=registered + timedelta(days=1))
    assert ckan.modified(older_data) == registered
    assert ckan.modified(newer_data) == registered + timedelta(days=1)
    assert ckan.modified(resource(registered_at=registered, last_updated_at=None)) == registered
