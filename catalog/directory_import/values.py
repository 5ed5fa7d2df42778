"""One cell of another platform's directory, read as what it means: dates, format lists, open types,
share types, classification codes, data items with their types. Each reader returns the value or raises
:class:`UnreadableValue` with a reason a user can act on; an unreadable optional value leaves its field to
complete (待补全), it never refuses the row. Update cycles are read by the core (:mod:`blocklake.update_cycles`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from blocklake.csv_cells import unquoted
from blocklake.errors import BlocklakeError
from blocklake.identifiers import compact, is_valid_uscc
from blocklake.vocabulary import (
    ITEM_TYPE_TITLES,
    SENSITIVE_KINDS,
    SENSITIVE_TITLES,
    SHARE_METHODS,
    ItemType,
    SensitiveKind,
    ShareMethod,
    ShareType,
)
from catalog.schemas import DataItemEntry

EXCEL_EPOCH = date(1899, 12, 30)  # Excel's serial day 0 (after its 1900 leap-year bug)
SERIALS = range(10_000, 80_000)  # serial days of 1927…2118: a bare number in that range in a date column
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\d{6})?")
_FORMAT_SEPARATORS = re.compile(r"[\[\]{}()（）'\"“”‘’\s,，、;；|/\\+&和及]+")
# Format words other than file suffixes, and what we call them.
# Format words as the directory keeps them: a file type in lower case (csv, xlsx), the guide's own words for
# the kinds that are no file type (数据库 as the guide's default, 接口, 文件), whatever a platform wrote.
FORMAT_WORDS = {"file": "文件", "下载文件": "文件", "api": "接口", "服务接口": "接口", "database": "数据库",
                "db": "数据库", "库表": "数据库", "电子表格": "xlsx", "excel": "xlsx", "表格": "xlsx", "文本": "txt",
                "image": "图片", "other": "其他"}
NON_FILE_FORMATS = frozenset({"文件", "接口", "数据库", "图片", "其他"})
SHARE_METHOD_WORDS: dict[ShareMethod, str] = {"接口": r"接口|api|服务", "文件": r"文件|file|下载",
                                             "数据库": r"数据库|库表|交换|database"}
_NOTHING = {"", "无", "null", "none", "nan", "n/a", "暂无", "空", "未知", "待定", "未填写", "不详"}
# A cell of dashes or dots (-, --, —, /, ……) says nothing.
_ONLY_MARKS = re.compile(r"[\s\-\u2010-\u2015\u2026_/\\.·、,，。*]*")
_CLASSIFICATION = re.compile(r"\d{1,2}(?:[.\-_]\d{1,4}){0,3}")
# Characters mojibake leaves behind: UTF-8 read as Latin-1 / cp1252, GBK's replacement pair 锟斤拷, U+FFFD.
_MOJIBAKE = re.compile(r"[\u00c0-\u00ff][\u0080-\u00bf\u2018-\u203a\u0152-\u0178]|锟斤拷|\ufffd")


class UnreadableValue(BlocklakeError, ValueError):
    """A cell whose text does not say a value of its field."""


@dataclass(frozen=True)
class OpenType:
    """What an open type (开放属性/开放类型) says: open to the public or not, and on what condition."""

    label: str  # 无条件开放 / 有条件开放 / 依申请开放 / 不予开放
    open_to_public: bool
    conditions: str | None


OPEN_TYPES = {
    "unconditional": OpenType("无条件开放", True, None),
    "conditional": OpenType("有条件开放", True, "有条件开放"),
    "on_application": OpenType("依申请开放", True, "依申请开放"),
    "closed": OpenType("不予开放", False, None),
}


def is_nothing(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    cleaned = text(value).lower()
    return cleaned in _NOTHING or bool(_ONLY_MARKS.fullmatch(cleaned))


def text(value: Any) -> str:
    """A cell as clean text to read a value from: full-width forms folded, mojibake repaired, trimmed."""
    return unicodedata.normalize("NFKC", prose(value)).strip()


def prose(value: Any) -> str:
    """A cell of free text (a name, an abstract, a condition) as written: mojibake repaired and trimmed, but
    its full-width punctuation (，。（）) kept, since it is part of the text; the apostrophe our CSV export puts
    before a formula-like cell (blocklake.csv_cells) taken off."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps numbers as floats
    raw = str(value)
    raw = repair(raw) if _MOJIBAKE.search(raw) else raw  # before NFKC, which would fold the mojibake further
    return unquoted(raw.strip().strip("\u200b\ufeff"))


def repair(value: str) -> str:
    """UTF-8 that an exporting system decoded as Latin-1 or cp1252, decoded again; else unchanged."""
    for wrong in ("cp1252", "latin-1"):
        try:
            return value.encode(wrong).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return value


def is_garbled(value: str) -> bool:
    return bool(_MOJIBAKE.search(value)) or value.count("?") * 2 >= len(value) > 0


def parse_date(value: Any) -> date:
    """2020-07-20, 2021/3/6, 2025年3月6日, 2025年3月, 20250306, an Excel serial day, a datetime."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    cleaned = text(value)
    if isinstance(value, int | float) or (cleaned.isdigit() and len(cleaned) == 5):
        serial = int(float(cleaned))
        if serial in SERIALS:
            return EXCEL_EPOCH + timedelta(days=serial)
    match = _DATE.search(cleaned) or _COMPACT_DATE.fullmatch(cleaned)
    if not match:
        raise UnreadableValue(f"不是日期：{cleaned!r}（如 2025-03-06、2025/3/6、2025年3月6日）")
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise UnreadableValue(f"没有这一天：{cleaned!r}（{exc}）") from exc


def parse_formats(value: Any) -> list[str]:
    """A list of formats in any syntax: ['xml', 'json'], [csv,json,rdf], xlsx，xls, 文件、接口."""
    if isinstance(value, list):
        value = ",".join(map(str, value))
    found = []
    for token in _FORMAT_SEPARATORS.split(text(value).lower()):
        token = token.strip(".")
        if token and token not in _NOTHING:
            found.append(FORMAT_WORDS.get(token, token))
    if not found or any(is_garbled(token) for token in found):
        raise UnreadableValue(f"读不出格式：{text(value)!r}（如 csv、xlsx、json、接口）")
    return list(dict.fromkeys(found))


def parse_open_type(value: Any) -> OpenType:
    """无条件开放 / 有条件开放 / 依申请开放 / 不予开放 and other portals' words for them, typing errors
    included: read by what the words say (a negation, 无条件, 申请, a condition), not from a list."""
    cleaned = text(value).lower()
    if isinstance(value, bool) or cleaned in {"true", "false"}:
        return OPEN_TYPES["unconditional" if cleaned == "true" else "closed"]
    if re.search(r"不予|不开|非开|禁止|不公开|不向社会|^否$|^no?$|closed|not open|restricted-no", cleaned):
        return OPEN_TYPES["closed"]
    if re.search(r"无条|无限制|完全|普遍|直接|unconditional|^open$|^是$|^y(es)?$", cleaned):
        return OPEN_TYPES["unconditional"]
    if re.search(r"申请|依申|申清|apply|application|request", cleaned):
        return OPEN_TYPES["on_application"]
    if re.search(r"有条|条件|受限|限制|授权|conditional|restricted", cleaned):
        return OPEN_TYPES["conditional"]
    if re.search(r"开放|公开|开方|public", cleaned):
        return OPEN_TYPES["unconditional"]
    raise UnreadableValue(f"不是开放类型：{cleaned!r}（无条件开放 / 有条件开放 / 依申请开放 / 不予开放）")


def parse_share_type(value: Any) -> ShareType:
    """无条件共享 / 有条件共享 / 不予共享, and their short forms and typing errors, read the same way."""
    cleaned = text(value).lower()
    if re.search(r"不予|不共享|不可|禁止|非共享|^否$", cleaned):
        return "不予共享"
    if re.search(r"无条|无限制|完全|unconditional", cleaned):
        return "无条件共享"
    if re.search(r"有条|条件|申请|受限|限制|授权|conditional", cleaned):
        return "有条件共享"
    raise UnreadableValue(f"不是共享类型：{cleaned!r}（无条件共享 / 有条件共享 / 不予共享）")


def parse_share_method(value: Any) -> ShareMethod:
    cleaned = text(value).lower()
    for method, pattern in SHARE_METHOD_WORDS.items():
        if re.search(pattern, cleaned):
            return method
    raise UnreadableValue(f"不是共享方式：{cleaned!r}（{' / '.join(SHARE_METHODS)}）")


def parse_classification(value: Any) -> str:
    """The guide's classification code (类.项.目, e.g. 1.01.001); a theme's name is not one."""
    cleaned = text(value)
    if not _CLASSIFICATION.fullmatch(cleaned):
        raise UnreadableValue(f"不是资源分类代码：{cleaned!r}（类.项.目，如 1.01.001）")
    return re.sub(r"[\-_]", ".", cleaned)


def parse_uscc(value: Any) -> str:
    cleaned = compact(text(value)).upper()
    if not is_valid_uscc(cleaned):
        raise UnreadableValue(f"不是统一社会信用代码：{cleaned!r}（18 位，末位校验码）")
    return cleaned


# GB/T 21063.3's type codes, and their names for platforms that spell the type out (二进制型 too).
ITEM_TYPE_SPELLINGS: dict[str, ItemType] = ({code: code for code in ITEM_TYPE_TITLES}
                                            | {title: code for code, title in ITEM_TYPE_TITLES.items()}
                                            | {"二进制型": "B"})
_ITEM_SEPARATORS = re.compile(r"[;；,，、|\n]")
_ITEM_FIELDS = {info.alias or name: name for name, info in DataItemEntry.model_fields.items()}


def parse_items(value: Any) -> list[DataItemEntry]:
    """Data items: names with a type after a colon or without (字符型), as our CSV export writes them
    (``姓名:C;出生日期:D``) and other platforms list them (姓名、性别); or a JSON list of names or of
    objects keyed as our JSON export keys them (信息项名称, 数据类型, 字段名, 敏感类别)."""
    parts = value if isinstance(value, list) else _ITEM_SEPARATORS.split(prose(value))
    return [_item(part) for part in parts if isinstance(part, dict) or not is_nothing(part)]


def _item(value: Any) -> DataItemEntry:
    if isinstance(value, dict):
        fields = {_ITEM_FIELDS.get(key, key): prose(cell) for key, cell in value.items() if not is_nothing(cell)}
        if not fields.get("name"):
            raise UnreadableValue(f"信息项缺少信息项名称：{value!r}")
        sensitive = fields.get("sensitive")
        return DataItemEntry(name=fields["name"], type_code=parse_item_type(fields.get("type_code", "C")),
                             column=fields.get("column"), sensitive=_sensitive(sensitive) if sensitive else None)
    written = prose(value)
    name, colon, spelled = written.replace("：", ":").rpartition(":")
    if colon and name.strip() and _item_type(spelled):
        return DataItemEntry(name=name.strip(), type_code=parse_item_type(spelled))
    return DataItemEntry(name=written)  # a colon in the name, not a type after it


def _item_type(value: Any) -> ItemType | None:
    cleaned = text(value)
    return ITEM_TYPE_SPELLINGS.get(cleaned) or ITEM_TYPE_SPELLINGS.get(cleaned.upper())


_SENSITIVE_SPELLINGS: dict[str, SensitiveKind] = ({kind: kind for kind in SENSITIVE_KINDS}
                                                 | {title: kind for kind, title in SENSITIVE_TITLES.items()})


def _sensitive(value: str) -> SensitiveKind:
    """A data item's sensitive kind, as our export writes it (resident_id) or by its title."""
    if text(value) not in _SENSITIVE_SPELLINGS:
        raise UnreadableValue(f"不是敏感类别：{value!r}（{'、'.join(_SENSITIVE_SPELLINGS)}）")
    return _SENSITIVE_SPELLINGS[text(value)]


def parse_item_type(value: Any) -> ItemType:
    """A data item's type: its code (C, D…) or its name (字符型, 日期型…)."""
    found = _item_type(value)
    if found is None:
        raise UnreadableValue(f"不是数据类型：{text(value)!r}（{'、'.join(ITEM_TYPE_SPELLINGS)}）")
    return found
