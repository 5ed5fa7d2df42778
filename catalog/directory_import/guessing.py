"""Which column holds which field of the directory, guessed from the headers AND the values.

Headers are read by the words they contain (资源名称, 数据集名称, 数源单位…), not looked up in a list.
Values overrule headers where they are unmistakable: a column of 无条件开放 / 依申请开放 is the open type
whatever its header says, a column of dates is a date, a column of valid credit codes is the provider's
code. The result is a proposal the user confirms or edits (``blocklake directory import --mapping``, the
bureau's upload page), and can save per source platform.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from blocklake.identifiers import compact, is_valid_uscc
from blocklake.update_cycles import UNKNOWN, parse_update_cycle
from catalog.directory_import.reading import SourceTable
from catalog.directory_import.values import (
    NON_FILE_FORMATS,
    UnreadableValue,
    is_nothing,
    parse_date,
    parse_formats,
    text,
)
from catalog.schemas import DirectoryEntry

# The fields a column can map onto, with the titles the page shows.
FIELD_TITLES: dict[str, str] = {
    "name": "资源名称", "code": "资源代码", "provider": "提供方", "provider_code": "提供方代码（统一社会信用代码）",
    "classification": "资源分类", "abstract": "摘要", "format": "格式", "share_type": "共享类型",
    "share_conditions": "共享条件", "share_method": "共享方式", "open_type": "开放类型",
    "open_conditions": "开放条件", "update_cycle": "更新周期", "publish_date": "发布日期",
    "updated_date": "更新日期", "items": "信息项", "related_codes": "关联资源代码",
}
# Our own export's column names (catalog.directory_io: the guide's names, DirectoryEntry's aliases) and
# their fields, known for certain: a directory moved between two Blocklake installations, or edited in Excel.
OWN_EXPORT_COLUMNS: dict[str, str] = {
    info.alias or name: "open_type" if name == "open_to_public" else name
    for name, info in DirectoryEntry.model_fields.items()
}
OWN_EXPORT = "本平台导出格式"
# Header words per field, tried in this order: the first field whose pattern a header matches wins.
HEADER_PATTERNS: tuple[tuple[str, str], ...] = (
    ("provider_code", r"(提供|来源|数源|发布|责任|主管).*(代码|编码)|信用代码|机构代码|publisher.?id"),
    ("share_conditions", r"共享条件|共享依据"),
    ("open_conditions", r"开放条件|开放依据"),
    ("share_method", r"共享方式|共享途径|交换方式"),
    ("share_type", r"共享(类型|属性|类别|级别)|是否共享"),
    ("open_type", r"开放(类型|属性|类别|状态|方式|级别)|是否开放|open.?type|access.?level"),
    ("update_cycle", r"更新(周期|频率|频次)|频率|周期|frequency|periodicity"),
    ("updated_date", r"(更新|修改|变更)(时间|日期)|最后更新|modified|updated"),
    ("publish_date", r"(发布|上线|创建|公开|首发|登记|上架)(时间|日期)|issued|created|published"),
    ("related_codes", r"关联|相关资源|relat"),
    ("classification", r"分类|类别|目录类|classification|category"),
    ("format", r"格式|文件类型|数据类型|format|suffix"),
    ("items", r"信息项|数据项|字段|items|fields"),
    ("abstract", r"摘要|描述|简介|说明|概述|description|abstract|summary"),
    ("code", r"(资源|目录|数据集)?(代码|编码|编号|标识)|^id$|identifier"),
    ("provider", r"提供|来源|数源|发布(单位|部门|机构)|责任(单位|部门)|主管|部门|机构|单位|publisher|provider|org"),
    ("name", r"名称|标题|数据集|资源名|title|name"),
)
SAMPLE = 300  # values per column looked at
STRONG = 0.8  # share of a column's values that must read as a kind for the values to decide
_OPEN_WORDS = re.compile(r"(无条件|有条件|依申请|不予|不|非)开放|开放$|^依申请$")
_SHARE_WORDS = re.compile(r"(无条件|有条件|不予|不)共享")
_UNIT_SUFFIX = re.compile(r"(局|委|委员会|办公室|办|院|中心|政府|所|站|队|处|厅|部|署|馆|街道办事处|分局)$")
_FILE_TYPES = frozenset({"csv", "xls", "xlsx", "json", "xml", "rdf", "pdf", "doc", "docx", "txt", "zip", "shp", "wms",
                         "wfs", "html", "jpg", "png"})


@dataclass(frozen=True)
class Guess:
    column: str
    field: str | None
    reason: str  # what the guess rests on, shown for confirmation


def guess_mapping(table: SourceTable, saved: dict[str, str] | None = None,
                  confirmed: dict[str, str] | None = None) -> list[Guess]:
    """A field (or none, "") for every column: as the user confirmed it, else as saved for the platform,
    else as our own export names it, else guessed from the values, else from the header."""
    given = {**{column: (field, "已保存的映射") for column, field in (saved or {}).items()},
             **{column: (field, "已确认") for column, field in (confirmed or {}).items()}}
    samples = {column: _sample(table, column) for column in table.columns}
    proposals = []
    for column in table.columns:
        if column in given:
            field, reason = given[column]
            proposals.append((4, Guess(column, field or None, reason)))
            continue
        if column in OWN_EXPORT_COLUMNS:
            proposals.append((3, Guess(column, OWN_EXPORT_COLUMNS[column], OWN_EXPORT)))
            continue
        by_values = _by_values(samples[column], column)
        by_header = _by_header(column)
        if by_values:
            proposals.append((2, by_values))
        elif by_header:
            proposals.append((1, Guess(column, by_header, f"表头「{column}」")))
        else:
            proposals.append((0, Guess(column, None, "未识别")))
    return _names_and_providers(_one_column_per_field(proposals), samples)


def _names_and_providers(guesses: list[Guess], samples: dict[str, list[Any]]) -> list[Guess]:
    """Without a name column nothing can be imported: failing headers, the name is the unmapped column of
    short texts that differ row by row; likewise the provider, a column of units' names (…局, …委员会)."""
    taken = {guess.field for guess in guesses}
    fallbacks = (("provider", _is_units, "的值是单位名称"), ("name", _is_names, "的值是各不相同的短文字"))
    for field, test, reason in fallbacks:
        if field in taken:
            continue
        scored = [(test(samples[guess.column]), guess.column) for guess in guesses if guess.field is None]
        score, column = max(scored, default=(0.0, ""))
        if score >= STRONG:
            guesses = [Guess(column, field, f"{score:.0%} {reason}") if guess.column == column else guess
                       for guess in guesses]
    return guesses


def _is_names(values: list[Any]) -> float:
    texts = [text(value) for value in values]
    if not texts or not all(2 <= len(value) <= 60 and re.search(r"[\u4e00-\u9fff]", value) for value in texts):
        return 0.0
    return len(set(texts)) / len(texts)


def _is_units(values: list[Any]) -> float:
    return _share(values, lambda value: bool(_UNIT_SUFFIX.search(text(value))))


def _one_column_per_field(proposals: list[tuple[int, Guess]]) -> list[Guess]:
    """A field taken by a stronger proposal (or an earlier column of the same strength) leaves the others unmapped."""
    taken: dict[str, str] = {}
    for _strength, guess in sorted(proposals, key=lambda pair: -pair[0]):
        if guess.field and guess.field not in taken:
            taken[guess.field] = guess.column
    return [guess if guess.field is None or taken.get(guess.field) == guess.column
            else Guess(guess.column, None, f"「{FIELD_TITLES[guess.field]}」已由列「{taken[guess.field]}」提供")
            for _, guess in proposals]


def _sample(table: SourceTable, column: str) -> list[Any]:
    values = (row.cells.get(column) for row in table.rows)
    return [value for value in values if not is_nothing(value)][:SAMPLE]


def _by_header(column: str) -> str | None:
    header = "".join(column.split()).lower()
    return next((field for field, pattern in HEADER_PATTERNS if re.search(pattern, header)), None)


def _share(values: list[Any], reads: Callable[[Any], bool]) -> float:
    return sum(1 for value in values if reads(value)) / len(values) if values else 0.0


def _by_values(values: list[Any], column: str) -> Guess | None:
    if not values:
        return None
    header_field = _by_header(column)
    for field, reads, kind in _VALUE_KINDS:
        share = _share(values, reads)
        if share >= STRONG:
            if field == "publish_date" and header_field == "updated_date":
                field = "updated_date"
            return Guess(column, field, f"{share:.0%} 的值是{kind}")
    return None


def _reads(parse: Callable[[Any], Any]) -> Callable[[Any], bool]:
    def reads(value: Any) -> bool:
        try:
            parse(value)
        except UnreadableValue:
            return False
        return True
    return reads


def _is_cycle(value: Any) -> bool:
    cleaned = text(value)
    return len(cleaned) <= 10 and not re.search(r"\d{4}", cleaned) and parse_update_cycle(cleaned) != UNKNOWN


def _is_formats(value: Any) -> bool:
    try:
        return all(token in _FILE_TYPES | NON_FILE_FORMATS for token in parse_formats(value))
    except UnreadableValue:
        return False


def _is_date(value: Any) -> bool:
    """A date written as one; a bare number (an Excel serial day, a count) decides nothing by itself."""
    cleaned = text(value)
    bare_number = isinstance(value, int | float) or (cleaned.isdigit() and len(cleaned) != 8)
    return not bare_number and len(cleaned) <= 30 and _reads(parse_date)(value)


_VALUE_KINDS: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("open_type", lambda value: bool(_OPEN_WORDS.search(text(value))), "开放类型"),
    ("share_type", lambda value: bool(_SHARE_WORDS.search(text(value))), "共享类型"),
    ("provider_code", lambda value: is_valid_uscc(compact(text(value)).upper()), "统一社会信用代码"),
    ("publish_date", _is_date, "日期"),
    ("update_cycle", _is_cycle, "更新周期"),
    ("format", _is_formats, "格式"),
)


def mapping_of(guesses: Iterable[Guess]) -> dict[str, str]:
    return {guess.column: guess.field for guess in guesses if guess.field}
