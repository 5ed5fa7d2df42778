"""The guide's fields in the terms harvesters know: EU controlled vocabularies for frequency, access rights
and file types (the ones DCAT-AP 3 names), formats as a list, keywords, the standards items conform to,
and the URLs of a resource. DCAT (:mod:`catalog.harvest.dcat`) and CKAN (:mod:`catalog.harvest.ckan`)
both read them from here, so the two never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from blocklake.update_cycles import parse_update_cycle
from blocklake.vocabulary import CLASSIFICATION_CLASSES
from catalog.directory_import.values import UnreadableValue, parse_formats
from catalog.models import Resource

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"

# Update interval (its ISO 8601 code, blocklake.update_cycles) → the EU frequency vocabulary (DCAT-AP 3 §7,
# dct:accrualPeriodicity). An interval the EU list does not name (every 5 days) has no term: the dataset says
# nothing rather than something wrong.
FREQUENCIES: dict[str, str] = {
    "realtime": "CONT", "irregular": "IRREG", "never": "NEVER", "PT1H": "HOURLY", "P1D": "DAILY", "P1W": "WEEKLY",
    "P2W": "BIWEEKLY", "P1M": "MONTHLY", "P2M": "BIMONTHLY", "P3M": "QUARTERLY", "P6M": "ANNUAL_2", "P1Y": "ANNUAL",
    "P2Y": "BIENNIAL", "P3Y": "TRIENNIAL", "P10Y": "DECENNIAL",
}


@dataclass(frozen=True)
class FileType:
    code: str  # in the EU file-type vocabulary
    media_type: str | None  # IANA, when there is one


# Format words (lower case) → file type. A format not here (数据库, 接口, file…) is named by its own word.
FILE_TYPES: dict[str, FileType] = {
    "csv": FileType("CSV", "text/csv"),
    "json": FileType("JSON", "application/json"),
    "xml": FileType("XML", "application/xml"),
    "xlsx": FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xls": FileType("XLS", "application/vnd.ms-excel"),
    "rdf": FileType("RDF_XML", "application/rdf+xml"),
    "parquet": FileType("PARQUET", "application/vnd.apache.parquet"),
    "pdf": FileType("PDF", "application/pdf"),
    "zip": FileType("ZIP", "application/zip"),
    "txt": FileType("TXT", "text/plain"),
    "sql": FileType("SQL", "application/sql"),
    "shp": FileType("SHP", None),
}

# Data elements the registry declares → the national standard their values follow (dct:conformsTo).
STANDARDS: dict[str, tuple[str, str]] = {
    "resident_id": ("GB 11643-1999", "公民身份号码"),
    "uscc": ("GB 32100-2015", "法人和其他组织统一社会信用代码编码规则"),
    "division_code": ("GB/T 2260", "中华人民共和国行政区划代码"),
}


def formats(resource: Resource) -> list[str]:
    """The resource's formats as a list, whatever syntax the list was written in; at least one."""
    try:
        return parse_formats(resource.format)
    except UnreadableValue:
        return ["数据库"]


def file_type(word: str) -> FileType | None:
    return FILE_TYPES.get(word.lower())


def frequency(resource: Resource) -> str | None:
    interval = resource.update_interval or (
        parse_update_cycle(resource.update_cycle).code if resource.update_cycle else None)
    code = FREQUENCIES.get(interval or "")
    return f"{EU_AUTHORITY}frequency/{code}" if code else None


def access_right(resource: Resource) -> str:
    """PUBLIC only when the resource is open to the public (开放); shared between departments, with or without
    conditions, is RESTRICTED (a department applies and holds a key); 不予共享 is NON_PUBLIC."""
    if resource.open_to_public:
        code = "PUBLIC"
    elif resource.share_type == "不予共享":
        code = "NON_PUBLIC"
    else:
        code = "RESTRICTED"
    return f"{EU_AUTHORITY}access-right/{code}"


def keywords(resource: Resource) -> list[str]:
    """The words a portal can filter by: the classification's class, the share type, the update cycle."""
    words = [CLASSIFICATION_CLASSES.get(resource.classification[:1]), resource.share_type, resource.update_cycle]
    return list(dict.fromkeys(word for word in words if word))


def standards(resource: Resource) -> list[tuple[str, str]]:
    """The standards the values of the resource's items follow, by the items' data elements."""
    found = {item.element for item in resource.items} | {item.sensitive for item in resource.items}
    return [STANDARDS[element] for element in sorted(found - {None}) if element in STANDARDS]


@dataclass(frozen=True)
class Links:
    """Where a resource is, for a catalog served at ``base`` (ending in ``/``)."""

    base: str

    def page(self, code: str) -> str:
        return f"{self.base}resources/{quote(code)}"

    def data_api(self, code: str) -> str:
        return f"{self.base}api/data/{quote(code)}"

    def access(self, resource: Resource) -> str:
        """The data API for a resource shared through the interface (接口), else its page (where one applies)."""
        return self.data_api(resource.code) if resource.share_method == "接口" else self.page(resource.code)

    def provider(self, department_code: str) -> str:
        return f"{self.base}?provider={quote(department_code)}"

    def classification(self, code: str) -> str:
        return f"{self.base}?classification={quote(code)}"
