"""The directory harvestable (issue 21, part 4): as DCAT-AP 3 in JSON-LD, parsed by rdflib with no network and
validated by pyshacl against DCAT-AP 3's constraints (tests/data/dcat_ap_3_shapes.ttl), and through CKAN's
Action API, read by ``ckanapi`` (a harvester's client) from a real uvicorn server on loopback. Both show what
the public directory lists and nothing else.

The catalog is the API tests' (three departments' published tables), and beside them a directory of a
couple of thousand resources written as other platforms write them (format lists in several syntaxes,
update cycles the guide has no label for), a few of them no longer listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from ckanapi import NotFound, RemoteCKAN, ValidationError
from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from sqlalchemy import select

from catalog import db
from catalog.harvest.ckan import package_name
from catalog.models import DataItem, Department, Resource
from tests.browser import test_catalog_ui as ui_tests
from tests.integration import test_catalog_api as api_tests

catalog_home, keys, client, catalog_url = api_tests.catalog_home, api_tests.keys, api_tests.client, ui_tests.catalog_url

SHAPES = Path(__file__).resolve().parents[1] / "data" / "dcat_ap_3_shapes.ttl"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
EU = "http://publications.europa.eu/resource/authority/"
IMPORTED = 2_000  # resources beside the lake's five
UNLISTED_EVERY = 250  # every 250th of them is no longer active: not listed anywhere
# Formats and cycles as other platforms write them (kinds, not a list to match).
FORMATS = ["['xml', 'json']", "[csv,json,rdf,xlsx,xml]", "xlsx", "api", "数据库", "CSV、XLS", "file"]
CYCLES = ["每日", "每月", "每季度", "每年", "实时", "不定期", "每半年", "每 3 日"]


@pytest.fixture(scope="module")
def directory(catalog_home: Path) -> dict[str, set[str]]:
    """The imported resources added to the catalog; the codes listed and the codes not listed."""
    listed, unlisted = set(), set()
    with db.session() as session:
        providers = list(session.scalars(select(Department).where(Department.code.in_(("alpha", "beta", "gamma")))))
        for number in range(IMPORTED):
            resource = imported_resource(number, providers[number % len(providers)])
            session.add(resource)
            (unlisted if not resource.active else listed).add(resource.code)
    return {"listed": listed, "unlisted": unlisted}


def imported_resource(number: int, provider: Department) -> Resource:
    classification = f"3.{number % 9 + 1:02d}.{number // 100 + 100:03d}"
    code = f"{classification}/{number:06d}"
    return Resource(
        code=code, classification=classification, sequence=number, source_key=f"imported.resource_{number}",
        layer="raw", name=f"导入资源{number}", provider=provider,
        abstract="" if number % 3 else f"第{number}号资源的摘要",
        format=FORMATS[number % len(FORMATS)], share_type=("无条件共享", "有条件共享", "不予共享")[number % 3],
        share_method=("接口", "文件", "数据库")[number % 3], open_to_public=number % 5 == 0,
        update_cycle=CYCLES[number % len(CYCLES)], publish_date=date(2025, 3, 6) if number % 2 else None,
        related_codes=[f"{classification}/{number + 1:06d}"] if number % 7 == 0 else [],
        registered_at=datetime(2026, 1, 1, tzinfo=UTC), active=number % UNLISTED_EVERY != 0,
        items=[DataItem(position=0, column_name="xm", name="姓名", type_code="C", element="person_name"),
               DataItem(position=1, column_name="sfzh", name="公民身份号码", type_code="C", element="resident_id")])


def directory_codes(client: TestClient) -> set[str]:
    """Every code the public directory API lists, page by page."""
    codes: set[str] = set()
    while True:
        page = client.get("/api/resources", params={"limit": 500, "offset": len(codes)}).json()
        codes |= {item["code"] for item in page["items"]}
        if len(codes) >= page["total"]:
            return codes


def dcat_pages(client: TestClient, per_page: int) -> Iterator[Graph]:
    """The catalog's pages as RDF graphs, following hydra:next from the first page."""
    url: str | None = f"/api/dcat?per_page={per_page}"
    while url:
        response = client.get(url)
        assert response.status_code == 200 and response.headers["content-type"] == "application/ld+json"
        graph = Graph().parse(data=response.text, format="json-ld")
        yield graph
        following = list(graph.objects(None, HYDRA.next))
        url = str(following[0]).removeprefix("http://testserver") if following else None


def dataset_of(graph: Graph, code: str) -> URIRef:
    found = list(graph.subjects(DCT.identifier, Literal(code)))
    assert len(found) == 1, code
    return found[0]


def test_dcat_pages_hold_exactly_what_the_directory_lists(client: TestClient, directory: dict[str, set[str]]) -> None:
    listed = directory_codes(client)
    assert directory["listed"] <= listed and not directory["unlisted"] & listed
    seen: list[str] = []
    pages = 0
    for graph in dcat_pages(client, per_page=500):
        pages += 1
        catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
        assert int(next(graph.objects(catalog, HYDRA.totalItems))) == len(listed)
        seen += [str(code) for dataset in graph.objects(catalog, DCAT.dataset)
                 for code in graph.objects(dataset, DCT.identifier)]
    assert pages == -(-len(listed) // 500) and len(seen) == len(set(seen)) and set(seen) == listed


def test_the_dcat_catalog_conforms_to_dcat_ap_3(client: TestClient, directory: dict[str, set[str]]) -> None:
    shapes = Graph().parse(SHAPES, format="turtle")
    graph = next(dcat_pages(client, per_page=300))  # the lake's resources and 295 imported, every kind of row
    conforms, _report, text = validate(graph, shacl_graph=shapes, inference="none")
    assert conforms, text
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 300
    assert len(set(graph.subjects(RDF.type, DCAT.Distribution))) > 300  # format lists became several


def test_a_broken_document_fails_validation(client: TestClient, directory: dict[str, set[str]]) -> None:
    shapes = Graph().parse(SHAPES, format="turtle")
    document = client.get("/api/dcat", params={"per_page": 20}).json()
    untitled = document["dcat:dataset"][3]
    del untitled["dct:title"]
    del document["dcat:dataset"][5]["dcat:distribution"][0]["dcat:accessURL"]
    document["dct:publisher"] = [document["dct:publisher"], document["dcat:dataset"][0]["dct:publisher"]]
    conforms, report, text = validate(Graph().parse(data=json.dumps(document), format="json-ld"),
                                      shacl_graph=shapes, inference="none")
    assert not conforms
    SH = Namespace("http://www.w3.org/ns/shacl#")
    failed = {(str(report.value(result, SH.focusNode)), str(report.value(result, SH.resultPath)))
              for result in report.subjects(RDF.type, SH.ValidationResult)}
    assert (untitled["@id"], str(DCT.title)) in failed, text
    assert any(path == str(DCAT.accessURL) for _node, path in failed), text
    assert (document["@id"], str(DCT.publisher)) in failed, text  # a catalog has exactly one publisher


def test_the_guides_fields_map_onto_dcat_ap_terms(client: TestClient, directory: dict[str, set[str]]) -> None:
    people = api_tests.code_of(client, "人口")
    graph = Graph().parse(data=client.get(f"/api/dcat/datasets/{people}").text, format="json-ld")
    dataset = dataset_of(graph, people)
    assert str(graph.value(dataset, DCT.title)) == "人口"
    assert graph.value(dataset, DCT.accessRights) == URIRef(f"{EU}access-right/RESTRICTED")  # 有条件共享
    assert graph.value(dataset, DCT.accrualPeriodicity) == URIRef(f"{EU}frequency/ANNUAL")  # 每年
    assert str(graph.value(graph.value(dataset, DCT.publisher), FOAF.name)) == "测试alpha局"
    assert {str(word) for word in graph.objects(dataset, DCAT.keyword)} >= {"基础信息资源", "有条件共享"}
    secrets = api_tests.code_of(client, "内部记录")
    secret = Graph().parse(data=client.get(f"/api/dcat/datasets/{secrets}").text, format="json-ld")
    assert secret.value(dataset_of(secret, secrets), DCT.accessRights) == URIRef(f"{EU}access-right/NON_PUBLIC")
    # An imported resource: its list of five formats, each a distribution with its EU file type.
    listed = sorted(directory["listed"])
    five = next(code for code in listed if int(code[-6:]) % len(FORMATS) == 1)
    graph = Graph().parse(data=client.get(f"/api/dcat/datasets/{five}").text, format="json-ld")
    found = {str(graph.value(distribution, DCT["format"])).rsplit("/", 1)[-1]
             for distribution in graph.objects(dataset_of(graph, five), DCAT.distribution)}
    assert found == {"CSV", "JSON", "RDF_XML", "XLSX", "XML"}
    half_yearly = next(code for code in listed if int(code[-6:]) % len(CYCLES) == 6)
    graph = Graph().parse(data=client.get(f"/api/dcat/datasets/{half_yearly}").text, format="json-ld")
    assert graph.value(dataset_of(graph, half_yearly), DCT.accrualPeriodicity) == URIRef(f"{EU}frequency/ANNUAL_2")


def test_unlisted_resources_are_nowhere(client: TestClient, directory: dict[str, set[str]]) -> None:
    gone = sorted(directory["unlisted"])[0]
    assert client.get(f"/api/dcat/datasets/{gone}").status_code == 404
    shown = client.get("/api/3/action/package_show", params={"id": gone})
    assert shown.status_code == 404 and shown.json()["success"] is False
    assert shown.json()["error"]["__type"] == "Not Found Error"
    names = client.get("/api/3/action/package_list").json()["result"]
    assert len(names) == len(directory_codes(client)) and package_name(gone) not in names


# --- CKAN: ckanapi against the app under uvicorn -----------------------------------------------------------

def test_a_ckan_harvester_pages_through_every_package(catalog_url: str, client: TestClient,
                                                     directory: dict[str, set[str]]) -> None:
    listed = directory_codes(client)
    ckan = RemoteCKAN(catalog_url, user_agent="blocklake-harvest-test")
    assert ckan.action.status_show()["ckan_version"].startswith("2.")
    harvested: list[dict] = []
    while True:
        page = ckan.action.package_search(q="*:*", rows=1000, start=len(harvested), sort="name asc")
        assert page["count"] == len(listed)
        harvested += page["results"]
        if not page["results"]:
            break
    assert len(harvested) == len(listed) and {package["id"] for package in harvested} == listed
    assert [package["name"] for package in harvested] == sorted(package["name"] for package in harvested)
    assert sorted(package["name"] for package in harvested) == ckan.action.package_list()


def test_package_show_and_the_search_filters(catalog_url: str, client: TestClient,
                                             directory: dict[str, set[str]]) -> None:
    ckan = RemoteCKAN(catalog_url, user_agent="blocklake-harvest-test")
    people = api_tests.code_of(client, "人口")
    package = ckan.action.package_show(id=people)
    assert package["title"] == "人口" and package["organization"]["title"] == "测试alpha局"
    assert ckan.action.package_show(id=package["name"])["id"] == people
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    assert extras["共享类型"] == "有条件共享" and extras["共享条件"] == "限履职使用"
    assert [item["字段名"] for item in json.loads(extras["信息项信息"])] == ["id", "name", "sfzh", "phone"]
    assert package["resources"] and all(resource["url"] for resource in package["resources"])
    alpha = client.get("/api/resources", params={"provider": "alpha", "limit": 1}).json()["total"]
    assert ckan.action.package_search(fq="organization:alpha", rows=0)["count"] == alpha
    conditional = ckan.action.package_search(fq='tags:"有条件共享" organization:beta', rows=1000)
    assert conditional["count"] > 0 and all(
        any(tag["name"] == "有条件共享" for tag in found["tags"]) and found["organization"]["name"] == "beta"
        for found in conditional["results"])
    titled = ckan.action.package_search(q="场所", rows=10)
    assert {found["title"] for found in titled["results"]} == {"场所", "场所副本"} and titled["count"] == 3
    assert set(ckan.action.organization_list()) == {"alpha", "beta", "gamma"}
    with pytest.raises(NotFound):
        ckan.action.package_show(id="9.99.999/000001")
    with pytest.raises(ValidationError):
        ckan.action.package_search(rows="many")
    with pytest.raises(ValidationError):
        ckan.action.package_search(fq="license_id:cc-by")
