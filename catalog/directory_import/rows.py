"""One row of another platform's directory, read through the confirmed mapping into what we register.

A row is refused only when it cannot be a resource at all (no name, or its cells cannot be trusted);
a row lacking a field the guide requires is registered as 待补全 with those fields listed, and a value
that cannot be read is noted and left for the provider to complete, never guessed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from blocklake.update_cycles import UNKNOWN, UpdateInterval, parse_update_cycle
from catalog.directory_import.guessing import FIELD_TITLES
from catalog.directory_import.providers import Department, ProviderMatcher
from catalog.directory_import.reading import SourceRow
from catalog.directory_import.values import (
    OpenType,
    UnreadableValue,
    is_garbled,
    is_nothing,
    parse_classification,
    parse_date,
    parse_formats,
    parse_items,
    parse_open_type,
    parse_share_method,
    parse_share_type,
    parse_uscc,
    prose,
    text,
)
from catalog.schemas import DirectoryEntry

Status = Literal["imported", "pending", "refused"]
STATUS_TITLES: dict[Status, str] = {"imported": "导入", "pending": "待补全", "refused": "拒绝"}
# What the guide requires of every entry (the fields DirectoryEntry has no default for).
REQUIRED: tuple[str, ...] = tuple(name for name, info in DirectoryEntry.model_fields.items() if info.is_required())
STABLE_CODE_PREFIX = "IMP-"
CODE_LENGTH = 64  # catalog.models.Resource.code


def _interval(value: Any) -> UpdateInterval:
    interval = parse_update_cycle(text(value))
    if interval == UNKNOWN:
        raise UnreadableValue(f"不是更新周期：{text(value)!r}（如 每月、每半年、每3日、不定期、实时）")
    return interval


def _code(value: Any) -> str:
    code = text(value)
    if len(code) > CODE_LENGTH or is_garbled(code):
        raise UnreadableValue(f"不是资源代码：{code[:80]!r}（至多 {CODE_LENGTH} 个字符）")
    return code


def _codes(value: Any) -> list[str]:
    """Related resources' codes: ``1.02.001/000003;2.05.002/000011`` (any list separator), or a JSON list."""
    parts = value if isinstance(value, list) else re.split(r"[\s;；,，、|]+", text(value))
    return list(dict.fromkeys(_code(part) for part in parts if not is_nothing(part)))


# How each field's cell is read; the others are free text (``prose``).
READERS: dict[str, Callable[[Any], Any]] = {
    "code": _code,
    "classification": parse_classification, "format": parse_formats, "share_type": parse_share_type,
    "share_method": parse_share_method, "open_type": parse_open_type, "update_cycle": _interval,
    "publish_date": parse_date, "updated_date": parse_date, "provider_code": parse_uscc, "items": parse_items,
    "related_codes": _codes,
}


@dataclass
class RowOutcome:
    number: int
    status: Status
    name: str = ""
    code: str | None = None
    provider: Department | None = None
    provider_name: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # required fields it lacks (待补全)
    notes: list[str] = field(default_factory=list)  # values that could not be read, how the provider was found
    reason: str | None = None  # why it was refused

    @property
    def open_type(self) -> OpenType | None:
        return self.values.get("open_type")


def read_row(row: SourceRow, columns: dict[str, str], defaults: dict[str, str],
             providers: ProviderMatcher) -> RowOutcome:
    """The outcome of one row: imported (complete), pending (待补全) or refused, with why."""
    if row.unreadable:
        return RowOutcome(row.number, "refused", reason=f"无法读取：{row.unreadable}")
    raw = {target: row.cells.get(column) for column, target in columns.items()}
    name = prose(raw.get("name"))
    if is_nothing(name):
        return RowOutcome(row.number, "refused", reason="没有资源名称")
    if is_garbled(name):
        return RowOutcome(row.number, "refused", name=name, reason=f"资源名称无法识别（乱码）：{name!r}")
    outcome = RowOutcome(row.number, "imported", name=name, values={"name": name})
    for target in FIELD_TITLES:
        value = raw.get(target)
        if is_nothing(value) and target in defaults:
            value = defaults[target]
        if target != "name" and not is_nothing(value):
            _read(outcome, target, value)
    _match_provider(outcome, providers)
    outcome.code = outcome.values.get("code") or stable_code(outcome)
    outcome.missing = [name for name in REQUIRED if name not in outcome.values]
    outcome.status = "pending" if outcome.missing else "imported"
    return outcome


def _read(outcome: RowOutcome, target: str, value: Any) -> None:
    reader = READERS.get(target, prose)
    try:
        outcome.values[target] = reader(value)
    except UnreadableValue as exc:
        outcome.notes.append(f"{FIELD_TITLES[target]}：{exc}")


def _match_provider(outcome: RowOutcome, providers: ProviderMatcher) -> None:
    outcome.provider_name = outcome.values.get("provider", "")
    match = providers.match(outcome.provider_name)
    outcome.provider = match.department
    if match.department is None:
        if outcome.provider_name:
            outcome.notes.append(f"提供方「{outcome.provider_name}」未能对应到目录中的部门（{match.how}）")
        outcome.values.pop("provider_code", None)  # a code is only trusted with the department it belongs to
        return
    outcome.values["provider"] = match.department.name
    if match.how != "名称一致":
        outcome.notes.append(f"提供方「{outcome.provider_name}」对应为「{match.department.name}」（{match.how}）")
    if match.department.uscc:
        outcome.values["provider_code"] = match.department.uscc


def stable_code(outcome: RowOutcome) -> str:
    """A code for a row its file gives none: the same provider and name, as the file writes them, give
    the same code on every import (whichever department the name matches by then), so importing the
    file again updates rather than duplicates."""
    provider, name = ("".join(text(written).split()) for written in (outcome.provider_name, outcome.name))
    digest = hashlib.sha1(f"{provider}|{name}".encode()).hexdigest()
    return f"{STABLE_CODE_PREFIX}{digest[:12].upper()}"
