"""Export and import the resource directory in the 编制指南's field names.

Directories arrive from other platforms as CSV exported by Excel (often GB18030) or as JSON, with their
own column names and free-text values (按月, 依申请, 2025年3月6日). Import maps those onto
:class:`DirectoryEntry` and reports, rather than guesses at, whatever it cannot map: a half-understood
resource in the directory is worse than one that is missing and listed as a problem.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from blocklake.errors import ConfigError
from blocklake.update_cycles import parse_update_cycle
from blocklake.vocabulary import ITEM_TYPE_TITLES, SHARE_TYPES, UPDATE_CYCLES, ItemType, ShareType, UpdateCycle
from catalog.directory_import.reading import DirectoryImportError, read_text
from catalog.directory_import.values import UnreadableValue, parse_share_type
from catalog.schemas import DataItemEntry, DirectoryEntry

__all__ = ["DirectoryImportError", "ImportProblem", "ImportResult", "export_csv", "export_json", "import_directory"]

FIELDS = DirectoryEntry.model_fields
ALIAS = {name: info.alias or name for name, info in FIELDS.items()}
_BY_ALIAS = {alias: name for name, alias in ALIAS.items()}
LIST_SEP = ";"  # between data items and between related codes in a CSV cell

# Column names other platforms use for the guide's fields.
SYNONYMS = {
    "资源名称": "name", "目录名称": "name", "资源代码": "code", "目录代码": "code",
    "提供单位": "provider", "提供部门": "provider", "提供方": "provider", "数源单位": "provider",
    "统一社会信用代码": "provider_code", "提供方代码": "provider_code", "摘要": "abstract", "资源摘要": "abstract",
    "资源格式": "format", "格式": "format", "信息项": "items", "数据项": "items",
    "共享属性": "share_type", "共享条件": "share_conditions", "共享方式": "share_method",
    "是否开放": "open_to_public", "开放属性": "open_to_public", "开放条件": "open_conditions",
    "更新频率": "update_cycle", "更新周期": "update_cycle", "资源分类": "classification", "分类": "classification",
    "发布时间": "publish_date", "发布日期": "publish_date",
    "关联资源代码": "related_codes", "关联资源": "related_codes",
}
OPEN_VALUES = {
    True: ("是", "开放", "向社会开放", "y", "yes", "true"), False: ("否", "不开放", "不向社会开放", "n", "no", "false"),
}
# GB/T 21063.3 type names, for platforms that spell the type out instead of using its code.
ITEM_TYPE_SPELLINGS: dict[str, ItemType] = {title: code for code, title in ITEM_TYPE_TITLES.items()} | {"二进制型": "B"}
DATE_PATTERN = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?:[ T].*)?")


def _invert(table: dict[Any, tuple[str, ...]]) -> dict[str, Any]:
    return {spelling.lower(): canonical for canonical, spellings in table.items() for spelling in spellings}


@dataclass(frozen=True)
class ImportProblem:
    """Something import could not map. ``row`` is the 1-based data row (JSON: index + 1); 0 is the header."""

    row: int
    field: str
    value: str
    reason: str


@dataclass
class ImportResult:
    entries: list[DirectoryEntry] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


class _BadValue(ValueError):
    pass


# --- export -----------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        if value and isinstance(value[0], DataItemEntry):
            return LIST_SEP.join(f"{item.name}:{item.type_code}" for item in value)
        return LIST_SEP.join(value)
    return str(value)


def export_csv(entries: Iterable[DirectoryEntry], path: Path) -> int:
    """One row per resource under the guide's field names. UTF-8 with a BOM, because Excel in a Chinese
    office reads a BOM-less CSV as GBK. Data items keep only name and type (``名称:类型;…``); use JSON
    to carry 字段名 and 敏感类别 too."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ALIAS.values())
        for entry in entries:
            writer.writerow(_cell(getattr(entry, name)) for name in FIELDS)
            count += 1
    return count


def export_json(entries: Iterable[DirectoryEntry], path: Path) -> int:
    """A JSON list of objects keyed by the guide's field names; the lossless format."""
    rows = [entry.model_dump(by_alias=True, mode="json") for entry in entries]
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(rows)


# --- value normalisation ----------------------------------------------------------------------------------


def _lookup(table: dict[Any, tuple[str, ...]], what: str) -> Callable[[Any], Any]:
    spellings = _invert(table)
    expected = "/".join(forms[0] if isinstance(canonical, bool) else canonical for canonical, forms in table.items())

    def normalise(value: Any) -> Any:
        key = str(value).strip().lower()
        if key.endswith("更新") and key not in spellings:  # 每日更新, 按月更新
            key = key[:-2]
        if key not in spellings:
            raise _BadValue(f"unknown {what} {value!r}; expected {expected}")
        return spellings[key]

    return normalise


_open_text = _lookup(OPEN_VALUES, "open attribute")


def _open(value: Any) -> bool:
    return value if isinstance(value, bool) else _open_text(value)


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    match = DATE_PATTERN.fullmatch(str(value).strip())
    if not match:
        raise _BadValue(f"unrecognised date {value!r}; use e.g. 2025-03-06, 2025/3/6, 2025年3月6日 or 20250306")
    year, month, day = (int(part) for part in match.groups() if part)
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise _BadValue(f"no such date {value!r}: {exc}") from exc


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    return [part.strip() for part in re.split(r"[;；]", str(value)) if part.strip()]


def _item(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # a JSON object: the model validates it
    name, colon, type_code = value.replace("：", ":").rpartition(":")
    if not colon:
        return {"name": value.strip()}
    type_code = type_code.strip()
    return {"name": name.strip(), "type_code": ITEM_TYPE_SPELLINGS.get(type_code, type_code.upper())}


def _items(value: Any) -> list[Any]:
    return [_item(item) for item in (value if isinstance(value, list) else _split(value))]


def _update_cycle(value: Any) -> UpdateCycle:
    """The guide's label of the interval the text means (blocklake.update_cycles); an interval the guide
    has no label for (每半年) cannot be a DirectoryEntry's cycle."""
    label = parse_update_cycle(value).label
    if label is None:
        raise _BadValue(f"unknown update cycle {value!r}; expected {'/'.join(UPDATE_CYCLES)}")
    return label


def _share_type(value: Any) -> ShareType:
    try:
        return parse_share_type(value)
    except UnreadableValue:
        raise _BadValue(f"unknown share type {value!r}; expected {'/'.join(SHARE_TYPES)}") from None


NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "update_cycle": _update_cycle, "share_type": _share_type,
    "open_to_public": _open, "publish_date": _date, "related_codes": _split, "items": _items,
}


# --- import -----------------------------------------------------------------------------------------------


def _field_name(name: str) -> str | None:
    """Our field for an English field name, a guide alias or a known synonym."""
    name = "".join(name.split()).lstrip("\ufeff")
    return name if name in FIELDS else _BY_ALIAS.get(name) or SYNONYMS.get(name)


def _resolve_columns(
    columns: Iterable[str], mapping: dict[str, str] | None
) -> tuple[dict[str, str], list[ImportProblem]]:
    """Column -> field for every column we can map; a problem (row 0) for each one we cannot."""
    explicit = {}
    for column, target in (mapping or {}).items():
        if _field_name(target) is None:
            raise ConfigError(f"mapping {column!r} -> {target!r}: {target!r} is not a field of the directory")
        explicit[column.strip()] = _field_name(target)
    resolved: dict[str, str] = {}
    problems = []
    for column in dict.fromkeys(columns):
        target = explicit.get(column.strip()) or _field_name(column)
        if target is None:
            problems.append(ImportProblem(0, column, "", "not mapped"))
        elif target in resolved.values():
            problems.append(ImportProblem(0, column, "", f"ignored: {ALIAS[target]} already comes from another column"))
        else:
            resolved[column] = target
    return resolved, problems


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _build(row: int, raw: dict[str, Any], columns: dict[str, str]) -> DirectoryEntry | list[ImportProblem]:
    """The entry for one row, or every problem with it, so a user can fix a row in one pass."""
    data, problems = {}, []
    for column, target in columns.items():
        value = raw.get(column)
        if _is_blank(value):
            continue  # the model's default applies, or it reports the field as required
        try:
            data[target] = NORMALISERS.get(target, _strip)(value)
        except _BadValue as exc:
            problems.append(ImportProblem(row, ALIAS[target], str(value), str(exc)))
    try:
        entry = DirectoryEntry.model_validate(data)
    except ValidationError as exc:
        reported = {problem.field for problem in problems}
        problems += [problem for problem in map(partial(_problem, row), exc.errors()) if problem.field not in reported]
    return problems or entry


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _problem(row: int, error: Any) -> ImportProblem:
    head, *rest = error["loc"]
    target = _field_name(str(head)) or str(head)
    value = "" if error["type"] == "missing" else str(error["input"])
    where = " ".join(f"#{part + 1}" if isinstance(part, int) else str(part) for part in rest)
    return ImportProblem(row, ALIAS.get(target, target), value, f"{error['msg']} ({where})" if where else error["msg"])


def _read_text(path: Path) -> str:
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise DirectoryImportError(f"cannot read the file: {exc.strerror or exc}", path=path) from exc
    return read_text(payload, path)


def _csv_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str | None, Any]]]]:
    try:
        header, *rows = list(csv.reader(io.StringIO(_read_text(path), newline="")))
    except (csv.Error, ValueError) as exc:
        raise DirectoryImportError(f"not a CSV file with a header row: {exc}", path=path) from exc
    return header, [(number, _cells(header, cells)) for number, cells in enumerate(rows, 1)
                    if any(cell.strip() for cell in cells)]  # Excel leaves blank rows at the end


def _cells(header: list[str], cells: list[str]) -> dict[str | None, Any]:
    row: dict[str | None, Any] = dict(zip(header, cells, strict=False))
    extra = [cell for cell in cells[len(header):] if cell.strip()]
    if extra:
        row[None] = extra  # a shifted row: its values cannot be trusted to be in their columns
    return row


def _json_rows(path: Path) -> tuple[list[str], list[tuple[int, Any]]]:
    try:
        rows = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise DirectoryImportError(f"invalid JSON at line {exc.lineno}: {exc.msg}", path=path) from exc
    if not isinstance(rows, list):
        raise DirectoryImportError("expected a JSON list of resource objects", path=path)
    columns = [key for row in rows if isinstance(row, dict) for key in row]
    return columns, list(enumerate(rows, 1))


def import_directory(path: Path, mapping: dict[str, str] | None = None) -> ImportResult:
    """Read a directory CSV or JSON (by suffix). ``mapping`` maps another platform's column names to our
    field names (English or the guide's); common synonyms are known without it. Bad rows are reported
    in ``problems`` and not imported; only an unreadable file raises :class:`DirectoryImportError`."""
    readers = {".csv": _csv_rows, ".json": _json_rows}
    reader = readers.get(Path(path).suffix.lower())
    if reader is None:
        raise DirectoryImportError(f"unknown format {Path(path).suffix!r}; expected .csv or .json", path=path)
    header, rows = reader(Path(path))
    columns, problems = _resolve_columns(header, mapping)
    result = ImportResult(problems=problems)
    for number, raw in rows:
        built = _row(number, raw, columns)
        if isinstance(built, DirectoryEntry):
            result.entries.append(built)
        else:
            result.problems.extend(built)
    return result


def _row(number: int, raw: Any, columns: dict[str, str]) -> DirectoryEntry | list[ImportProblem]:
    if not isinstance(raw, dict):
        return [ImportProblem(number, "", str(raw), "not an object of fields")]
    if None in raw:
        return [ImportProblem(number, "", ";".join(raw[None]), "more cells than the header has columns")]
    return _build(number, raw, columns)
