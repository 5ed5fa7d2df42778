"""The identifier rules of :mod:`blocklake.quality.identifiers`, written as DuckDB SQL.

The gate checks millions of rows inside DuckDB, so each rule is a boolean SQL expression over a
column, true when the value is valid. The tests hold these to the Python functions value for value.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from blocklake.quality.identifiers import EARLIEST_BIRTH, FULL_WIDTH, HALF_WIDTH, PROVINCE_CODES, USCC_ALPHABET

_PROVINCES = ", ".join(f"'{code}'" for code in sorted(PROVINCE_CODES))
_RIC_WEIGHTS = "[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]"
_USCC_WEIGHTS = "[1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]"


def compact(expr: str) -> str:
    """As :func:`identifiers.compact`."""
    half = f"translate(CAST({expr} AS VARCHAR), '{FULL_WIDTH}', '{HALF_WIDTH}')"
    return rf"upper(regexp_replace({half}, '[\s-]+', '', 'g'))"


def resident_id(expr: str, as_of: date) -> str:
    """GB 11643, as :func:`identifiers.is_valid_resident_id` (15-digit legacy IDs accepted)."""
    number = compact(expr)
    legacy_birth = f"try_strptime('19' || substr({number}, 7, 6), '%Y%m%d')"
    birth = f"try_strptime(substr({number}, 7, 8), '%Y%m%d')"
    check = (f"substr('10X98765432', (list_sum(list_transform(range(17), i -> CAST(substr({number}, i + 1, 1) "
             f"AS INTEGER) * {_RIC_WEIGHTS}[i + 1])) % 11)::INTEGER + 1, 1)")
    return (
        f"CASE WHEN regexp_full_match({number}, '\\d{{15}}') THEN "
        f"substr({number}, 1, 2) IN ({_PROVINCES}) AND {_born_between(legacy_birth, as_of)} "
        f"WHEN regexp_full_match({number}, '\\d{{17}}[\\dX]') THEN "
        f"substr({number}, 1, 2) IN ({_PROVINCES}) AND {_born_between(birth, as_of)} "
        f"AND {check} = substr({number}, 18, 1) "
        "ELSE false END"
    )


def uscc(expr: str) -> str:
    """GB 32100, as :func:`identifiers.is_valid_uscc`."""
    code = compact(expr)
    value = f"(strpos('{USCC_ALPHABET}', substr({code}, i + 1, 1)) - 1)"
    check = (f"substr('{USCC_ALPHABET}', ((31 - list_sum(list_transform(range(17), i -> {value} * "
             f"{_USCC_WEIGHTS}[i + 1])) % 31) % 31)::INTEGER + 1, 1)")
    return (f"(regexp_full_match({code}, '[1-9ANY][1-9]\\d{{6}}[{USCC_ALPHABET}]{{10}}') "
            f"AND {check} = substr({code}, 18, 1))")


def mobile(expr: str) -> str:
    """A mainland mobile number, as :func:`identifiers.is_valid_mobile`."""
    return f"regexp_full_match({compact(expr)}, '(?:\\+?86|0086)?1[3-9]\\d{{9}}')"


def phone(expr: str) -> str:
    """A mobile or a fixed line with its area code (0755-26543210, 075526543210)."""
    return f"({mobile(expr)} OR regexp_full_match({compact(expr)}, '0\\d{{2,3}}\\d{{7,8}}'))"


def division_code(expr: str) -> str:
    """A 6, 9 or 12-digit statistical division code in a real province."""
    return (f"(regexp_full_match(CAST({expr} AS VARCHAR), '\\d{{6}}(?:\\d{{3}}(?:\\d{{3}})?)?') "
            f"AND substr(CAST({expr} AS VARCHAR), 1, 2) IN ({_PROVINCES}))")


def not_future(expr: str, as_of: date) -> str:
    """A date or time no later than the end of ``as_of``; text that is no date is not judged here."""
    return f"coalesce(TRY_CAST({expr} AS DATE) <= DATE '{as_of.isoformat()}', true)"


def matches(expr: str, pattern: str) -> str:
    return f"regexp_full_match(CAST({expr} AS VARCHAR), '{_quote(pattern)}')"


def accepted_values(expr: str, values: list[str]) -> str:
    return f"CAST({expr} AS VARCHAR) IN ({', '.join(repr_sql(value) for value in values)})"


def repr_sql(value: str) -> str:
    return f"'{_quote(value)}'"


def identifier(name: str) -> str:
    """A column name quoted for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def _born_between(birth: str, as_of: date) -> str:
    return f"coalesce({birth} BETWEEN DATE '{EARLIEST_BIRTH.isoformat()}' AND DATE '{as_of.isoformat()}', false)"


def _quote(value: str) -> str:
    return value.replace("'", "''")


VALUE_RULES = ("resident_id", "uscc", "mobile", "phone", "division_code", "not_future", "matches", "accepted_values")


def value_rule(kind: str, column: str, today: date, *, pattern: str | None = None,
               values: list[str] | None = None) -> str:
    """The SQL that is true for a valid value of ``column`` under the rule ``kind``."""
    expr = identifier(column)
    builders = {
        "resident_id": lambda: resident_id(expr, today),
        "uscc": lambda: uscc(expr),
        "mobile": lambda: mobile(expr),
        "phone": lambda: phone(expr),
        "division_code": lambda: division_code(expr),
        "not_future": lambda: not_future(expr, today),
        "matches": lambda: matches(expr, pattern or ""),
        "accepted_values": lambda: accepted_values(expr, values or []),
    }
    return builders[kind]()


def freshness_bound(max_age: timedelta, today: date) -> datetime:
    """The oldest the newest record may be: the end of ``today`` minus ``max_age``."""
    return datetime.combine(today + timedelta(days=1), time.min) - max_age


def timestamp_literal(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"
