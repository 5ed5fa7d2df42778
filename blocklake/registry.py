"""The source registry: departments, their source systems and tables, validated into typed objects.

One YAML file per department lives in ``ingestion/registry/``. Connections are named, never
spelled out: a database source names a connection id that resolves at run time (see
:mod:`ingestion.connections`), so no password is ever written in the registry.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from blocklake.checks import Check
from blocklake.config_types import Duration, Strict
from blocklake.elements import Element
from blocklake.errors import ConfigError
from blocklake.vocabulary import SensitiveKind, ShareMethod, ShareType, UpdateCycle
from blocklake.yamlfile import load_model

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
SourceKind = Literal["postgres", "mysql", "sqlite", "csv", "excel", "parquet"]
DATABASE_KINDS = ("postgres", "mysql", "sqlite")
ELEMENT_KINDS: dict[str, SensitiveKind] = {"resident_id": "resident_id", "person_name": "person_name",
                                           "phone": "phone", "bank_card": "bank_card"}


class ColumnSpec(Strict):
    """A column's data element (数据元): the registry's one truth about it. What it is masked as, the
    directory's item title, and the base layer's use of it all follow from here."""

    title: str | None = Field(None, description="The Chinese title the directory shows (信息项名称).")
    element: Element | None = Field(None, description="The data element (blocklake.elements).")
    format: str | None = Field(None, pattern=r"^[%A-Za-z0-9年月日时分秒 :./\-]+$",
                               description="Dates and times written as text: their strptime format.")
    person: list[str] = Field(default_factory=list, description="Whose it is: 'self' (the record's person) or a "
                              "role (tenant, 母亲); a person's address is personal, an organisation's is not.")
    staged_as: str | None = Field(None, pattern=IDENTIFIER, description="Its name in the staging model.")
    sensitive: SensitiveKind | None = Field(None, description="How it is masked, where the element does not say "
                                                              "(a code that embeds a resident ID).")

    @field_validator("person", mode="before")
    @classmethod
    def _one_or_more(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @property
    def personal(self) -> SensitiveKind | None:
        """What the column is masked as wherever data leaves (None: not personal)."""
        if self.sensitive:
            return self.sensitive
        if self.element in ELEMENT_KINDS:
            return ELEMENT_KINDS[self.element]
        if self.person and self.element == "address":
            return "person_address"
        if self.person and self.element == "block_code":
            return "person_unit"
        return None


class LoadSpec(Strict):
    """How a table is loaded: a full snapshot, or increments on a cursor column with an overlap window."""

    mode: Literal["full", "incremental"] = "full"
    cursor: str | None = Field(None, description="Incremental: the column whose value only grows.")
    overlap: Duration = Field(timedelta(0), description="Re-read this far behind the watermark for late rows.")
    reconcile_every: Duration | None = Field(
        timedelta(days=7), description="Incremental: read the whole source this often, to find rows deleted there "
                                       "(a cursor never shows a hard delete). null: never.")
    detect_deletions: bool = Field(True, description="Full and reconciling loads: record keys that vanished.")
    allow_empty: bool = Field(False, description="Full: accept an empty extract that would empty the table.")
    max_reject_ratio: float = Field(0.05, ge=0, le=1, description="Files: fail above this share of bad rows.")

    @model_validator(mode="after")
    def _cursor_for_incremental(self) -> LoadSpec:
        if self.mode == "incremental" and not self.cursor:
            raise ValueError("an incremental load needs 'cursor: <column>'")
        return self


class DirectorySpec(Strict):
    """Directory attributes (编制指南 2017) that the catalog publishes for this table."""

    classification: str = Field(pattern=r"^[123](\.\d{2})(\.\d{3}(\.\d{3})?)?$", description="类.项.目.细目")
    share_type: ShareType
    share_conditions: str | None = None
    share_method: ShareMethod = "接口"
    open_to_public: bool = False
    legal_basis: str | None = None

    @model_validator(mode="after")
    def _conditions_stated(self) -> DirectorySpec:
        if self.share_type == "有条件共享" and not self.share_conditions:
            raise ValueError("有条件共享 needs share_conditions")
        if self.share_type == "不予共享" and not self.legal_basis:
            raise ValueError("不予共享 needs legal_basis")
        return self


class TableSpec(Strict):
    name: str = Field(pattern=IDENTIFIER)
    title: str
    source: str
    object: str = Field(description="Table in the source database, file name or glob, or sheet name.")
    primary_key: list[str] = Field(min_length=1)
    load: LoadSpec = LoadSpec()
    update_cycle: UpdateCycle
    directory: DirectorySpec
    columns: dict[str, ColumnSpec] = Field(default_factory=dict, description="Data elements, column by column.")
    sensitive: dict[str, SensitiveKind] = Field(default_factory=dict, description="Shorthand for columns whose "
                                                "only declaration is their mask: {column: kind}.")
    observed_at: str | None = Field(None, description="The column dating what a record says of its persons.")
    plate: bool = Field(False, description="The district's standard address plate: its addresses are what others "
                                           "are matched against, not mentions to match.")
    header_row: int = Field(1, ge=1, description="Excel: the 1-based row holding the column names.")
    footer_pattern: str | None = Field(None, description="Excel: regex of a total row; group 1 is the count.")
    freshness_column: str | None = Field(None, description="Timeliness: the column dating a record.")
    block_column: str | None = Field(None, description="The column holding each row's block code (street 9 "
                                     "digits, community 12, grid 15, building 19, unit 23): per-street figures.")
    quality: list[Check] = Field(default_factory=list, description="Checks beyond the derived ones.")

    @model_validator(mode="after")
    def _one_truth_per_column(self) -> TableSpec:
        for column, kind in self.sensitive.items():
            declared = self.columns.get(column)
            if declared is not None and declared.personal not in (None, kind):
                raise ValueError(f"column {column!r} is declared {declared.personal} in columns and {kind} in "
                                 "sensitive; say it once, in columns")
        return self

    @field_validator("columns")
    @classmethod
    def _plain_column_names(cls, columns: dict[str, ColumnSpec]) -> dict[str, ColumnSpec]:
        for name in columns:
            if not name.strip() or any(char in name for char in "'\"{}`\\") or not name.isprintable():
                raise ValueError(f"column {name!r}: a name with quotes, braces, backslashes or control characters "
                                 "cannot be staged safely; rename it at the source or in a hand-written model")
        return columns

    @model_validator(mode="after")
    def _named_columns_exist(self) -> TableSpec:
        if self.columns and self.observed_at and self.observed_at not in self.columns:
            raise ValueError(f"observed_at names {self.observed_at!r}, which is not among the table's columns")
        return self

    def staged(self, column: str) -> str:
        """The column's name in the table's staging model."""
        spec = self.columns.get(column)
        return spec.staged_as if spec and spec.staged_as else column

    @property
    def business_time(self) -> str | None:
        """The column dating a record by the source's own clock (when it was last changed there), which
        freshness is judged by: the declared one, else the incremental cursor; None if the table has none."""
        return self.freshness_column or self.load.cursor

    @property
    def personal(self) -> dict[str, SensitiveKind]:
        """The personal columns and what each is masked as: from the data elements, and the shorthand."""
        derived = {column: spec.personal for column, spec in self.columns.items() if spec.personal}
        return {**self.sensitive, **derived}


class SourceSpec(Strict):
    id: str = Field(pattern=IDENTIFIER)
    kind: SourceKind
    connection: str | None = Field(None, description="Connection id (databases).")
    namespace: str | None = Field(None, description="Schema (PostgreSQL) or database (MySQL).")
    path: str | None = Field(None, description="Files: folder (csv, parquet) or workbook (excel), "
                                               "under the sources dir.")
    encoding: Literal["utf-8", "gbk", "gb18030"] = "utf-8"
    delimiter: str = Field(",", min_length=1, max_length=1)
    quote: str = Field('"', min_length=1, max_length=1)

    @model_validator(mode="after")
    def _where(self) -> SourceSpec:
        if self.kind in DATABASE_KINDS and not self.connection:
            raise ValueError(f"a {self.kind} source needs 'connection: <connection id>'")
        if self.kind not in DATABASE_KINDS and not self.path:
            raise ValueError(f"a {self.kind} source needs 'path:'")
        return self


class Department(Strict):
    code: str = Field(pattern=IDENTIFIER)
    name: str
    uscc: str = Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
    contact: str | None = None
    schedule: str = "@daily"
    sources: list[SourceSpec] = Field(min_length=1)
    tables: list[TableSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Department:
        source_ids = {source.id for source in self.sources}
        for index, table in enumerate(self.tables):
            if table.source not in source_ids:
                raise ValueError(f"tables[{index}] ({table.name}) names unknown source '{table.source}'")
        names = [table.name for table in self.tables]
        if len(names) != len(set(names)):
            raise ValueError("table names must be unique within a department")
        return self

    def source(self, source_id: str) -> SourceSpec:
        return next(source for source in self.sources if source.id == source_id)

    def table(self, name: str) -> TableSpec:
        for table in self.tables:
            if table.name == name:
                return table
        raise ConfigError(f"department '{self.code}' has no table '{name}'; it has {[t.name for t in self.tables]}")


def raw_table_name(department: Department | str, table: TableSpec | str) -> str:
    """The lake table of a department's source table: ``raw.<department>__<table>``."""
    dept = department if isinstance(department, str) else department.code
    name = table if isinstance(table, str) else table.name
    return f"{dept}__{name}"


class Registry:
    """All departments, keyed by code, loaded from a folder of YAML files."""

    def __init__(self, departments: list[Department], folder: Path):
        self.folder = folder
        self.departments = {dept.code: dept for dept in departments}

    def department(self, code: str) -> Department:
        try:
            return self.departments[code]
        except KeyError:
            raise ConfigError(f"unknown department '{code}'; known: {sorted(self.departments)}") from None

    @cached_property
    def table_count(self) -> int:
        return sum(len(dept.tables) for dept in self.departments.values())


def load_registry(folder: Path | None = None) -> Registry:
    """Load and validate every ``*.yaml`` under ``folder`` (default: settings.registry_dir)."""
    if folder is None:
        from blocklake.settings import get_settings

        folder = get_settings().registry_dir
    files = sorted(Path(folder).glob("*.yaml"))
    if not files:
        raise ConfigError("no department files (*.yaml) in the registry folder", path=folder)
    departments = [_department(path) for path in files]
    seen: dict[str, Path] = {}
    for path, dept in zip(files, departments, strict=True):
        if dept.code in seen:
            raise ConfigError(f"department '{dept.code}' is also defined in {seen[dept.code]}", path=path)
        seen[dept.code] = path
    return Registry(departments, Path(folder))


# Each file's department as last parsed, by path, with the digest of the text it was parsed from. Every
# task of every DAG loads the registry, often more than once, and a bureau's runs to thousands of tables.
_PARSED: dict[Path, tuple[str, Department]] = {}


def _department(path: Path) -> Department:
    key, digest = path.resolve(), hashlib.sha256(path.read_bytes()).hexdigest()
    parsed = _PARSED.get(key)
    if parsed is None or parsed[0] != digest:
        parsed = _PARSED[key] = (digest, load_model(path, Department))
    return parsed[1]
