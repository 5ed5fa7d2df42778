"""The identifier rules of :mod:`blocklake.identifiers`, written as DuckDB SQL.

The gate checks millions of rows inside DuckDB, so each rule is a boolean SQL expression over a
column, true when the value is valid. The tests hold these to the Python functions value for value.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from blocklake.identifiers import (
    EARLIEST_BIRTH,
    FOREIGN_PERMANENT_RESIDENT,
    FULL_WIDTH,
    HALF_WIDTH,
    PROVINCE_CODES,
    USCC_ALPHABET,
    region_years,
)
from blocklake.sql import identifier, literal

_PROVINCES = ", ".join(f"'{code}'" for code in sorted(PROVINCE_CODES))
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def compact(expr: str) -> str:
    """As :func:`identifiers.compact`."""
    half = f"translate(CAST({expr} AS VARCHAR), '{FULL_WIDTH}', '{HALF_WIDTH}')"
    return rf"upper(regexp_replace({half}, '[\s-]+', '', 'g'))"


def resident_id(expr: str, as_of: date) -> str:
    """GB 11643, as :func:`identifiers.is_valid_resident_id` (15-digit legacy IDs and 2023 foreign permanent
    resident IDs, whose province follows their leading 9, accepted)."""
    checksum = " + ".join(f"{_digit(position)} * {weight}" for position, weight in enumerate(_RIC_WEIGHTS, start=1))
    legacy_birth = "try_strptime('19' || substr(n, 7, 6), '%Y%m%d')"
    birth = "try_strptime(substr(n, 7, 8), '%Y%m%d')"
    province = f"substr(n, CASE WHEN substr(n, 1, 1) = '{FOREIGN_PERMANENT_RESIDENT}' THEN 2 ELSE 1 END, 2)"
    return _with_compact(expr, (
        f"CASE WHEN regexp_full_match(n, '\\d{{15}}') THEN "
        f"substr(n, 1, 2) IN ({_PROVINCES}) AND {_born_between(legacy_birth, as_of)} "
        f"WHEN regexp_full_match(n, '\\d{{17}}[\\dX]') THEN "
        f"{province} IN ({_PROVINCES}) AND {_born_between(birth, as_of)} "
        f"AND substr('10X98765432', (({checksum}) % 11) + 1, 1) = substr(n, 18, 1) "
        "ELSE false END"
    ))


def resident_id_region_at_birth(expr: str) -> str:
    """As :func:`identifiers.region_existed_at_birth`: the region code and birth year of an 18-character
    citizen ID are among the pairs stdnum's table allows.

    DuckDB spells the pairs out from one packed string literal (about 100 KB: a VALUES list of the 7,000
    spans costs 0.1 s to parse in every query) into a set for a hash semi-join. Birth years before the
    first change in the table (1981) are alike for every code, and so are those from its last change on:
    each end folds into one year, which leaves about 160,000 pairs. Ten times cheaper on a big table than
    a correlated lookup of the spans, which DuckDB decorrelates by grouping the table's distinct values."""
    floor, ceiling = region_year_bounds()
    birth_year = "substr(n, 7, 4)"
    key = _with_compact(expr, (
        f"CASE WHEN regexp_full_match(n, '[1-8]\\d{{16}}[\\dX]') AND {birth_year} >= '{EARLIEST_BIRTH.year:04d}' "
        f"THEN substr(n, 1, 6) || least(greatest({birth_year}, '{floor:04d}'), '{ceiling:04d}') END"
    ))
    pairs = ("SELECT unnest(list_transform(range(CAST(substr(span, 7, 4) AS INT), CAST(substr(span, 11, 4) AS INT) "
             "+ 1), lambda year: left(span, 6) || year)) "
             f"FROM unnest(string_split('{_packed_spans()}', ';')) AS spans(span)")
    return f"coalesce(({key}) IN ({pairs}), true)"


def region_year_bounds() -> tuple[int, int]:
    """(floor, ceiling): every birth year from 1850 to the floor is judged alike for every region code,
    and so is every year from the ceiling on — the years before the first and at the last start or end of
    a span in stdnum's table."""
    changes = {year for spans in region_years().values() for first, last in spans for year in (first, last + 1)
               if EARLIEST_BIRTH.year < year <= 9999}
    return min(changes) - 1, max(changes)


@cache
def _packed_spans() -> str:
    """``CCCCCCFFFFLLLL;…``: each code's spans clipped to floor … ceiling; built once a process."""
    floor, ceiling = region_year_bounds()
    return ";".join(f"{code}{max(first, floor):04d}{min(last, ceiling):04d}"
                    for code, spans in sorted(region_years().items()) for first, last in spans
                    if max(first, floor) <= min(last, ceiling))


def uscc(expr: str) -> str:
    """GB 32100, as :func:`identifiers.is_valid_uscc`."""
    checksum = " + ".join(f"(strpos('{USCC_ALPHABET}', substr(n, {position}, 1)) - 1) * {weight}"
                          for position, weight in enumerate(_USCC_WEIGHTS, start=1))
    return _with_compact(expr, (
        f"regexp_full_match(n, '[1-9ANY][1-9]\\d{{6}}[{USCC_ALPHABET}]{{10}}') "
        f"AND substr('{USCC_ALPHABET}', ((31 - ({checksum}) % 31) % 31) + 1, 1) = substr(n, 18, 1)"
    ))


_MOBILE = "'(?:\\+?86|0086)?1[3-9]\\d{9}'"


def mobile(expr: str) -> str:
    """A mainland mobile number, as :func:`identifiers.is_valid_mobile`."""
    return f"regexp_full_match({compact(expr)}, {_MOBILE})"


def phone(expr: str) -> str:
    """A mobile or a fixed line with its area code (0755-26543210, 075526543210)."""
    return _with_compact(expr, f"regexp_full_match(n, {_MOBILE}) OR regexp_full_match(n, '0\\d{{2,3}}\\d{{7,8}}')")


def division_code(expr: str) -> str:
    """A 6, 9 or 12-digit statistical division code in a real province."""
    return (f"(regexp_full_match(CAST({expr} AS VARCHAR), '\\d{{6}}(?:\\d{{3}}(?:\\d{{3}})?)?') "
            f"AND substr(CAST({expr} AS VARCHAR), 1, 2) IN ({_PROVINCES}))")


def not_future(expr: str, as_of: date) -> str:
    """A date or time no later than the end of ``as_of``; text that is no date is not judged here."""
    return f"coalesce(TRY_CAST({expr} AS DATE) <= DATE '{as_of.isoformat()}', true)"


def matches(expr: str, pattern: str) -> str:
    return f"regexp_full_match(CAST({expr} AS VARCHAR), {literal(pattern)})"


def accepted_values(expr: str, values: list[str]) -> str:
    return f"CAST({expr} AS VARCHAR) IN ({', '.join(literal(value) for value in values)})"




def _with_compact(expr: str, body: str) -> str:
    """``body`` over ``n``, the compacted value, computed once per row. DuckDB does not share the
    compaction between the dozen places a rule uses it; a one-element lambda binds it (10× faster)."""
    return f"list_transform([{compact(expr)}], lambda n: {body})[1]"


def _digit(position: int) -> str:
    return f"(ascii(substr(n, {position}, 1)) - 48)"


def _born_between(birth: str, as_of: date) -> str:
    return f"coalesce({birth} BETWEEN DATE '{EARLIEST_BIRTH.isoformat()}' AND DATE '{as_of.isoformat()}', false)"



VALUE_RULES = ("resident_id", "resident_id_region_at_birth", "uscc", "mobile", "phone", "division_code", "not_future",
               "matches", "accepted_values")


def value_rule(kind: str, column: str, today: date, *, pattern: str | None = None,
               values: list[str] | None = None) -> str:
    """The SQL that is true for a valid value of ``column`` under the rule ``kind``."""
    expr = identifier(column)
    builders = {
        "resident_id": lambda: resident_id(expr, today),
        "resident_id_region_at_birth": lambda: resident_id_region_at_birth(expr),
        "uscc": lambda: uscc(expr),
        "mobile": lambda: mobile(expr),
        "phone": lambda: phone(expr),
        "division_code": lambda: division_code(expr),
        "not_future": lambda: not_future(expr, today),
        "matches": lambda: matches(expr, pattern or ""),
        "accepted_values": lambda: accepted_values(expr, values or []),
    }
    return builders[kind]()


def timestamp_literal(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"
