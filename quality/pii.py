"""Personal data found in the values, whatever the registry or a model's YAML declares.

Every column the gate audits that is not declared personal is tested for identifiers however they are
embedded — the declaration is a claim, the values are the evidence:

- **resident IDs** (GB 11643): an 18-character window of a digit run with a valid region, birth date
  and check character, or a 15-digit legacy ID with a valid region and a birth date from 1920 on (a
  division code's digits read as a date fall before it) — alone, inside a longer code (``G`` + ID,
  ID + 2 digits) or in free text;
- **mobile numbers**: ``1[3-9]`` + 9 digits, not part of a longer digit run;
- **bank card numbers**: 16, 17 or 19 digits passing the Luhn check, with a card issuer's first digit;
- **person names**: 2–4 Han characters beginning with a common surname, as most of a column's values;
- **personal addresses**: a door number followed by a flat (``…号…室``, ``…栋…房``), as many of a column's
  values, in a table that is not a register of organisations (no column of valid USCCs: a company's
  registered address is not personal);
- **a person's unit code**: a 23-digit unit code (building + floor and room) in a table about persons
  (one with a name, ID or mobile column, declared or found). Not an identifier itself, but with the unit
  table, which is shared freely, it gives the person's flat: a quasi-identifier, masked to its building.

The cost is bounded and does not grow with the table: one query draws :data:`SAMPLE_ROWS` rows of the
candidate columns (a reservoir sample over the audited snapshot) and the rules run on them in Python,
with the same validators as the gate's checks. A column is *found* when the share :data:`MIN_SHARE` of
its sampled non-null values hit (and at least :data:`MIN_HITS`); the finding carries that evidence. The
gate records it, the catalog marks the item personal, and every way data leaves masks it
(:mod:`catalog.grants`). Values never leave this module: only counts do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
from stdnum import luhn

from blocklake.sql import identifier
from blocklake.vocabulary import LINEAGE_COLUMNS
from quality.identifiers import compact, is_valid_resident_id, is_valid_uscc

SAMPLE_ROWS = 1_000
MIN_HITS = 3
# The share of a column's sampled non-null values that must hit. A valid resident ID arises by chance
# about once in a thousand random digit runs, so a few are evidence (a key column mixing kinds of key);
# a Luhn digit passes one time in ten, so a card column is one where most values pass; a name or an
# address only where most values are one.
MIN_SHARE = {"resident_id": 0.005, "mobile": 0.01, "bank_card": 0.5, "person_name": 0.5, "person_address": 0.3,
             "unit_code": 0.5}
PERSON_KINDS = ("resident_id", "phone", "person_name")  # a table with one of these is about persons
ORGANISATION_SHARE = 0.5  # a table with a column this full of valid USCCs registers organisations
TEXT_TYPES = ("VARCHAR", "BIGINT", "HUGEINT", "UBIGINT", "DECIMAL")  # what can hold a long digit run
KIND_OF_RULE = {"resident_id": "resident_id", "mobile": "phone", "bank_card": "bank_card",
                "person_name": "person_name", "person_address": "person_address", "unit_code": "person_unit"}
EVIDENCE = {"resident_id": "embed a valid resident ID", "mobile": "hold a mobile number",
            "bank_card": "hold a bank card number (Luhn)", "person_name": "look like a person's name",
            "person_address": "look like a home address with a flat number",
            "unit_code": "are unit codes of a person's home (with the unit table: the flat)"}
# The 100 commonest surnames (about 85% of people): a name test, not a register of names.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_LONG_DIGITS = re.compile(r"[0-9０-９]{11}")  # what every identifier rule needs at least
# region, birth date (year 18xx-20xx, month, day), sequence, check: the shape before the checksum
_MONTH_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID_WINDOWS = re.compile(rf"(?=([1-9][0-9]{{5}}(?:18|19|20)[0-9]{{2}}{_MONTH_DAY}[0-9]{{3}}[0-9X]))")
# a 15-digit run reads digits 7-8 as the birth year 19YY; division codes give 00-19 there
_LEGACY_ID = re.compile(rf"(?<![0-9])[1-9][0-9]{{5}}[2-9][0-9]{_MONTH_DAY}[0-9]{{3}}(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])[3-6](?:[0-9]{15,16}|[0-9]{18})(?![0-9])")
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "夏侯", "尉迟", "司徒", "公孙")
_NAME = re.compile(f"(?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])[\u4e00-\u9fa5]{{1,3}}")
_UNIT_CODE = re.compile(r"[1-8][0-9]{22}")
_FLAT = re.compile(r"[0-9]+(?:号|栋|幢|座)[^0-9]{0,6}[0-9]+(?:室|房|号房)")
_DOOR = re.compile("[号栋幢座]")


@dataclass(frozen=True)
class Finding:
    """Undeclared personal data in one column, with the evidence."""

    table: str
    column: str
    rule: str  # resident_id | mobile | bank_card | person_name | person_address
    values: int  # sampled non-null values
    matched: int

    @property
    def kind(self) -> str:
        """The sensitive kind the column is masked as."""
        return KIND_OF_RULE[self.rule]

    @property
    def share(self) -> float:
        return self.matched / self.values if self.values else 0.0

    def describe(self) -> str:
        return f"{self.column}: {self.share:.0%} of {self.values:,} sampled values {EVIDENCE[self.rule]}"


def scan(con: duckdb.DuckDBPyConnection, table: str, relation: str, declared: Mapping[str, str],
         today: date) -> list[Finding]:
    """The undeclared personal columns of ``relation`` (the table at the audited snapshot); ``declared``
    maps the columns declared personal to their kind."""
    columns = [name for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
               if name not in LINEAGE_COLUMNS and name not in declared and kind.split("(")[0] in TEXT_TYPES]
    if not columns:
        return []
    listed = ", ".join(f"CAST({identifier(column)} AS VARCHAR)" for column in columns)
    rows = con.execute(f"SELECT {listed} FROM {relation} USING SAMPLE {SAMPLE_ROWS} ROWS").fetchall()
    samples = {column: [row[index] for row in rows if row[index] is not None] for index, column in enumerate(columns)}
    organisations = _Lazy(lambda: any(_share(values, _uscc) >= ORGANISATION_SHARE
                                      for values in samples.values() if values))
    findings = [Finding(table, column, rule, len(values), matched) for column, values in samples.items()
                for rule, matched in _column_hits(values, today, organisations)]
    about_persons = any(kind in PERSON_KINDS for kind in declared.values()) or any(
        finding.kind in PERSON_KINDS for finding in findings)
    if about_persons:
        findings += [Finding(table, column, "unit_code", len(values), matched) for column, values in samples.items()
                     if (matched := sum(1 for value in values if _UNIT_CODE.fullmatch(value))) >= MIN_HITS
                     and matched >= MIN_SHARE["unit_code"] * len(values)]
    return findings


class _Lazy:
    """A value computed on first use: whether a table registers organisations is asked only of tables in
    which the address rule hits, and costs a check of every sampled value."""

    def __init__(self, compute: Callable[[], bool]) -> None:
        self._compute, self._value = compute, None

    def __call__(self) -> bool:
        if self._value is None:
            self._value = self._compute()
        return self._value


def _column_hits(values: list[str], today: date, organisations: Callable[[], bool]) -> Iterator[tuple[str, int]]:
    """(rule, values matched) for each rule the column's sample meets. A rule runs only on the values its
    cheap prefilter lets through, and not at all when too few are let through to reach its share: most
    columns hold no long digit run, no short Han string and no door number, and cost a pass each."""
    digits = [value if value.isdigit() else compact(value) for value in values if _LONG_DIGITS.search(value)]
    candidates = {"person_name": [value for value in values if len(value) <= 7 and _may_be_name(value)],
                  "person_address": [value for value in values if _DOOR.search(value)]}
    for rule, hit in RULES.items():
        pool = digits if rule in DIGIT_RULES else candidates[rule]
        needed = max(MIN_HITS, MIN_SHARE[rule] * len(values))
        if len(pool) < needed or (rule == "person_address" and organisations()):
            continue
        matched = sum(1 for value in pool if hit(value, value, today))
        if matched >= needed:
            yield rule, matched


def _may_be_name(value: str) -> bool:
    value = value.strip()
    return 2 <= len(value) <= 5 and (value[0] in SURNAMES or value[:2] in COMPOUND_SURNAMES)


def _uscc(value: str) -> bool:
    return len(value) == 18 and is_valid_uscc(value)


def _share(values: list[str], test: Callable[[str], bool]) -> float:
    return sum(map(test, values)) / len(values)


def _resident_id(text: str, _raw: str, today: date) -> bool:
    if any(is_valid_resident_id(window, as_of=today, allow_legacy=False) for window in _ID_WINDOWS.findall(text)):
        return True
    return any(is_valid_resident_id(run, as_of=today) for run in _LEGACY_ID.findall(text))


def _mobile(text: str, _raw: str, _today: date) -> bool:
    return _MOBILE.search(text) is not None


def _bank_card(text: str, _raw: str, _today: date) -> bool:
    return any(luhn.is_valid(number) for number in _CARD.findall(text))


def _person_name(_text: str, raw: str, _today: date) -> bool:
    return 2 <= len(raw) <= 5 and _NAME.fullmatch(raw.strip()) is not None


def _person_address(text: str, _raw: str, _today: date) -> bool:
    return _FLAT.search(text) is not None


DIGIT_RULES = ("resident_id", "mobile", "bank_card")
RULES: dict[str, Callable[[str, str, date], bool]] = {
    "resident_id": _resident_id, "mobile": _mobile, "bank_card": _bank_card, "person_name": _person_name,
    "person_address": _person_address,
}
