"""Great Expectations side of the checks: custom expectations for Chinese identifiers and the
translation of each :class:`~blocklake.quality.checks.Check` into an expectation.

The custom expectations are column-map expectations whose condition is the SQL of
:mod:`blocklake.quality.rules`, so GX folds them, with the built-in ones, into one aggregate query
per table that DuckDB runs in the lake — no rows are pulled into Python. Importing this module
imports GX (slow): do it inside tasks, never at DAG-parse time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import great_expectations as gx
import sqlalchemy as sa
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

from blocklake.quality import rules
from blocklake.quality.checks import Check

RULE_METRIC = "column_values.blocklake_rule"
EXISTS_METRIC = "column_values.blocklake_exists_in"


class ColumnValuesSatisfyBlocklakeRule(ColumnMapMetricProvider):
    """True per row when the value satisfies one of Blocklake's SQL rules (:func:`rules.value_rule`)."""

    condition_metric_name = RULE_METRIC
    condition_value_keys = ("rule", "as_of", "pattern")

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, rule: str, as_of: str | None = None, pattern: str | None = None, **kwargs):
        today = date.fromisoformat(as_of) if as_of else date.today()
        return sa.literal_column(f"({rules.value_rule(rule, column.name, today, pattern=pattern)})", sa.Boolean)


class ColumnValuesExistInRelation(ColumnMapMetricProvider):
    """True per row when the value occurs in a column of another relation (a foreign key)."""

    condition_metric_name = EXISTS_METRIC
    condition_value_keys = ("reference_relation", "reference_column")

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, reference_relation: str, reference_column: str, **kwargs):
        ref = rules.identifier(reference_column)
        return sa.literal_column(
            f"({rules.identifier(column.name)} IN (SELECT {ref} FROM {reference_relation} WHERE {ref} IS NOT NULL))",
            sa.Boolean,
        )


class ExpectColumnValuesToSatisfyBlocklakeRule(ColumnMapExpectation):
    """Column values satisfy a Blocklake identifier rule (resident ID, USCC, mobile …), checked in SQL."""

    rule: str
    as_of: str | None = None
    pattern: str | None = None
    map_metric = RULE_METRIC
    success_keys = ("mostly", "rule", "as_of", "pattern")


class ExpectColumnValuesToBeValidResidentId(ExpectColumnValuesToSatisfyBlocklakeRule):
    """GB 11643 citizen identity number: region, birth date, MOD 11-2 check character (15-digit legacy IDs too)."""

    rule: str = "resident_id"


class ExpectColumnValuesToBeValidUscc(ExpectColumnValuesToSatisfyBlocklakeRule):
    """GB 32100 unified social credit code with its MOD 31 check character."""

    rule: str = "uscc"


class ExpectColumnValuesToBeValidCnMobile(ExpectColumnValuesToSatisfyBlocklakeRule):
    """Mainland mobile number (1[3-9] and nine digits, +86 allowed)."""

    rule: str = "mobile"


class ExpectColumnValuesToBeValidCnPhone(ExpectColumnValuesToSatisfyBlocklakeRule):
    """Mobile number or fixed line with area code."""

    rule: str = "phone"


class ExpectColumnValuesToBeValidDivisionCode(ExpectColumnValuesToSatisfyBlocklakeRule):
    """Statistical division code of 6, 9 or 12 digits in a real province."""

    rule: str = "division_code"


class ExpectColumnValuesToNotBeInTheFuture(ExpectColumnValuesToSatisfyBlocklakeRule):
    """Dates and times no later than the pipeline's today (``as_of``)."""

    rule: str = "not_future"


class ExpectColumnValuesToExistInRelation(ColumnMapExpectation):
    """Every value occurs in ``reference_column`` of ``reference_relation`` (at the same snapshot)."""

    reference_relation: str
    reference_column: str
    map_metric = EXISTS_METRIC
    success_keys = ("mostly", "reference_relation", "reference_column")


_RULE_EXPECTATIONS = {
    "resident_id": ExpectColumnValuesToBeValidResidentId,
    "uscc": ExpectColumnValuesToBeValidUscc,
    "mobile": ExpectColumnValuesToBeValidCnMobile,
    "phone": ExpectColumnValuesToBeValidCnPhone,
    "division_code": ExpectColumnValuesToBeValidDivisionCode,
    "not_future": ExpectColumnValuesToNotBeInTheFuture,
}


def to_expectation(check: Check, *, today: date, relation_at: Callable[[str], str]) -> gx.expectations.Expectation:
    """The GX expectation for ``check``; ``relation_at(schema_table)`` names a table at the gate's snapshot."""
    meta = {"check": check.name, "dimension": check.dimension, "severity": check.severity}
    common = {"meta": meta, "description": check.description}
    if check.check in _RULE_EXPECTATIONS:
        return _RULE_EXPECTATIONS[check.check](column=check.column, mostly=check.mostly, as_of=today.isoformat(),
                                               **common)
    match check.check:
        case "not_null":
            return gx.expectations.ExpectColumnValuesToNotBeNull(column=check.column, mostly=check.mostly, **common)
        case "unique" if len(check.key) == 1:
            return gx.expectations.ExpectColumnValuesToBeUnique(column=check.key[0], mostly=check.mostly, **common)
        case "unique":
            return gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=check.key, mostly=check.mostly,
                                                                   **common)
        case "accepted_values":
            return gx.expectations.ExpectColumnValuesToBeInSet(column=check.column, value_set=check.values,
                                                               mostly=check.mostly, **common)
        case "matches":
            return ExpectColumnValuesToSatisfyBlocklakeRule(column=check.column, rule="matches", pattern=check.pattern,
                                                            mostly=check.mostly, **common)
        case "exists_in":
            schema, table, column = check.reference.split(".")
            return ExpectColumnValuesToExistInRelation(column=check.column, mostly=check.mostly,
                                                       reference_relation=relation_at(f"{schema}.{table}"),
                                                       reference_column=column, **common)
        case "fresh":
            return gx.expectations.UnexpectedRowsExpectation(
                unexpected_rows_query=stale_query(check, today), **common)
        case "row_count":
            return gx.expectations.ExpectTableRowCountToBeBetween(min_value=check.min_rows, **common)
    raise ValueError(f"no expectation for check kind {check.check!r}")


def stale_query(check: Check, today: date) -> str:
    """One row (the newest record's time) when the table is stale, none when it is fresh."""
    newest = f"max(TRY_CAST({rules.identifier(check.column)} AS TIMESTAMP))"
    bound = rules.timestamp_literal(rules.freshness_bound(check.max_age, today))
    return f"SELECT {newest} AS newest FROM {{batch}} HAVING NOT coalesce({newest} >= {bound}, false)"
