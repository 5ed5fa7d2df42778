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
with the same validators as the gate's checks. The rules are :mod:`blocklake.elements`', the detector
``blocklake discover`` uses too: one detector for both. A column is *found* when the share ``MIN_SHARE`` of
its sampled non-null values hit (and at least ``MIN_HITS``, both in :mod:`blocklake.elements`); the
finding carries that evidence. The gate records it, the catalog marks the item personal, and every way
data leaves masks it (:mod:`catalog.grants`). Values never leave this module: only counts do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb

from blocklake import elements
from blocklake.sql import identifier
from blocklake.vocabulary import LINEAGE_COLUMNS

SAMPLE_ROWS = 1_000
PERSON_KINDS = ("resident_id", "phone", "person_name")  # a table with one of these is about persons
TEXT_TYPES = ("VARCHAR", "BIGINT", "HUGEINT", "UBIGINT", "DECIMAL")  # what can hold a long digit run
KIND_OF_RULE = {"resident_id": "resident_id", "mobile": "phone", "bank_card": "bank_card",
                "person_name": "person_name", "person_address": "person_address", "unit_code": "person_unit"}
EVIDENCE = {"resident_id": "embed a valid resident ID", "mobile": "hold a mobile number",
            "bank_card": "hold a bank card number (Luhn)", "person_name": "look like a person's name",
            "person_address": "look like a home address with a flat number",
            "unit_code": "are unit codes of a person's home (with the unit table: the flat)"}


@dataclass(frozen=True)
class Finding:
    """Undeclared personal data in one column, with the evidence."""

    table: str
    column: str
    rule: str  # resident_id | mobile | bank_card | person_name | person_address | unit_code
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
    return findings_in(table, samples, declared, today)


def findings_in(table: str, samples: Mapping[str, list[str]], declared: Mapping[str, str],
                today: date) -> list[Finding]:
    """The findings of a table's sampled values, column by column."""
    addresses = _Lazy(lambda: not elements.organisation_register(list(samples.values())))
    findings = [Finding(table, column, rule, len(values), matched) for column, values in samples.items()
                for rule, matched in elements.personal_hits(values, today, addresses=addresses).items()]
    about_persons = any(kind in PERSON_KINDS for kind in declared.values()) or any(
        finding.kind in PERSON_KINDS for finding in findings)
    if about_persons:
        findings += [Finding(table, column, "unit_code", len(values), matched) for column, values in samples.items()
                     if (matched := elements.unit_code_hits(values))]
    return findings


class _Lazy:
    """A truth computed on first use: whether a table registers organisations is asked only of columns
    in which door numbers appear, and costs a check of every sampled value."""

    def __init__(self, compute: Callable[[], bool]) -> None:
        self._compute, self._value = compute, None

    def __bool__(self) -> bool:
        if self._value is None:
            self._value = self._compute()
        return self._value
