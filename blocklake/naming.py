"""What a column's name says: a Chinese title, the data element it hints at, and whose it is (a role such
as 房主 or 监护人). Government systems name columns in pinyin initials (``sfzh``, ``gmsfhm``, ``fzxm``),
in national standard codes (``aac002``), in English or in Chinese; the words they use are in
``blocklake/reference/column_words.csv``. The name is a hint: :mod:`blocklake.elements` decides from the
values, and the name speaks where they cannot.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from blocklake.elements import ELEMENTS, Element

WORDS_CSV = Path(__file__).resolve().parent / "reference" / "column_words.csv"
# Chinese names: the keyword that gives the element; what stands before it names whose it is.
CHINESE_KEYWORDS: tuple[tuple[str, Element], ...] = (
    ("公民身份号码", "resident_id"), ("身份证号码", "resident_id"), ("身份证号", "resident_id"),
    ("身份证", "resident_id"), ("证件号码", "resident_id"), ("统一社会信用代码", "uscc"),
    ("纳税人识别号", "uscc"), ("姓名", "person_name"), ("手机号码", "phone"), ("联系电话", "phone"),
    ("电话", "phone"), ("手机", "phone"), ("住址", "address"), ("地址", "address"), ("住所", "address"),
    ("银行卡号", "bank_card"), ("金额", "amount"), ("日期", "date"), ("时间", "datetime"),
    ("名称", "text"), ("编号", "identifier"), ("编码", "code"), ("代码", "code"), ("类别", "code"),
    ("类型", "code"), ("状态", "code"), ("等级", "code"), ("性别", "code"),
)
# Chinese words for whose a column is, beside the roles of the dictionary: 新生儿姓名, 户主身份证号
PERSON_ROLES = ("新生儿", "申请人", "户主", "配偶", "子女", "学生", "患者", "负责人", "经办人", "紧急联系人", "联系人")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class NameReading:
    title: str | None  # the Chinese title proposed for the column (None: nothing known of the name)
    element: Element | None  # the element the name hints at
    role: str | None = None  # whose it is, when the name says (房主, 监护人, 母亲)


@dataclass(frozen=True)
class _Word:
    title: str
    element: Element | None


_PERSON_NAME = _Word("姓名", "person_name")


@cache
def _dictionary() -> tuple[dict[str, _Word], dict[str, str]]:
    """The words (abbreviation → title and element) and the roles (abbreviation → title)."""
    words: dict[str, _Word] = {}
    roles: dict[str, str] = {}
    with WORDS_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == "role":
                roles[row["word"]] = row["title"]
            else:
                element = row["element"] or None
                if element is not None and element not in ELEMENTS:
                    raise ValueError(f"{WORDS_CSV}: unknown element {element!r} for {row['word']!r}")
                words[row["word"]] = _Word(row["title"], element)  # type: ignore[arg-type]
    return words, roles


def read_name(column: str) -> NameReading:
    """The title, element and role a column's name gives."""
    if _HAN.search(column):
        return _read_chinese(column)
    name = column.strip().lower()
    words, roles = _dictionary()
    if name in words:
        return NameReading(words[name].title, words[name].element)
    for role in sorted(roles, key=len, reverse=True):  # fzsfzh = fz + sfzh, wgy_xm = wgy + xm
        rest = name[len(role):].lstrip("_")
        if name.startswith(role) and rest in words:
            word = _PERSON_NAME if rest == "name" else words[rest]  # a person's name, not an organisation's
            return NameReading(roles[role] + word.title, word.element, roles[role])
    parts = [part for part in name.split("_") if part]
    if len(parts) > 1 and all(part in words for part in parts):
        return NameReading("".join(words[part].title for part in parts), words[parts[-1]].element)
    known = [words[part] for part in parts if part in words]
    if len(parts) > 1 and known:  # revenue_wan: an amount, though 'wan' is not a word we know
        return NameReading(None, known[-1].element)
    endings = [word for word in words if len(word) >= 2 and name.endswith(word) and words[word].element]
    if endings:  # pinyin initials end in the kind: fxje 抚恤金额, qzrq 起租日期, gzdw_dz …
        return NameReading(None, words[max(endings, key=len)].element)
    if name.endswith("_at"):
        return NameReading(None, "datetime")
    if name.endswith("_on"):
        return NameReading(None, "date")
    return NameReading(None, None)


def _read_chinese(column: str) -> NameReading:
    title = column.strip()
    _, roles = _dictionary()
    role = next((word for word in sorted((*roles.values(), *PERSON_ROLES), key=len, reverse=True)
                 if title.startswith(word)), None)
    for keyword, element in CHINESE_KEYWORDS:
        if keyword in title:
            return NameReading(title, element, role)
    return NameReading(title, "person_name" if role == title else None, role)
