"""Great Expectations side of the checks: custom expectations for Chinese identifiers and the
translation of each :class:`~blocklake.checks.Check` into an expectation.

The custom expectations are column-map expectations whose condition is the SQL of
:mod:`quality.rules`, so GX folds them, with the built-in ones, into one aggregate query
per table that DuckDB runs in the lake — no rows are pulled into Python. Importing this module
imports GX (slow): do it inside tasks, never at DAG-parse time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import great_expectations as gx
import sqlalchemy as sa
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import ColumnAggregateExpectation, ColumnMapExpectation
from great_expectations.expectations.metrics import (
    ColumnAggregateMetricProvider,
    ColumnMapMetricProvider,
    column_aggregate_partial,
    column_condition_partial,
)

from blocklake.checks import Check, freshness_bound
from blocklake.sql import identifier
from quality import rules

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
        ref = identifier(reference_column)
        return sa.literal_column(
            f"({identifier(column.name)} IN (SELECT {ref} FROM {reference_relation} WHERE {ref} IS NOT NULL))",
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
    """GB 11643 citizen identity number: region, birth date, MOD 11-2 check character (15-digit legacy IDs and
    2023 foreign permanent resident IDs too)."""

    rule: str = "resident_id"


class ExpectColumnValuesToHaveResidentIdRegionAtBirth(ExpectColumnValuesToSatisfyBlocklakeRule):
    """The region code of an 18-digit citizen ID existed in its birth year (python-stdnum's table of codes).
    Declared as a warning: real registers hold such IDs (the code is the place of issue)."""

    rule: str = "resident_id_region_at_birth"


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


class ColumnNewestTime(ColumnAggregateMetricProvider):
    """The latest value of a column read as a time (text that is no time is ignored)."""

    metric_name = "column.blocklake_newest"

    @column_aggregate_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, **kwargs):
        return sa.literal_column(f"CAST(max(TRY_CAST({identifier(column.name)} AS TIMESTAMP)) AS VARCHAR)")


class ExpectColumnNewestToBeAfter(ColumnAggregateExpectation):
    """The table is fresh: its newest record (by ``column``) is no older than ``after`` (an ISO time).
    An aggregate, so it rides along in the table's one aggregate query."""

    after: str
    metric_dependencies = ("column.blocklake_newest",)
    success_keys = ("after",)

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None, execution_engine=None) -> dict:
        newest = metrics["column.blocklake_newest"]
        fresh = newest is not None and datetime.fromisoformat(newest) >= datetime.fromisoformat(self.after)
        return {"success": fresh, "result": {"observed_value": newest}}


class ColumnKeyCounts(ColumnAggregateMetricProvider):
    """``[non-null values, distinct values]`` of a column, from one aggregate."""

    metric_name = "column.blocklake_key_counts"

    @column_aggregate_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, **kwargs):
        name = identifier(column.name)
        return sa.literal_column(f"[count({name}), count(DISTINCT {name})]")


class ExpectColumnValuesToBeDistinct(ColumnAggregateExpectation):
    """Every non-null value occurs once. One COUNT(DISTINCT) in the column's aggregate query (GX's
    ExpectColumnValuesToBeUnique takes two window-function scans); the unexpected count is the rows
    beyond the first of each value, ``mostly`` the share of distinct values among non-null ones."""

    mostly: float = 1.0
    metric_dependencies = ("column.blocklake_key_counts",)
    success_keys = ("mostly",)

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None, execution_engine=None) -> dict:
        judged, distinct = metrics["column.blocklake_key_counts"]
        extra = judged - distinct
        return {"success": judged == 0 or distinct / judged >= self.mostly,
                "result": {"observed_value": extra, "element_count": judged, "unexpected_count": extra}}


_RULE_EXPECTATIONS = {
    "resident_id": ExpectColumnValuesToBeValidResidentId,
    "resident_id_region_at_birth": ExpectColumnValuesToHaveResidentIdRegionAtBirth,
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
            return ExpectColumnValuesToBeDistinct(column=check.key[0], mostly=check.mostly, **common)
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
            bound = freshness_bound(check.max_age, today)
            return ExpectColumnNewestToBeAfter(column=check.column, after=bound.isoformat(sep=" "), **common)
        case "row_count":
            return gx.expectations.ExpectTableRowCountToBeBetween(min_value=check.min_rows, **common)
    raise ValueError(f"no expectation for check kind {check.check!r}")
