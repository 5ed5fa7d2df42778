"""Who may call what (issue 7, item 10): every route of the catalog app × every role, by an explicit
policy table; revoked and expired keys; other departments' object ids. Then Schemathesis over the
OpenAPI document: no 5xx, and every answer matches the schema it documents.

The table is the policy a reviewer reads. A route without a row fails the test, so a new endpoint
cannot ship without someone deciding who may call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import select

from catalog import auth, db, feedback, requests, sharing
from catalog.api.deps import SESSION_COOKIE
from catalog.models import ApiKey, Application, Correction, Department, Resource
from tests.integration import test_catalog_api as catalog_fixtures
from tests.reliability.tally import TALLY

# The catalog of test_catalog_api (three departments' published tables, keys, a client), built anew here.
catalog_home, keys, client = catalog_fixtures.catalog_home, catalog_fixtures.keys, catalog_fixtures.client

ROLES = ("anonymous", "expired", "revoked", "other", "applicant", "provider", "admin")
KEYLESS = ("anonymous", "expired", "revoked")  # expired and revoked keys must get no further than no key
OUTSIDERS = (*KEYLESS, "other")  # none of them may ever see the applicant's objects or the rows
KEY_OF = {"expired": "expired", "revoked": "revoked", "other": "gamma", "applicant": "beta", "provider": "alpha",
          "admin": "admin"}
MARK = "机密标记7731"  # in every object of the applicant: a response that contains it leaked it
ROW_VALUES = ("13800138000", "138****8000")  # a phone in the people table, plain and masked


def row(*statuses: int | tuple[int, ...]) -> dict[str, set[int]]:
    """One policy row: the allowed statuses per role, in ROLES order."""
    assert len(statuses) == len(ROLES)
    return {role: set(status if isinstance(status, tuple) else (status,)) for role, status in zip(ROLES, statuses,
                                                                                                   strict=True)}


EVERYONE_200 = row(*[200] * len(ROLES))
DEPARTMENTS_200 = row(401, 401, 401, 200, 200, 200, 200)
ADMIN_ONLY = row(401, 401, 401, 403, 403, 403, 200)
#                       anonymous expired revoked other applicant provider admin
POLICY: dict[tuple[str, str], dict[str, set[int]]] = {
    # The directory is public, but a key that is presented must be valid (401, never "as anonymous").
    ("GET", "/api/resources"): row(200, 401, 401, 200, 200, 200, 200),
    ("GET", "/api/resources/{code:path}"): row(200, 401, 401, 200, 200, 200, 200),
    # The directory for harvesters (DCAT-AP 3, CKAN's Action API at both its paths, GET and POST): as public.
    ("GET", "/api/dcat"): row(200, 401, 401, 200, 200, 200, 200),
    ("GET", "/api/dcat/datasets/{code:path}"): row(200, 401, 401, 200, 200, 200, 200),
    **{(method, f"{prefix}/{action}"): row(200, 401, 401, 200, 200, 200, 200) for method in ("GET", "POST")
       for prefix in ("/api/3/action", "/api/action")
       for action in ("package_search", "package_show", "package_list", "organization_list", "status_show")},
    ("GET", "/api/stats"): DEPARTMENTS_200,
    ("GET", "/api/stats/inventory"): DEPARTMENTS_200,
    ("GET", "/api/stats/history"): DEPARTMENTS_200,
    # Anyone may apply, except for its own resource (400).
    ("POST", "/api/applications"): row(401, 401, 401, 201, 201, 400, 201),
    ("GET", "/api/applications"): DEPARTMENTS_200,
    # Someone else's application does not exist for you (404); only its provider decides (403 otherwise).
    ("GET", "/api/applications/{application_id}"): row(401, 401, 401, 404, 200, 200, 200),
    ("POST", "/api/applications/{application_id}/approve"): row(401, 401, 401, 404, 403, 200, 403),
    ("POST", "/api/applications/{application_id}/refuse"): row(401, 401, 401, 404, 403, 200, 403),
    ("POST", "/api/corrections"): row(401, 401, 401, 201, 201, 201, 201),
    ("GET", "/api/corrections"): DEPARTMENTS_200,
    ("POST", "/api/corrections/{correction_id}/resolve"): row(401, 401, 401, 404, 403, 200, 403),
    # Rows only with an approved application (the provider has none for its own resource), or as admin.
    ("GET", "/api/data/{code:path}"): row(401, 401, 401, 403, 200, 403, 200),
    ("POST", "/api/sql"): row(401, 401, 401, 403, 200, 403, 200),
    # Verification answers under the same grants as the rows (a copy grant answers verification too).
    ("POST", "/api/verify"): row(401, 401, 401, 403, 200, 403, 200),
    ("POST", "/api/verify/batch"): row(401, 401, 401, 403, 200, 403, 200),
    ("POST", "/api/admin/keys"): row(401, 401, 401, 403, 403, 403, 201),
    ("DELETE", "/api/admin/keys/{key_id}"): row(401, 401, 401, 403, 403, 403, 204),
    ("GET", "/api/admin/audit"): ADMIN_ONLY,
    # Usage and ratings only by a department granted the resource (the provider and the bureau were not);
    # each reads its own, a provider those about its resources, the bureau all.
    ("POST", "/api/usage"): row(401, 401, 401, 403, 201, 403, 403),
    ("GET", "/api/usage"): DEPARTMENTS_200,
    ("POST", "/api/ratings"): row(401, 401, 401, 403, 201, 403, 403),
    ("GET", "/api/ratings"): DEPARTMENTS_200,
    # Data requests (供需对接): anyone asks; only the bureau assigns; only the assigned provider answers; only
    # the requester withdraws; a request is missing (404) for departments that neither filed nor must answer it.
    ("POST", "/api/requests"): row(401, 401, 401, 201, 201, 201, 201),
    ("GET", "/api/requests"): DEPARTMENTS_200,
    ("GET", "/api/requests/{request_id}"): row(401, 401, 401, 404, 200, 200, 200),
    ("POST", "/api/requests/{request_id}/assign"): ADMIN_ONLY,
    ("POST", "/api/requests/{request_id}/answer"): row(401, 401, 401, 404, 403, 200, 403),
    ("POST", "/api/requests/{request_id}/withdraw"): row(401, 401, 401, 404, 200, 403, 403),
    # The web UI (session cookie): a bad cookie browses as the public; pages that need a login redirect.
    ("GET", "/"): EVERYONE_200,
    ("GET", "/resources/{code:path}"): EVERYONE_200,
    ("GET", "/login"): EVERYONE_200,
    ("POST", "/login"): row(401, 401, 401, 303, 303, 303, 303),
    ("GET", "/logout"): EVERYONE_200,
    ("POST", "/logout"): row(*[303] * len(ROLES)),
    ("GET", "/applications"): row(303, 303, 303, 200, 200, 200, 200),
    ("POST", "/applications"): row(303, 303, 303, 303, 303, 400, 303),
    ("POST", "/applications/{application_id}/decide"): row(303, 303, 303, 404, 403, 303, 403),
    ("POST", "/corrections"): row(*[303] * len(ROLES)),
    ("POST", "/usage"): row(303, 303, 303, 403, 303, 403, 403),
    ("POST", "/ratings"): row(303, 303, 303, 403, 303, 403, 403),
    ("GET", "/stats"): row(303, 303, 303, 200, 200, 200, 200),
    ("GET", "/verify"): row(303, 303, 303, 200, 200, 200, 200),
    ("POST", "/verify"): row(303, 303, 303, 403, 200, 403, 200),
    ("GET", "/requests"): row(303, 303, 303, 200, 200, 200, 200),
    ("POST", "/requests"): row(*[303] * len(ROLES)),
    ("POST", "/requests/{request_id}/assign"): row(303, 303, 303, 403, 403, 403, 303),
    ("POST", "/requests/{request_id}/answer"): row(303, 303, 303, 404, 403, 303, 403),
    ("POST", "/requests/{request_id}/withdraw"): row(303, 303, 303, 404, 303, 403, 403),
    # Importing another platform's directory: the bureau only (departments 403, the public to the login).
    ("GET", "/directory/import"): row(303, 303, 303, 403, 403, 403, 200),
    ("POST", "/directory/import"): row(303, 303, 303, 403, 403, 403, 200),
    ("POST", "/directory/import/run"): row(303, 303, 303, 403, 403, 403, 400),  # an unknown upload: 400
    ("GET", "/static/catalog.css"): EVERYONE_200,
    # FastAPI's documentation of the API: public.
    ("GET", "/openapi.json"): EVERYONE_200,
    ("GET", "/docs"): EVERYONE_200,
    ("GET", "/docs/oauth2-redirect"): EVERYONE_200,
    ("GET", "/redoc"): EVERYONE_200,
}


@dataclass(frozen=True)
class World:
    """The applicant's (beta's) objects on the provider's (alpha's) conditional resource 人口."""

    people: str  # the resource code
    application: int  # approved: beta may read id, name, phone
    correction: int


@pytest.fixture(scope="module")
def world(keys: dict[str, str]) -> World:
    with db.session() as session:
        people = session.scalar(select(Resource).where(Resource.name == "人口"))
        application = _application(session, people)
        sharing.decide(session, application, people.provider, approve=True, reason=None)
        correction = _correction(session, people)
        beta = _department(session, "beta")
        feedback.record_usage(session, people, beta, feedback.Usage(f"低保核查 {MARK}", f"核减 3 户 {MARK}", 20))
        feedback.rate(session, people, beta, feedback.Scores(2, 4, 5), f"电话字段过时 {MARK}")
        return World(people.code, application.id, correction.id)


def _department(session, code: str) -> Department:
    return session.scalar(select(Department).where(Department.code == code))


def _application(session, people: Resource) -> Application:
    request = sharing.ApplicationRequest(["id", "name", "phone"], f"核验 {MARK}")
    return sharing.apply(session, people, _department(session, "beta"), request)


def _correction(session, people: Resource) -> Correction:
    return sharing.file_correction(session, people, _department(session, "beta"), f"电话有误 {MARK}")


def fresh_application(world: World) -> int:
    """A pending application of the applicant: each decision in the table gets its own."""
    with db.session() as session:
        return _application(session, session.scalar(select(Resource).where(Resource.code == world.people))).id


def fresh_correction(world: World) -> int:
    with db.session() as session:
        return _correction(session, session.scalar(select(Resource).where(Resource.code == world.people))).id


def fresh_request(_world: World, *, assigned: bool = True) -> int:
    """A data request of the applicant (beta), assigned to the provider (alpha) unless ``assigned`` is False."""
    with db.session() as session:
        found = requests.file(session, _department(session, "beta"),
                              requests.RequestForm(f"低保名单 {MARK}", "核对", ["姓名"]))
        if assigned:
            requests.assign(session, found, _department(session, "alpha"), by="bureau", is_admin=True)
        return found.id


def unassigned_request(world: World) -> int:
    return fresh_request(world, assigned=False)


def fresh_key(_world: World) -> int:
    with db.session() as session:
        plain = auth.issue_key(session, _department(session, "gamma"), label="to revoke")
        return session.scalar(select(ApiKey.id).where(ApiKey.prefix == plain[:12]))


@dataclass(frozen=True)
class Call:
    """How to call one route: its path filled in, and its body (JSON for the API, a form for the web)."""

    path: Callable[[World], str]
    json: Callable[[World], dict] | None = None
    form: Callable[[World, str | None], dict] | None = None
    files: Callable[[World], dict] | None = None  # an API upload: file fields (the form fields go in ``form``)


def _fixed(path: str) -> Callable[[World], str]:
    return lambda _world: path


CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/api/dcat/datasets/{code:path}"): Call(lambda w: f"/api/dcat/datasets/{w.people}"),
    **{(method, f"{prefix}/package_show"): Call(lambda w, prefix=prefix: f"{prefix}/package_show?id={w.people}")
       for method in ("GET", "POST") for prefix in ("/api/3/action", "/api/action")},
    ("GET", "/api/resources/{code:path}"): Call(lambda w: f"/api/resources/{w.people}"),
    ("POST", "/api/applications"): Call(_fixed("/api/applications"), json=lambda w: {
        "resource_code": w.people, "items": ["id"], "purpose": "核验"}),
    ("GET", "/api/applications/{application_id}"): Call(lambda w: f"/api/applications/{w.application}"),
    ("POST", "/api/applications/{application_id}/approve"): Call(
        lambda w: f"/api/applications/{fresh_application(w)}/approve", json=lambda w: {}),
    ("POST", "/api/applications/{application_id}/refuse"): Call(
        lambda w: f"/api/applications/{fresh_application(w)}/refuse", json=lambda w: {"reason": "用途不符"}),
    ("POST", "/api/corrections"): Call(_fixed("/api/corrections"), json=lambda w: {
        "resource_code": w.people, "description": "有误"}),
    ("POST", "/api/corrections/{correction_id}/resolve"): Call(
        lambda w: f"/api/corrections/{fresh_correction(w)}/resolve",
        json=lambda w: {"accepted": True, "resolution": "已改"}),
    ("GET", "/api/data/{code:path}"): Call(lambda w: f"/api/data/{w.people}"),
    ("POST", "/api/usage"): Call(_fixed("/api/usage"), json=lambda w: {"resource_code": w.people, "used_for": "核查"}),
    ("POST", "/api/ratings"): Call(_fixed("/api/ratings"), json=lambda w: {
        "resource_code": w.people, "accuracy": 4, "timeliness": 5, "completeness": 3, "comment": "可用"}),
    ("POST", "/api/sql"): Call(_fixed("/api/sql"), json=lambda w: {"query": "SELECT id, phone FROM raw.alpha__people"}),
    ("POST", "/api/verify"): Call(_fixed("/api/verify"), json=lambda w: {
        "resource_code": w.people, "key_item": "id",
        "checks": [{"key": "1"}, {"key": "2", "claims": {"name": "张2"}}]}),
    ("POST", "/api/verify/batch"): Call(
        _fixed("/api/verify/batch"), form=lambda w, key: {"resource_code": w.people, "key_item": "id"},
        files=lambda w: {"file": ("list.csv", "id,name\n1,张1\n3,李四\n".encode(), "text/csv")}),
    ("POST", "/api/admin/keys"): Call(_fixed("/api/admin/keys"), json=lambda w: {"department_code": "gamma"}),
    ("DELETE", "/api/admin/keys/{key_id}"): Call(lambda w: f"/api/admin/keys/{fresh_key(w)}"),
    ("POST", "/api/requests"): Call(_fixed("/api/requests"), json=lambda w: {"title": "名单", "purpose": "核对"}),
    ("GET", "/api/requests/{request_id}"): Call(lambda w: f"/api/requests/{fresh_request(w)}"),
    ("POST", "/api/requests/{request_id}/assign"): Call(
        lambda w: f"/api/requests/{unassigned_request(w)}/assign", json=lambda w: {"provider_code": "alpha"}),
    ("POST", "/api/requests/{request_id}/answer"): Call(
        lambda w: f"/api/requests/{fresh_request(w)}/answer", json=lambda w: {"answer": "cannot", "text": "不采集"}),
    ("POST", "/api/requests/{request_id}/withdraw"): Call(lambda w: f"/api/requests/{fresh_request(w)}/withdraw"),
    ("GET", "/resources/{code:path}"): Call(lambda w: f"/resources/{w.people}"),
    ("POST", "/login"): Call(_fixed("/login"), form=lambda w, key: {"key": key or ""}),
    ("POST", "/applications"): Call(_fixed("/applications"), form=lambda w, key: {
        "resource_code": w.people, "items": ["id"], "purpose": "核验"}),
    ("POST", "/applications/{application_id}/decide"): Call(
        lambda w: f"/applications/{fresh_application(w)}/decide", form=lambda w, key: {"decision": "approve"}),
    ("POST", "/verify"): Call(_fixed("/verify"), form=lambda w, key: {"resource_code": w.people, "key_item": "id"},
                              files=lambda w: {"file": ("list.csv", "id,name\n1,张1\n".encode(), "text/csv")}),
    ("POST", "/corrections"): Call(_fixed("/corrections"), form=lambda w, key: {
        "resource_code": w.people, "description": "有误"}),
    ("POST", "/usage"): Call(_fixed("/usage"), form=lambda w, key: {"resource_code": w.people, "used_for": "核查"}),
    ("POST", "/ratings"): Call(_fixed("/ratings"), form=lambda w, key: {
        "resource_code": w.people, "accuracy": "4", "timeliness": "5", "completeness": "3"}),
    ("POST", "/requests"): Call(_fixed("/requests"), form=lambda w, key: {"title": "名单", "purpose": "核对"}),
    ("POST", "/requests/{request_id}/assign"): Call(
        lambda w: f"/requests/{unassigned_request(w)}/assign", form=lambda w, key: {"provider_code": "alpha"}),
    ("POST", "/requests/{request_id}/answer"): Call(
        lambda w: f"/requests/{fresh_request(w)}/answer", form=lambda w, key: {"answer": "cannot", "text": "不采集"}),
    ("POST", "/requests/{request_id}/withdraw"): Call(lambda w: f"/requests/{fresh_request(w)}/withdraw"),
    ("POST", "/directory/import"): Call(_fixed("/directory/import"), form=lambda w, key: {"platform": "门户"},
                                        files=lambda w: {"file": ("目录.csv", "资源名称,更新周期\n人口,每月\n".encode(),
                                                                  "text/csv")}),
    ("POST", "/directory/import/run"): Call(_fixed("/directory/import/run"), form=lambda w, key: {"token": "gone"}),
}


def app_routes(client: TestClient) -> set[tuple[str, str]]:
    return {(method, route.path) for route in client.app.routes for method in getattr(route, "methods", ())
            if method != "HEAD"}


def test_every_route_has_a_policy_row(client: TestClient) -> None:
    routes = app_routes(client)
    assert routes - POLICY.keys() == set(), "routes without a row in POLICY: decide who may call them"
    assert POLICY.keys() - routes == set(), "POLICY rows for routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_policy_says(client: TestClient, keys: dict[str, str],
                                                          world: World, role: str) -> None:
    key = keys[KEY_OF[role]] if role in KEY_OF else None
    wrong: list[str] = []
    for (method, route), allowed in sorted(POLICY.items()):
        response = call(client, world, method, route, key)
        TALLY.add("requests_served")
        if response.status_code not in allowed[role]:
            wrong.append(f"{method} {route}: {response.status_code} (allowed {sorted(allowed[role])}) "
                         f"{response.text[:200]}")
        if role in OUTSIDERS:
            leaked = [marker for marker in (MARK, *ROW_VALUES) if marker in response.text]
            assert not leaked, f"{role} got {leaked} from {method} {route}"
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def web_login(key: str) -> str:
    """The cookie a browser gets by logging in with ``key``; for a key that cannot log in (revoked,
    expired, unknown), an unknown login token, which is what such a browser would hold at best."""
    with db.session() as session:
        return auth.start_web_session(session, key) or "bls_unknown-login"


def call(client: TestClient, world: World, method: str, route: str, key: str | None):
    """The API is called with X-API-Key, the web pages with the session cookie, as each is used."""
    spec = CALLS.get((method, route), Call(_fixed(route)))
    path = spec.path(world)
    client.cookies.clear()
    if route.startswith("/api/"):
        upload = {"data": spec.form(world, key), "files": spec.files(world)} if spec.files else {}
        return client.request(method, path, json=spec.json(world) if spec.json else None, **upload,
                              headers={"X-API-Key": key} if key else {}, follow_redirects=False)
    if key and route != "/login":  # the login form takes the key in its body
        client.cookies.set(SESSION_COOKIE, web_login(key))
    try:
        # A same-origin form post, as the browser sends it (cross-site posts are refused before any check).
        return client.request(method, path, data=spec.form(world, key) if spec.form else None,
                              files=spec.files(world) if spec.files else None,
                              headers={"Origin": "http://testserver"}, follow_redirects=False)
    finally:
        client.cookies.clear()


def test_other_departments_object_ids_are_missing_not_forbidden(client: TestClient,
                                                                keys: dict[str, str], world: World) -> None:
    """Every id the applicant owns, asked for by another department: 404 with nothing of the object."""
    other = {"X-API-Key": keys["gamma"]}
    for method, path, body in [
        ("GET", f"/api/applications/{world.application}", None),
        ("POST", f"/api/applications/{world.application}/approve", {}),
        ("POST", f"/api/applications/{world.application}/refuse", {"reason": "x"}),
        ("POST", f"/api/corrections/{world.correction}/resolve", {"accepted": False, "resolution": "x"}),
    ]:
        response = client.request(method, path, json=body, headers=other)
        assert response.status_code == 404 and MARK not in response.text, (path, response.text)
    for listing in ("/api/applications", "/api/corrections"):
        ids = {entry["id"] for entry in client.get(listing, headers=other).json()}
        assert not ids & {world.application, world.correction}, listing
    # ...and the owner's view of the same ids works, so the 404 above is about who asks.
    assert client.get(f"/api/applications/{world.application}", headers={"X-API-Key": keys["beta"]}).json()[
        "purpose"].endswith(MARK)


def test_out_of_range_ids_and_offsets_are_refused_not_crashed(client: TestClient, keys: dict[str, str],
                                                               world: World) -> None:
    """What the fuzzer found: ids and offsets past the store's integers were driver errors (500)."""
    admin = {"X-API-Key": keys["admin"]}
    huge = 10**20
    for method, path in [("GET", f"/api/applications/{huge}"), ("POST", f"/api/applications/{huge}/approve"),
                         ("POST", f"/api/corrections/{huge}/resolve"), ("DELETE", f"/api/admin/keys/{huge}"),
                         ("GET", f"/api/resources?offset={huge}"), ("GET", f"/api/data/{world.people}?offset={huge}"),
                         ("GET", "/api/admin/audit?limit=-1")]:
        body = {"accepted": True, "resolution": "x"} if "resolve" in path else {}
        assert client.request(method, path, json=body, headers=admin).status_code == 422, path
    client.cookies.set(SESSION_COOKIE, web_login(keys["alpha"]))
    try:
        response = client.post(f"/applications/{huge}/decide", data={"decision": "approve"},
                               headers={"Origin": "http://testserver"})
    finally:
        client.cookies.clear()
    assert response.status_code == 422


def test_cached_answers_are_documented_by_their_models(client: TestClient) -> None:
    """The two cached endpoints were documented as a bare string; clients generated from it broke."""
    paths = client.get("/openapi.json").json()["paths"]
    for path, model in [("/api/resources", "Page"), ("/api/stats", "StatsOut")]:
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{model}"}, path


# --- Schemathesis: generated requests against the OpenAPI document ---------------------------------------

MAX_EXAMPLES = 100  # per operation and role: about 15 s per role on 2 cores
# Revoking keys by generated ids would revoke the fuzzer's own key; the policy table covers that route.
FUZZ_EXCLUDED = {("DELETE", "/api/admin/keys/{key_id}")}


@pytest.fixture(scope="module")
def api_schema(client: TestClient):
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


@pytest.fixture(scope="module")
def fuzz_keys(catalog_home: Path) -> dict[str, str]:
    """Keys of the fuzzer's own (the matrix revokes keys; these are never revoked)."""
    with db.session() as session:
        return {"admin": auth.issue_key(session, _department(session, "bureau"), role="admin", label="fuzz"),
                "department": auth.issue_key(session, _department(session, "beta"), label="fuzz")}


@pytest.mark.parametrize("role", ["admin", "department"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(api_schema, fuzz_keys: dict[str, str],
                                                                    role: str) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    fuzzed = [operation for operation in operations if (operation.method.upper(), operation.path) not in FUZZ_EXCLUDED]
    examples = sum(fuzz(operation, {"X-API-Key": fuzz_keys[role]}) for operation in fuzzed)
    print(f"schemathesis as {role}: {examples} examples over {len(fuzzed)} operations")
    assert len(fuzzed) == len(operations) - len(FUZZ_EXCLUDED) >= 15
    assert examples >= 20 * len(fuzzed)  # the fuzzer really ran (Hypothesis stops early on tiny input spaces)


def fuzz(operation, headers: dict[str, str]) -> int:
    """Run one operation's generated cases; return how many were sent."""
    sent = 0

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        nonlocal sent
        sent += 1
        TALLY.add("requests_served")
        TALLY.add("bad_inputs_tried")
        case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

    run()
    return sent
