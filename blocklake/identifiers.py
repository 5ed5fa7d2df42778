"""Chinese identifiers, validated in Python: resident ID (GB 11643), USCC (GB 32100), mobile numbers,
statistical division codes.

These functions are the reference the quality gate's SQL rules (:mod:`quality.rules`) are
tested against, value for value. Check characters come from python-stdnum; two of its rules are
deliberately not followed, because they reject identifiers that exist:

- ``stdnum.cn.ric.validate`` requires the county code to have existed in the *birth* year, but a
  resident ID carries the code of the place where it was issued: everyone born before 1983 and
  registered in Nanshan holds a valid 440305 ID that stdnum rejects. We check the province; the
  birth-year rule is kept as a separate, warning-level judgement (:func:`region_existed_at_birth`),
  on stdnum's own table of region codes and the years they existed.
- ``stdnum.cn.uscc.validate`` requires the first eight characters to be digits, but GB 32100 allows
  the registration authorities A (unions), N (agriculture) and Y (other) in the first place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import cache

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

# GB/T 2260 province-level codes (the first two digits of every division and resident ID).
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83", "91",
})
EARLIEST_BIRTH = date(1850, 1, 1)  # the GB 11643 example 440524188001010014 was born in 1880
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
# The foreign permanent resident ID card of 2023 (外国人永久居留身份证, issued from 1 December 2023) has an
# 18-character number in the form of GB 11643: "9", the 2-digit province of the issuing place, a
# 3-digit nationality code (ISO 3166-1 numeric: 682 Saudi Arabia, 124 Canada), the birth date, a
# 3-digit sequence and the MOD 11-2 check character. Citizen numbers begin with 1-8 (their province),
# so the 9 tells the two apart. Source: National Immigration Administration, 新版外国人永久居留身份证适配性
# 改造要点 (2023), as reprinted at http://www.eastcoms.com/service/pro/840.html, and GA 2102-2023
# (https://www.nia.gov.cn/20231013/20231031.pdf). The 2017 card's 15-character number (3 letters of
# nationality + 12 digits) is no resident ID and is not accepted.
FOREIGN_PERMANENT_RESIDENT = "9"

_SEPARATORS = re.compile(r"[\s-]+")
_RESIDENT_ID = re.compile(r"\d{17}[\dX]")
_CITIZEN_ID = re.compile(r"[1-8]\d{16}[\dX]")
_LEGACY_RESIDENT_ID = re.compile(r"\d{15}")
_USCC = re.compile(rf"[1-9ANY][1-9]\d{{6}}[{USCC_ALPHABET}]{{10}}")
_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_DIVISION_CODE = re.compile(r"\d{6}(?:\d{3}(?:\d{3})?)?")


FULL_WIDTH = "０１２３４５６７８９ＸｘＡＮＹ＋"
HALF_WIDTH = "0123456789XXANY+"
_TO_HALF_WIDTH = str.maketrans(FULL_WIDTH, HALF_WIDTH)


def compact(text: str) -> str:
    """Full-width digits half-width, spaces and hyphens out, upper case: an identifier as written
    by a department's form is still the identifier (staging stores it this way too)."""
    return _SEPARATORS.sub("", text.translate(_TO_HALF_WIDTH)).upper()


def is_valid_resident_id(text: str | None, *, as_of: date | None = None, allow_legacy: bool = True) -> bool:
    """True for a GB 11643 citizen identity number: a province-level region code, a birth date between
    1850 and ``as_of`` (today by default) and the MOD 11-2 check character. The 15-digit IDs issued
    before 1999 (birth year 19YY, no check character) are recognised unless ``allow_legacy`` is off."""
    if not text:
        return False
    number = compact(text)
    if _LEGACY_RESIDENT_ID.fullmatch(number):
        return allow_legacy and _region_and_birth_ok(number[:2], f"19{number[6:12]}", as_of)
    if not _RESIDENT_ID.fullmatch(number):
        return False
    province = number[1:3] if is_foreign_permanent_resident_id(number) else number[:2]
    return _region_and_birth_ok(province, number[6:14], as_of) and ric.calc_check_digit(number) == number[17]


def is_foreign_permanent_resident_id(number: str) -> bool:
    """True for the form of a 2023 foreign permanent resident ID (a compacted 18-character number
    beginning with 9); :func:`is_valid_resident_id` judges its province, birth date and check character."""
    return len(number) == 18 and number.startswith(FOREIGN_PERMANENT_RESIDENT)


def region_existed_at_birth(text: str | None) -> bool:
    """False when an 18-character citizen ID's region code (its first six digits) did not exist in its
    birth year by python-stdnum's table (``stdnum.cn.ric.get_birth_place``; a code it does not know
    never existed). Such IDs are real (the code is the place of issue: see the module's note), so the
    gate reports them as a warning. Anything else is not this rule's business and passes: foreign and
    15-digit IDs, malformed numbers and birth years before 1850 (the resident-ID check judges those).
    Not judged against the day, so the gate may count it from a table's change alone (quality.delta)."""
    number = compact(text or "")
    if not _CITIZEN_ID.fullmatch(number) or int(number[6:10]) < EARLIEST_BIRTH.year:
        return True
    year = int(number[6:10])
    return any(first <= year <= last for first, last in region_years().get(number[:6], ()))


@cache
def region_years() -> dict[str, tuple[tuple[int, int], ...]]:
    """Region code → the spans of years (first, last; 0 and 9999 when open) it existed in, read once
    from python-stdnum's ``cn/loc`` database (the Wikipedia lists of GB/T 2260 codes since 1980)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for province, county, names in _county_entries():
        spans.setdefault(province + county, []).extend(_years_of(names))
    return {code: tuple(years) for code, years in spans.items()}


def _county_entries() -> Iterator[tuple[str, str, str]]:
    """(province, county, county property) of stdnum's two-level prefix tree."""
    for _length, province, _high, _props, counties in numdb.get("cn/loc").prefixes:
        for _clength, low, high, props, _children in counties:
            for county in range(int(low), int(high) + 1):
                if "county" in props:
                    yield province, f"{county:0{len(low)}d}", props["county"]


def _years_of(names: str) -> Iterator[tuple[int, int]]:
    """``[1983-1989]南头区办事处,[1990-]南山区`` → (1983, 1989), (1990, 9999); a name without years always."""
    for name in names.split(","):
        if not name.startswith("["):
            yield 0, 9999
            continue
        first, last = name[1:].split("]")[0].split("-")
        yield int(first or 0), int(last or 9999)


def is_valid_uscc(text: str | None) -> bool:
    """True for a GB 32100 unified social credit code: registration authority and type, a six-digit
    division code, nine organisation characters and the MOD 31 check character."""
    if not text:
        return False
    code = compact(text)
    if not _USCC.fullmatch(code):
        return False
    try:
        return uscc.calc_check_digit(code) == code[17]
    except (ValidationError, ValueError):
        return False


def is_valid_mobile(text: str | None) -> bool:
    """True for a mainland mobile number (1[3-9] and nine digits), with or without +86."""
    return bool(text) and _MOBILE.fullmatch(compact(text)) is not None


def is_valid_division_code(text: str | None) -> bool:
    """True for a statistical division code of 6 (county), 9 (street) or 12 (community) digits whose
    province exists."""
    return bool(text) and _DIVISION_CODE.fullmatch(text) is not None and text[:2] in PROVINCE_CODES


def _region_and_birth_ok(province: str, yyyymmdd: str, as_of: date | None) -> bool:
    if province not in PROVINCE_CODES:
        return False
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return EARLIEST_BIRTH <= born <= (as_of or date.today())
