"""Keep the directory current: every raw table (from the registry) and every base and mart model (from
dbt's manifest) registers itself as a resource, with what the lake knows about its published version.

Run after each pipeline run (``refresh``); idempotent. A resource keeps its code forever: codes are
issued once per lake table (``source_key``) as the classification code, ``/`` and a six-digit
sequence within the classification (编制指南 2017: 前段码/后段码).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from blocklake import lake
from blocklake.published import published_snapshots, published_versions
from blocklake.registry import Registry, load_registry, raw_table_name
from blocklake.settings import Settings, get_settings
from blocklake.update_cycles import parse_update_cycle
from blocklake.vocabulary import LINEAGE_COLUMNS
from catalog import db
from catalog.models import AuditLog, DataItem, Department, Resource, ResourceVersion, StreetCount
from quality import store

BUREAU = {"code": "bureau", "name": "深圳市南山区政务服务数据管理局", "uscc": "11440305MB2C000176", "kind": "bureau"}
GATED_MODEL_LAYERS = ("base", "marts")
ELEMENT_TYPE_CODES = {"date": "D", "datetime": "T", "amount": "Y", "number": "N"}  # 编制指南 item types
DUCKDB_TYPE_CODES = {
    "VARCHAR": "C", "BIGINT": "I", "INTEGER": "I", "SMALLINT": "I", "TINYINT": "I", "HUGEINT": "I",
    "DOUBLE": "F", "FLOAT": "F", "DATE": "D", "TIMESTAMP": "T", "TIMESTAMP WITH TIME ZONE": "T", "BOOLEAN": "L",
    "BLOB": "B",
}


@dataclass(frozen=True)
class ResourceSpec:
    """What a lake table declares about itself, before the lake is asked."""

    source_key: str
    layer: str
    name: str
    provider_code: str
    classification: str
    share_type: str
    update_cycle: str
    abstract: str = ""
    share_conditions: str | None = None
    share_method: str = "接口"
    legal_basis: str | None = None
    open_to_public: bool = False
    block_level: str | None = None
    block_column: str | None = None
    sensitive: dict[str, str] = field(default_factory=dict)
    item_titles: dict[str, str] = field(default_factory=dict)
    item_elements: dict[str, str] = field(default_factory=dict)
    upstream: tuple[str, ...] = ()


@dataclass(frozen=True)
class RefreshSummary:
    departments: int
    resources: int
    new_codes: list[str]
    published: int
    read: list[str] = field(default_factory=list)  # tables whose new publications it registered, block tables


def refresh(settings: Settings | None = None, *, registry: Registry | None = None,
            manifest: Path | None = None) -> RefreshSummary:
    """Register every declared resource with its published version's facts; returns what changed.

    Proportional to what changed: each table's rows and columns come from its publication record (the
    gate measured them), and the lake is asked only about tables published since the last refresh.
    """
    settings = settings or get_settings()
    registry = registry or load_registry(settings.registry_dir)
    specs = raw_specs(registry) + model_specs(manifest or _manifest_path(settings))
    db.upgrade()
    with db.session() as session:
        resources = _resources(session)
        known = {key: resource.published_snapshot for key, resource in resources.items()}
    con = lake.connect(settings, read_only=True)
    try:
        facts = lake_facts(con, {spec.source_key: spec.block_column for spec in specs}, known)
        blocks = block_units(con)
        read = sorted({*facts, *(table for table in BLOCK_UNITS if table in published_snapshots(con))})
    finally:
        con.close()
    with db.session() as session:
        departments = _upsert_departments(session, registry, blocks)
        resources = _resources(session)
        new_codes = [code for spec in specs
                     if (code := _upsert_resource(session, spec, departments, resources, facts.get(spec.source_key)))]
        session.add(AuditLog(at=_now(), actor="system", action="refresh_directory", object_type="directory",
                             object_id="*", detail={"resources": len(specs), "new_codes": new_codes,
                                                    "republished": len(facts)}))
        published = sum(1 for resource in resources.values() if resource.published_snapshot is not None)
    return RefreshSummary(len(departments), len(specs), new_codes, published, read)


def _resources(session: Session) -> dict[str, Resource]:
    """Every resource with its items, in two queries (one per resource took minutes at thousands)."""
    return {resource.source_key: resource
            for resource in session.scalars(select(Resource).options(selectinload(Resource.items)))}


def raw_specs(registry: Registry) -> list[ResourceSpec]:
    specs = []
    for dept in registry.departments.values():
        for table in dept.tables:
            directory = table.directory
            specs.append(ResourceSpec(
                source_key=f"raw.{raw_table_name(dept, table)}", layer="raw", name=table.title,
                provider_code=dept.code, classification=directory.classification, share_type=directory.share_type,
                share_conditions=directory.share_conditions, share_method=directory.share_method,
                legal_basis=directory.legal_basis, open_to_public=directory.open_to_public,
                update_cycle=table.update_cycle, sensitive=dict(table.personal), block_column=table.block_column,
                item_titles={column: spec.title for column, spec in table.columns.items() if spec.title},
                item_elements={column: spec.element for column, spec in table.columns.items() if spec.element},
                abstract=f"{dept.name}{table.title}（源表 {table.object}，{table.load.mode} 加载）",
            ))
    return specs


def model_specs(manifest_path: Path) -> list[ResourceSpec]:
    """Base and mart models that declare ``config: meta: directory:`` in their YAML."""
    if not manifest_path.is_file():
        return []
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    specs = []
    for node in manifest["nodes"].values():
        meta = node["config"].get("meta", {})
        if node["resource_type"] != "model" or node["schema"] not in GATED_MODEL_LAYERS or "directory" not in meta:
            continue
        directory = meta["directory"]
        specs.append(ResourceSpec(
            source_key=f"{node['schema']}.{node['name']}", layer=node["schema"],
            name=_title(node.get("description")) or node["name"], provider_code=BUREAU["code"],
            classification=directory["classification"],
            share_type=directory["share_type"], share_conditions=directory.get("share_conditions"),
            legal_basis=directory.get("legal_basis"), open_to_public=directory.get("open_to_public", False),
            update_cycle=directory.get("update_cycle", "每日"), abstract=node.get("description", ""),
            block_level=meta.get("block_level"), block_column=meta.get("block_column"),
            sensitive=meta.get("sensitive", {}),
            item_titles={name: column.get("description", "") for name, column in node["columns"].items()},
            upstream=tuple(sorted(_upstream_sources(manifest, node["unique_id"]))),
        ))
    return specs


@dataclass(frozen=True)
class LakeFacts:
    snapshot: int | None
    published_at: datetime | None = None
    record_count: int | None = None
    columns: tuple[tuple[str, str], ...] = ()
    quality_score: float | None = None
    street_records: dict[str, int] = field(default_factory=dict)  # street code -> records (block resources)
    street_names: dict[str, str] = field(default_factory=dict)
    found_pii: dict[str, str] = field(default_factory=dict)  # column -> kind its values hold (quality.pii)
    data_until: datetime | None = None  # the newest record by the table's own business time


def lake_facts(con: duckdb.DuckDBPyConnection, block_columns: dict[str, str | None],
               known: dict[str, int | None] | None = None) -> dict[str, LakeFacts]:
    """For each table (source key -> its block column, if any) published at another snapshot than
    ``known`` says (the directory's): that snapshot, when it was published, rows, columns, score, and for
    block resources the rows per street. Rows and columns come from the publication record; a table
    published before the gate measured them is asked directly."""
    known = known or {}
    versions = published_versions(con)
    changed = {key: block_column for key, block_column in block_columns.items()
               if key in versions and versions[key].snapshot_id != known.get(key)}
    if not changed:
        return {}
    names = _street_names(con, versions[STREETS].snapshot_id if STREETS in versions else None)
    found = store.found_pii(con)
    facts = {}
    for key, block_column in changed.items():
        version = versions[key]
        relation = f"{lake.LAKE}.{key} AT (VERSION => {version.snapshot_id})"
        columns = version.columns or tuple(con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {relation})").fetchall())
        count = version.record_count
        if count is None:
            count = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
        streets = _street_records(con, relation, block_column) if block_column else {}
        facts[key] = LakeFacts(version.snapshot_id, version.published_at, int(count), columns, version.score,
                               streets, names, found.get((key, version.snapshot_id), {}), version.data_until)
    return facts


STREETS = "base.base_street"
STREET_CODE_LENGTH = 9  # 440305001: block codes below a street begin with it (DESIGN.md, block hierarchy)


def _street_records(con: duckdb.DuckDBPyConnection, relation: str, block_column: str) -> dict[str, int]:
    rows = con.execute(
        f'SELECT left("{block_column}", {STREET_CODE_LENGTH}) AS street, count(*) FROM {relation} '
        f'WHERE length("{block_column}") >= {STREET_CODE_LENGTH} GROUP BY street').fetchall()
    return dict(rows)


def _street_names(con: duckdb.DuckDBPyConnection, snapshot: int | None) -> dict[str, str]:
    if snapshot is None:
        return {}
    relation = f"{lake.LAKE}.{STREETS} AT (VERSION => {snapshot})"
    return dict(con.execute(f"SELECT street_code, street_name FROM {relation}").fetchall())


BLOCK_UNITS = {  # lake table -> (kind, code column, name column, suffix of the office's name)
    "base.base_street": ("street", "street_code", "street_name", "办事处"),
    "base.base_community": ("community", "community_code", "community_name", "社区居委会"),
}


def block_units(con: duckdb.DuckDBPyConnection) -> list[dict[str, str]]:
    """Street offices and community committees, from the published street and community tables: they
    consume data about their own block (回流), so they are departments of the directory too."""
    published = published_snapshots(con)
    units = []
    for table, (kind, code_column, name_column, suffix) in BLOCK_UNITS.items():
        if (snapshot := published.get(table)) is None:
            continue
        rows = con.execute(f"SELECT {code_column}, {name_column} FROM {lake.LAKE}.{table} AT (VERSION => {snapshot}) "
                           f"ORDER BY {code_column}").fetchall()
        units += [{"code": f"{kind}_{code}", "name": f"{name}{suffix}", "kind": kind, "block_code": code}
                  for code, name in rows]
    return units


def _upsert_departments(session: Session, registry: Registry, blocks: list[dict[str, str]]) -> dict[str, Department]:
    wanted = [BUREAU, *({"code": d.code, "name": d.name, "uscc": d.uscc, "contact": d.contact, "kind": "department"}
                        for d in registry.departments.values()), *blocks]
    existing = {dept.code: dept for dept in session.scalars(select(Department))}
    for values in wanted:
        dept = existing.get(values["code"]) or Department(code=values["code"])
        for name, value in values.items():
            setattr(dept, name, value)
        session.add(dept)
        existing[dept.code] = dept
    session.flush()
    return existing


def _upsert_resource(session: Session, spec: ResourceSpec, departments: dict[str, Department],
                     resources: dict[str, Resource], facts: LakeFacts | None) -> str | None:
    """Create or update one resource (its lake facts only when ``facts``: published anew); returns its
    code when it was issued now."""
    resource = resources.get(spec.source_key)
    issued = None
    if resource is None:
        sequence = (session.scalar(select(func.max(Resource.sequence))
                                   .where(Resource.classification == spec.classification)) or 0) + 1
        issued = f"{spec.classification}/{sequence:06d}"
        resource = Resource(source_key=spec.source_key, code=issued, classification=spec.classification,
                            sequence=sequence, registered_at=_now())
        session.add(resource)
        resources[spec.source_key] = resource  # autoflushed before the next code's max(sequence) query
    _apply_spec(resource, spec, departments[spec.provider_code])
    if facts is not None:
        _apply_facts(session, resource, spec, facts)
    else:
        _describe_items(resource, spec)
    return issued


def _apply_spec(resource: Resource, spec: ResourceSpec, provider: Department) -> None:
    for name in ("layer", "name", "abstract", "share_type", "share_conditions", "share_method", "legal_basis",
                 "open_to_public", "update_cycle", "block_level", "block_column"):
        _set(resource, name, getattr(spec, name))
    if resource.provider_id != provider.id:
        resource.provider = provider
    _set(resource, "update_interval", parse_update_cycle(spec.update_cycle).code)
    _set(resource, "upstream", list(spec.upstream))
    _set(resource, "active", True)


def _set(target: object, name: str, value: object) -> None:
    """Assign only a changed value: an unchanged resource costs the catalog no UPDATE."""
    if getattr(target, name) != value:
        setattr(target, name, value)


def _apply_facts(session: Session, resource: Resource, spec: ResourceSpec, facts: LakeFacts) -> None:
    resource.published_snapshot = facts.snapshot
    resource.record_count = facts.record_count
    resource.quality_score = facts.quality_score
    resource.last_updated_at = facts.published_at
    resource.data_until = facts.data_until
    resource.publish_date = resource.publish_date or (facts.published_at or _now()).date()
    _sync_items(resource, spec, facts.columns, facts.found_pii)
    resource.street_counts = [StreetCount(street_code=code, street_name=facts.street_names.get(code), records=records)
                              for code, records in sorted(facts.street_records.items())]
    if not any(version.snapshot_id == facts.snapshot for version in resource.versions):
        session.add(ResourceVersion(resource=resource, snapshot_id=facts.snapshot, record_count=facts.record_count,
                                    quality_score=facts.quality_score, published_at=facts.published_at))


def _sync_items(resource: Resource, spec: ResourceSpec, columns: tuple[tuple[str, str], ...],
                found: dict[str, str]) -> None:
    """Data items follow the published version's columns (lineage columns are the lake's, not the data's)."""
    visible = [(name, kind) for name, kind in columns if name not in LINEAGE_COLUMNS]
    current = {item.column_name: item for item in resource.items}
    resource.items = [_item(current.get(name), position, name, kind, spec, found)
                      for position, (name, kind) in enumerate(visible, 1)]


def _item(item: DataItem | None, position: int, column: str, duckdb_type: str, spec: ResourceSpec,
          found: dict[str, str]) -> DataItem:
    """One data item. It is personal as declared, or as the gate found its values to be: a declaration
    that misses a column of resident IDs does not unmask it."""
    item = item or DataItem(column_name=column)
    item.position = position
    item.duckdb_type = duckdb_type
    item.sensitive = spec.sensitive.get(column) or found.get(column)
    item.sensitive_found = column not in spec.sensitive and column in found
    _describe_item(item, spec)
    return item


def _describe_items(resource: Resource, spec: ResourceSpec) -> None:
    """What the registry or the model's YAML says of the items, for a resource whose data did not change."""
    for item in resource.items:
        _describe_item(item, spec)
        if item.column_name in spec.sensitive:
            _set(item, "sensitive", spec.sensitive[item.column_name])
            _set(item, "sensitive_found", False)


def _describe_item(item: DataItem, spec: ResourceSpec) -> None:
    _set(item, "name", _title(spec.item_titles.get(item.column_name)) or item.column_name)
    _set(item, "element", spec.item_elements.get(item.column_name))
    # a date written as text in a CSV is still 日期型: the data element says so where the lake's type cannot
    code, lake_type = ELEMENT_TYPE_CODES.get(item.element or ""), item.duckdb_type
    if code is None and lake_type:
        code = DUCKDB_TYPE_CODES.get(lake_type.split("(")[0], "N" if lake_type.startswith("DECIMAL") else "C")
    if code is not None:  # an item registered before its lake type was kept keeps its code
        _set(item, "type_code", code)


def _title(description: str | None) -> str | None:
    """The Chinese title at the head of a description (``居住楼栋代码（…）`` → ``居住楼栋代码``)."""
    if not description:
        return None
    return description.split("（")[0].split("：")[0].split("(")[0].strip()[:60] or None


def _upstream_sources(manifest: dict, unique_id: str) -> set[str]:
    """The raw tables a model is built from, through every model between."""
    found, stack, seen = set(), [unique_id], set()
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        if node_id.startswith("source."):
            source = manifest["sources"][node_id]
            found.add(f"{source['schema']}.{source['identifier']}")
            continue
        stack.extend(manifest["nodes"].get(node_id, {}).get("depends_on", {}).get("nodes", []))
    return found


def _manifest_path(settings: Settings) -> Path:
    return settings.dbt_target_path / "manifest.json"


def _now() -> datetime:
    return datetime.now(UTC)
