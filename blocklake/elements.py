"""Data elements (数据元) found in a column's values: one detector for ``blocklake discover`` (what is this
column?) and for the quality gate's scan for personal data no declaration names (what personal data does
it hold, however embedded?). The values are the evidence; a column's name is only a hint, used where the
values cannot tell (empty columns, codes).

- :func:`detect` names a column's element — resident ID, person name, phone, address, USCC, organisation
  name, division or block code, date or date-time with its text format, amount, enumerated code, record
  identifier, number or text — with the share of sampled values that showed it.
- :func:`personal_hits` counts, per kind of personal data, the values that hold one: identifiers inside
  longer codes and free text too (``G`` + an ID, an ID + 2 digits, a mobile inside a note).

Only counts leave this module, never values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

from stdnum import luhn

from blocklake.identifiers import PROVINCE_CODES, compact, is_valid_resident_id, is_valid_uscc

Element = Literal["resident_id", "person_name", "phone", "address", "uscc", "org_name", "division_code",
                  "block_code", "bank_card", "datetime", "date", "amount", "code", "identifier", "number", "text"]
ELEMENTS: tuple[Element, ...] = get_args(Element)
ELEMENT_TITLES: dict[Element, str] = {
    "resident_id": "公民身份号码", "person_name": "姓名", "phone": "联系电话", "address": "地址",
    "uscc": "统一社会信用代码", "org_name": "单位名称", "division_code": "行政区划代码", "block_code": "块数据编码",
    "bank_card": "银行卡号", "datetime": "日期时间", "date": "日期", "amount": "金额", "code": "代码",
    "identifier": "编号", "number": "数值", "text": "文本",
}
PERSONAL_ELEMENTS: tuple[Element, ...] = ("resident_id", "person_name", "phone", "bank_card")

WHOLE_SHARE = 0.8  # share of a column's values that must be the element, for identifiers and formats
LOOSE_SHARE = 0.6  # for names, organisations and addresses, which a rule recognises less surely
CODE_DISTINCT = 30  # an enumerated code has at most this many distinct values …
CODE_RATIO = 0.2  # … and they are few beside the values

# The 100 commonest surnames (about 85% of people), and the compound ones: a name test, not a register.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "夏侯", "尉迟", "司徒", "公孙")
_NAME = re.compile(f"(?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])[\u4e00-\u9fa5]{{1,3}}")
_ORGANISATION = re.compile(r".{2,}(?:公司|集团|局|委员会|中心|学校|小学|中学|幼儿园|大学|医院|卫生院|诊所|银行|协会|"
                           r"合作社|事务所|研究院|研究所|厂|店|部|馆|站|所|社|院|处|行|室|队|会)$")
_ADDRESS_WORDS = re.compile(r"[省市区县]|街道|[镇乡村]|社区|小区|花园|大厦|[路街巷道]"
                            r"|[0-9一二三四五六七八九十]+(?:号|栋|幢|座|楼|单元|室|房)")
_PLACE_NAME = re.compile(r"(?:社区|街道|居委会|村委会|[镇乡村]|大道|[路街巷]|小区|花园|网格)$")
_RECORD_NUMBER = re.compile(r"[A-Za-z]{1,6}[0-9]{4,}")
_LEGAL_FORM = re.compile(r"(?:有限|责任|股份|个体|工商|个人|独资|合伙|普通|特殊|农民|专业|外商|外资|中外|合资|合作|"
                         r"投资|国有|集体|私营|联营|全民|所有制|上市|非上市|自然人|法人|分)+(?:公司|企业|合作社|户)")
_SENTENCE = re.compile(r"[，。；！？,;!?]")
_DOOR_NUMBER = re.compile(r"[0-9０-９一二三四五六七八九十百]+(?:号|栋|幢|座|单元|室|房|弄)")
_LONG_DIGITS = re.compile(r"[0-9０-９]{11}")  # what every identifier rule needs at least
_MONTH_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
# region, birth date (year 18xx-20xx, month, day), sequence, check: the shape before the checksum
_ID_WINDOWS = re.compile(rf"(?=([1-9][0-9]{{5}}(?:18|19|20)[0-9]{{2}}{_MONTH_DAY}[0-9]{{3}}[0-9X]))")
# a 15-digit run reads digits 7-8 as the birth year 19YY; division codes give 00-19 there
_LEGACY_ID = re.compile(rf"(?<![0-9])[1-9][0-9]{{5}}[2-9][0-9]{_MONTH_DAY}[0-9]{{3}}(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])")
_LANDLINE = re.compile(r"(?:\+?86)?0[1-9][0-9]{1,2}[0-9]{7,8}(?:转[0-9]{1,6})?")
_CARD = re.compile(r"(?<![0-9])[3-6](?:[0-9]{15,16}|[0-9]{18})(?![0-9])")
_UNIT_CODE = re.compile(r"[1-8][0-9]{22}")
_FLAT = re.compile(r"[0-9]+(?:号|栋|幢|座)[^0-9]{0,6}[0-9]+(?:室|房|号房)")
_DOOR = re.compile("[号栋幢座]")
# money says so: a currency sign, 元, or thousands separators; a bare decimal is a number (an area, a reading)
_AMOUNT = re.compile(r"[-+]?[¥￥][0-9,]+(?:\.[0-9]{1,2})?元?|[-+]?[0-9,]+(?:\.[0-9]{1,2})?元"
                     r"|[-+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?")
_NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?")
_DECIMAL = re.compile(r"[-+]?[0-9]+\.[0-9]+")
_IDENTIFIER = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-:./]{2,39}")
BLOCK_CODE_LENGTHS = (9, 12, 15, 19, 23)  # street, community, grid, building, unit (the district's plate)

# Text formats of dates and times, most specific first; the detector names the one that reads the most.
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M",
                    "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M", "%Y%m%d%H%M%S")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y年%m月", "%Y-%m", "%Y/%m", "%Y%m")


@dataclass(frozen=True)
class Detection:
    """A column's element and the evidence for it."""

    element: Element
    values: int  # sampled non-null values
    matched: int  # of them, those that showed the element
    format: str | None = None  # dates and times: the strptime format they are written in

    @property
    def share(self) -> float:
        return self.matched / self.values if self.values else 0.0

    def evidence(self) -> str:
        if not self.values:
            return "no values to judge: named from the column's name"
        written = f", written as {self.format}" if self.format else ""
        return f"{self.matched:,} of {self.values:,} sampled values are {EVIDENCE[self.element]}{written}"


EVIDENCE: dict[Element, str] = {
    "resident_id": "checksum-valid resident IDs", "person_name": "a person's name (a common surname and 1-3 "
    "characters)", "phone": "mobile or landline numbers", "address": "addresses", "uscc": "checksum-valid "
    "unified social credit codes", "org_name": "names of organisations", "division_code": "division codes",
    "block_code": "block codes (street … unit)", "bank_card": "bank card numbers (Luhn)", "datetime": "dates "
    "and times", "date": "dates", "amount": "amounts of money", "code": "one of a few codes",
    "identifier": "distinct record numbers", "number": "numbers", "text": "text",
}


def detect(values: Sequence[str], *, today: date | None = None) -> Detection:
    """The element of a column whose sampled non-null values (as text) are ``values``."""
    values = [value.strip() for value in values if value is not None and value.strip()]
    if not values:
        return Detection("text", 0, 0)
    for element, test in _WHOLE_VALUE_TESTS:
        matched = sum(1 for value in values if test(value, today))
        if matched >= WHOLE_SHARE * len(values):
            return Detection(element, len(values), matched)
    for element, formats in (("datetime", DATETIME_FORMATS), ("date", DATE_FORMATS)):
        written, matched = _best_format(values, formats)
        if matched >= WHOLE_SHARE * len(values):
            return Detection(element, len(values), matched, written)
    for element, test in _LOOSE_TESTS:
        matched = sum(1 for value in values if test(value, today))
        if matched >= LOOSE_SHARE * len(values):
            return Detection(element, len(values), matched)
    return _shape(values)


def values_allow(element: Element, values: Sequence[str], today: date | None = None) -> bool:
    """Whether values bear a name's hint out: half of them pass the element's test, where it has one
    (zsxm reads as 姓名 but holds 增值税: 征收项目). Codes, identifiers, numbers and text have no test."""
    tests = dict(_WHOLE_VALUE_TESTS + _LOOSE_TESTS)
    if element in tests:
        return sum(1 for value in values if tests[element](value.strip(), today)) * 2 >= len(values)
    if element in ("date", "datetime"):
        formats = DATE_FORMATS if element == "date" else DATETIME_FORMATS
        return _best_format(list(values), formats)[1] * 2 >= len(values)
    if element == "identifier":  # it tells records apart, or is another record's number (SJ2024…, XQ4403…)
        present = [value.strip() for value in values if value.strip()]  # 门牌号 10号 repeats on every road
        numbered = sum(1 for value in present if _RECORD_NUMBER.fullmatch(value))
        return len(set(present)) >= 0.9 * len(present) or numbered >= WHOLE_SHARE * len(present)
    if element in ("amount", "number"):
        return sum(1 for value in values if _NUMBER.fullmatch(value.strip()) or _AMOUNT.fullmatch(value.strip())) * 2 \
            >= len(values)
    return True


def _shape(values: list[str]) -> Detection:
    """What is left: an amount, an enumerated code, a record identifier, a number or text."""
    count, distinct = len(values), len(set(values))
    amounts = sum(1 for value in values if _AMOUNT.fullmatch(value))
    if amounts >= WHOLE_SHARE * count:
        return Detection("amount", count, amounts)
    places = sum(1 for value in values if _PLACE_NAME.search(value))
    if places >= WHOLE_SHARE * count:  # 南头城社区, 南头街道: names of places, however few, are not codes
        return Detection("text", count, places)
    if distinct <= CODE_DISTINCT and distinct <= CODE_RATIO * count:
        return Detection("code", count, count)
    decimals = sum(1 for value in values if _DECIMAL.fullmatch(value))
    if decimals >= WHOLE_SHARE * count:  # readings, areas, coordinates: distinct, and still numbers
        return Detection("number", count, decimals)
    if distinct == count and count >= 2 and all(_IDENTIFIER.fullmatch(value) for value in values):
        return Detection("identifier", count, count)
    numbers = sum(1 for value in values if _NUMBER.fullmatch(value))
    if numbers >= WHOLE_SHARE * count:
        return Detection("number", count, numbers)
    return Detection("text", count, count)


def _best_format(values: list[str], formats: Sequence[str]) -> tuple[str | None, int]:
    best, most = None, 0
    for written in formats:
        matched = sum(1 for value in values if _parses(value, written))
        if matched > most:
            best, most = written, matched
    return best, most


def _parses(value: str, written: str) -> bool:
    try:
        parsed = datetime.strptime(value, written)
    except ValueError:
        return False
    return 1900 <= parsed.year <= 2100


def is_resident_id(value: str, today: date | None = None) -> bool:
    """A whole value that is a resident ID; a 15-digit one only with a birth year from 1920 (a grid or
    street code's digits read as a date fall before it)."""
    number = compact(value)
    if len(number) == 15 and _LEGACY_ID.fullmatch(number) is None:
        return False
    return is_valid_resident_id(number, as_of=today)


def is_phone(value: str, _today: date | None = None) -> bool:
    number = compact(value).replace("(", "").replace(")", "")
    return _MOBILE.fullmatch(number) is not None or _LANDLINE.fullmatch(number) is not None


def is_bank_card(value: str, _today: date | None = None) -> bool:
    number = compact(value)
    return _CARD.fullmatch(number) is not None and luhn.is_valid(number)


def is_block_code(value: str, _today: date | None = None) -> bool:
    return value.isdigit() and len(value) in BLOCK_CODE_LENGTHS and value[:2] in PROVINCE_CODES


def is_division_code(value: str, _today: date | None = None) -> bool:
    return value.isdigit() and len(value) == 6 and value[:2] in PROVINCE_CODES and value[2:] != "0000"


def is_person_name(value: str, _today: date | None = None) -> bool:
    return 2 <= len(value) <= 5 and _NAME.fullmatch(value) is not None


def is_organisation(value: str, _today: date | None = None) -> bool:
    """A name ending as organisations' do (公司, 局, 小学, 办公室), without a door number (科苑路8号301室 ends
    in 室 too, and is an address), and not a legal form made of generic words only (有限责任公司 and
    个体工商户 are a register's type codes, not anyone's name)."""
    return (4 <= len(value) <= 60 and _ORGANISATION.fullmatch(value) is not None and not _DOOR_NUMBER.search(value)
            and not _LEGAL_FORM.fullmatch(value))


def is_address(value: str, _today: date | None = None) -> bool:
    """Two address words (district, street, road, estate, door number …), and a door number or a road;
    not a sentence: 深圳市南山区南头城小学 names places too, and is an organisation; a complaint that
    quotes an address is text."""
    return (6 <= len(value) <= 80 and len(_ADDRESS_WORDS.findall(value)) >= 2 and _SENTENCE.search(value) is None
            and (_DOOR_NUMBER.search(value) is not None or re.search(r"[路街巷道]", value) is not None))


_WHOLE_VALUE_TESTS: tuple[tuple[Element, Callable[[str, date | None], bool]], ...] = (
    ("resident_id", is_resident_id), ("uscc", lambda value, _: is_valid_uscc(value)), ("phone", is_phone),
    ("bank_card", is_bank_card), ("block_code", is_block_code), ("division_code", is_division_code),
)
_LOOSE_TESTS: tuple[tuple[Element, Callable[[str, date | None], bool]], ...] = (
    ("person_name", is_person_name), ("org_name", is_organisation), ("address", is_address),
)


# --- personal data however embedded (the gate's scan) ----------------------------------------------

PersonalRule = Literal["resident_id", "mobile", "bank_card", "person_name", "person_address"]
# The share of a column's sampled non-null values that must hit. A valid resident ID arises by chance
# about once in a thousand random digit runs, so a few are evidence (a key column mixing kinds of key);
# a Luhn digit passes one time in ten, so a card column is one where most values pass; a name or an
# address only where most values are one.
MIN_HITS = 3
MIN_SHARE: dict[str, float] = {"resident_id": 0.005, "mobile": 0.01, "bank_card": 0.5, "person_name": 0.5,
                               "person_address": 0.3, "unit_code": 0.5}


def personal_hits(values: Sequence[str], today: date, *, addresses: object = True) -> dict[PersonalRule, int]:
    """Per kind of personal data, how many of a column's values hold one — identifiers wherever they are
    in the value. Only kinds that reach their share are returned. ``addresses`` (a truth, asked only when
    door numbers appear): judge home addresses — not in a register of organisations, whose addresses are
    their premises. A rule runs only on the
    values its cheap prefilter lets through, and not at all when too few are let through to reach its
    share: most columns hold no long digit run, no short Han string and no door number."""
    digits = [value if value.isdigit() else compact(value) for value in values if _LONG_DIGITS.search(value)]
    pools: dict[PersonalRule, list[str]] = {
        "resident_id": digits, "mobile": digits, "bank_card": digits,
        "person_name": [value.strip() for value in values if len(value) <= 7 and _may_be_name(value)],
        "person_address": [value for value in values if _DOOR.search(value)],
    }
    hits: dict[PersonalRule, int] = {}
    for rule, pool in pools.items():
        needed = max(MIN_HITS, MIN_SHARE[rule] * len(values))
        if len(pool) < needed or (rule == "person_address" and not addresses):
            continue
        matched = sum(1 for value in pool if PERSONAL_RULES[rule](value, today))
        if matched >= needed:
            hits[rule] = matched
    return hits


def unit_code_hits(values: Sequence[str]) -> int:
    """Values that are a unit's 23-digit code: a person's flat, where the table is about persons."""
    matched = sum(1 for value in values if _UNIT_CODE.fullmatch(value))
    return matched if matched >= MIN_HITS and matched >= MIN_SHARE["unit_code"] * len(values) else 0


def organisation_register(columns: Sequence[Sequence[str]]) -> bool:
    """A table with a column mostly of valid USCCs registers organisations."""
    return any(values and sum(1 for value in values if len(value) == 18 and is_valid_uscc(value)) >= len(values) / 2
               for values in columns)


def _may_be_name(value: str) -> bool:
    value = value.strip()
    return 2 <= len(value) <= 5 and (value[0] in SURNAMES or value[:2] in COMPOUND_SURNAMES)


def _embeds_resident_id(text: str, today: date) -> bool:
    if any(is_valid_resident_id(window, as_of=today, allow_legacy=False) for window in _ID_WINDOWS.findall(text)):
        return True
    return any(is_valid_resident_id(run, as_of=today) for run in _LEGACY_ID.findall(text))


def _holds_mobile(text: str, _today: date) -> bool:
    return _MOBILE.search(text) is not None


def _holds_bank_card(text: str, _today: date) -> bool:
    return any(luhn.is_valid(number) for number in _CARD.findall(text))


def _is_name(text: str, _today: date) -> bool:
    return is_person_name(text.strip())


def _holds_flat(text: str, _today: date) -> bool:
    return _FLAT.search(text) is not None


PERSONAL_RULES: dict[PersonalRule, Callable[[str, date], bool]] = {
    "resident_id": _embeds_resident_id, "mobile": _holds_mobile, "bank_card": _holds_bank_card,
    "person_name": _is_name, "person_address": _holds_flat,
}
