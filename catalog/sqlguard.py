"""The SQL guard in front of the analyst session: one SELECT over the tables and columns a caller may
read, or a refusal saying what was refused.

The query is parsed with sqlglot (DuckDB dialect) and must be exactly one query (SELECT, set operation,
WITH); it may name only readable ``schema.table`` views (a bare table name if it is unique), CTEs it
defines, and ordinary scalar, aggregate and window functions from an allow-list — no table functions,
no file paths, no catalogs. Columns are resolved against the readable columns only
(``sqlglot.optimizer.qualify``), which also expands ``*`` to them. What runs is the qualified query
rendered back to DuckDB SQL: every table fully named, every column bound to its table, CTEs renamed so
that DuckDB cannot resolve them to anything but the CTE — never the caller's text.

DuckDB folds identifiers to lower case even when quoted, so names are compared lower-cased.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from blocklake.errors import BlocklakeError

DIALECT = "duckdb"
CTE_PREFIX = "cte__"  # no view, table or system object in the analyst session starts with it
MAX_DEPTH = 64  # parentheses: deeper than any analyst writes, well inside the parser's recursion

# Functions by sqlglot's name for them (``Func.sql_name()``); DuckDB functions sqlglot does not know are
# ``Anonymous`` and go by their own name. Only pure functions of their arguments: nothing that reads
# files, settings, the environment or the catalog, and nothing that makes tables.
ALLOWED_FUNCTIONS = frozenset({
    # aggregates
    "count", "count_if", "sum", "avg", "min", "max", "median", "mode", "any_value", "arg_max", "arg_min",
    "first", "last", "array_agg", "group_concat", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop",
    "var_samp", "corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept", "approx_distinct",
    "percentile_cont", "percentile_disc", "logical_and", "logical_or", "kurtosis", "skewness", "entropy",
    "histogram", "fsum", "product", "bitwise_and_agg", "bitwise_or_agg", "grouping", "min_by", "max_by",
    # window functions
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
    "last_value", "nth_value",
    # conditionals and casts
    "case", "if", "coalesce", "nullif", "ifnull", "greatest", "least", "cast", "try_cast", "typeof",
    # numbers
    "abs", "round", "floor", "ceil", "trunc", "sign", "sqrt", "ln", "log", "log10", "log2", "exp", "power",
    "mod", "pi", "is_nan", "is_inf",
    # text
    # (not repeat, lpad/rpad, format or printf: they make a gigabyte from a few bytes of query, in one
    # allocation that neither DuckDB's memory limit nor an interrupt stops)
    "upper", "lower", "length", "substring", "left", "right", "trim", "ltrim", "rtrim", "replace", "concat",
    "concat_ws", "split_part", "split", "str_position", "reverse", "ascii", "chr",
    "contains", "starts_with", "ends_with", "regexp_like", "regexp_replace", "regexp_extract",
    "levenshtein", "jarowinkler_similarity", "md5", "sha2", "hash", "initcap",
    # dates and times
    "current_date", "current_timestamp", "now", "today", "extract", "date_part", "year", "month", "day",
    "quarter", "week", "hour", "minute", "second", "dayname", "monthname", "day_of_week", "day_of_year",
    "last_day", "timestamp_trunc", "date_trunc", "datediff", "date_diff", "date_add", "date_sub", "age",
    "date_bin", "str_to_time", "try_strptime", "time_to_str", "date_from_parts", "time_to_unix",
    "unix_to_time", "to_date",
    # values
    "array", "struct", "array_contains", "array_size", "array_sort", "exists",
})
REFUSED_NODES: dict[type[exp.Expression], str] = {
    exp.Lambda: "lambda expressions are not allowed",
    exp.Placeholder: "query parameters are not allowed",
    exp.Parameter: "query parameters are not allowed",
    exp.Version: "time travel (AT VERSION) is not allowed: the views read the published version",
    exp.HistoricalData: "time travel (AT VERSION) is not allowed: the views read the published version",
    exp.Into: "SELECT … INTO is not allowed",
    exp.Pivot: "PIVOT/UNPIVOT is not allowed",
    exp.Unnest: "UNNEST as a table is not allowed",
}
STATEMENT_NODES = (exp.DML, exp.DDL, exp.Command, exp.Set, exp.Pragma, exp.Copy, exp.Attach, exp.Detach,
                   exp.Install, exp.Use, exp.Describe, exp.Transaction)


class SqlRefused(BlocklakeError):
    """The guard refused a query; the message says what was refused."""


@dataclass(frozen=True)
class Checked:
    sql: str  # what runs: the qualified query, rendered in DuckDB SQL
    tables: tuple[str, ...]  # the readable tables it reads, "schema.table" as the caller named them


def check(sql: str, readable: Mapping[str, Sequence[str]]) -> Checked:
    """``sql`` if it is one query over ``readable`` ("schema.table" -> column names) and allowed
    functions only, qualified; :class:`SqlRefused` otherwise."""
    allowed = {key.lower(): [column.lower() for column in columns] for key, columns in readable.items() if columns}
    given = {key.lower(): key for key in readable}
    _refuse_deep_nesting(sql)
    try:
        tree = normalize_identifiers(_one_query(sql), dialect=DIALECT)
        _refuse_forbidden_nodes(tree)
        _refuse_shadowing_ctes(tree, allowed)
        tables = _resolve_tables(tree, allowed)
        qualified = _qualify(tree, allowed)
        _refuse_unbound_columns(qualified)
        _refuse_unreadable_columns(qualified, allowed)
        _rename_ctes(qualified)
        text = qualified.sql(dialect=DIALECT, comments=False)
    except RecursionError:  # an expression deeper than the parser's recursion (NOT NOT NOT …, a + b + c …)
        raise SqlRefused("refused: the query is nested too deeply to check; write it in fewer levels") from None
    return Checked(text, tuple(sorted(given[table] for table in tables)))


def _refuse_deep_nesting(sql: str) -> None:
    """Refuse parentheses nested deeper than :data:`MAX_DEPTH` before the parser recurses into them."""
    depth = deepest = 0
    quote: str | None = None
    for char in sql:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise SqlRefused(f"refused: parentheses nested {deepest} deep; at most {MAX_DEPTH} are allowed")


def _one_query(sql: str) -> exp.Query:
    try:
        statements = [statement for statement in sqlglot.parse(sql, read=DIALECT) if statement is not None]
    except SqlglotError as exc:
        raise SqlRefused(f"refused: the query does not parse as DuckDB SQL ({_first_line(exc)})") from None
    if len(statements) != 1:
        raise SqlRefused(f"refused: exactly one statement is allowed, found {len(statements)}")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        kind = statement.key.upper() if not isinstance(statement, exp.Command) else statement.name.upper()
        raise SqlRefused(f"refused: only SELECT queries are allowed, not {kind}")
    return statement


def _refuse_forbidden_nodes(tree: exp.Expression) -> None:
    for node in tree.walk():
        if isinstance(node, STATEMENT_NODES):
            raise SqlRefused(f"refused: {node.key.upper()} inside a query")
        for kind, what in REFUSED_NODES.items():
            if isinstance(node, kind):
                raise SqlRefused(f"refused: {what}")
        # sqlglot (30.x) models AND, OR and XOR as functions too; they are operators, always allowed
        if isinstance(node, exp.Func) and not isinstance(node, exp.Connector):
            _check_function(node)


def _check_function(node: exp.Func) -> None:
    name = node.name.lower() if isinstance(node, exp.Anonymous) else node.sql_name().lower()
    if isinstance(node.parent, exp.Table) and node.parent.this is node:
        raise SqlRefused(f"refused: table function {name}() — only the readable tables may be queried")
    if name not in ALLOWED_FUNCTIONS:
        raise SqlRefused(f"refused: function {name}() is not allowed")


def _refuse_shadowing_ctes(tree: exp.Expression, allowed: Mapping[str, list[str]]) -> None:
    """A WITH name equal to a readable table's would make a reader (and the guard) guess which is meant."""
    names = {key.split(".", 1)[1] for key in allowed}
    for cte in tree.find_all(exp.CTE):
        if cte.alias_or_name in names:
            raise SqlRefused(f"refused: WITH {cte.alias_or_name} shadows the readable table of that name")


def _resolve_tables(tree: exp.Query, allowed: Mapping[str, list[str]]) -> set[str]:
    """Check every table reference, naming bare ones by their schema; returns the tables read."""
    checked: set[int] = set()
    read: set[str] = set()
    for scope in traverse_scope(tree):
        for table in scope.tables:
            checked.add(id(table))
            if not _is_cte_reference(table, scope):
                read.add(_qualify_table(table, allowed))
    for table in tree.find_all(exp.Table):  # a reference no scope accounts for cannot be checked: refuse it
        if id(table) not in checked:
            raise SqlRefused(f"refused: table reference {table.sql(dialect=DIALECT)} is not allowed here")
    return read


def _is_cte_reference(table: exp.Table, scope: Scope) -> bool:
    return not table.args.get("db") and not table.args.get("catalog") and table.name in scope.cte_sources


def _qualify_table(table: exp.Table, allowed: Mapping[str, list[str]]) -> str:
    shown = table.sql(dialect=DIALECT)
    if not isinstance(table.this, exp.Identifier):
        raise SqlRefused(f"refused: {shown} — only the readable tables may be queried")
    if table.args.get("catalog"):
        raise SqlRefused(f"refused: {shown} — name tables as schema.table, without a catalog")
    alias = table.args.get("alias")
    if alias is not None and alias.columns:  # positional renames would depend on the view's column order
        raise SqlRefused(f"refused: {shown} — column aliases on a table are not allowed; alias the columns instead")
    if table.args.get("db"):
        key = f"{table.db}.{table.name}"
        if key not in allowed:
            raise SqlRefused(f"refused: table {key} is not readable")
        return key
    matches = [key for key in allowed if key.split(".", 1)[1] == table.name]
    if len(matches) != 1:
        problem = "is not readable" if not matches else f"is ambiguous ({', '.join(sorted(matches))})"
        raise SqlRefused(f"refused: table {table.name} {problem}")
    table.set("db", exp.to_identifier(matches[0].split(".", 1)[0]))
    return matches[0]


def _qualify(tree: exp.Query, allowed: Mapping[str, list[str]]) -> exp.Query:
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for key, columns in allowed.items():
        db, name = key.split(".", 1)
        schema.setdefault(db, {})[name] = dict.fromkeys(columns, "UNKNOWN")
    try:
        return qualify(tree, schema=schema, dialect=DIALECT, validate_qualify_columns=True, identify=True)
    except OptimizeError as exc:
        raise SqlRefused(f"refused: {_first_line(exc)} (only the readable columns may be used)") from None


def _refuse_unbound_columns(tree: exp.Expression) -> None:
    """After qualification every column names its table; one that does not is a table used as a value
    (DuckDB reads ``SELECT t FROM t`` as the whole row) or something the guard cannot check."""
    for column in tree.find_all(exp.Column):
        if not column.table and not _orders_by_output(column):
            raise SqlRefused(f"refused: {column.sql(dialect=DIALECT)} is not a readable column")
    for whole_row in tree.find_all(exp.TableColumn):
        raise SqlRefused(f"refused: {whole_row.sql(dialect=DIALECT)} — a table cannot be selected as a value")
    for star in tree.find_all(exp.Star):
        if not isinstance(star.parent, exp.Count):
            raise SqlRefused("refused: * could not be expanded to readable columns")


def _refuse_unreadable_columns(tree: exp.Query, allowed: Mapping[str, list[str]]) -> None:
    """Check each qualified column against the source its qualifier names, scope by scope: a table's
    column must be readable, and no column may name the derived table it is inside of (sqlglot
    qualifies a column it cannot resolve in a LATERAL subquery with the subquery's own alias)."""
    for scope in traverse_scope(tree):
        for column in scope.columns:
            if not column.table:
                continue  # an ORDER BY of an output column (_refuse_unbound_columns)
            source = _source_of(scope, column.table)
            shown = column.sql(dialect=DIALECT)
            if isinstance(source, exp.Table):
                if column.name not in allowed.get(f"{source.db}.{source.name}", ()):
                    raise SqlRefused(f"refused: {shown} is not a readable column")
            elif source is None or _is_inside(column, source.expression):
                raise SqlRefused(f"refused: {shown} does not resolve to a readable column")


def _source_of(scope: Scope, name: str) -> exp.Table | Scope | None:
    """What ``name`` means where ``scope`` is: its own source, or an outer one (a correlated reference)."""
    while scope is not None:
        if name in scope.sources:
            return scope.sources[name]
        scope = scope.parent
    return None


def _is_inside(node: exp.Expression, ancestor: exp.Expression) -> bool:
    parent = node.parent
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parent
    return False


def _orders_by_output(column: exp.Column) -> bool:
    """``ORDER BY n`` where ``n`` is an output column of the query ordered (qualify leaves those bare)."""
    order = column.find_ancestor(exp.Order, exp.Window, exp.Select)
    if not isinstance(order, exp.Order) or not isinstance(order.parent, exp.Query):
        return False
    return column.name in order.parent.named_selects


def _rename_ctes(tree: exp.Expression) -> None:
    """Give each CTE (and its references) a name nothing else in the session has, so that DuckDB can
    resolve a CTE reference to nothing but that CTE, whatever its scoping rules."""
    references = [table for scope in traverse_scope(tree) for table in scope.tables if _is_cte_reference(table, scope)]
    for table in references:
        table.set("this", exp.to_identifier(CTE_PREFIX + table.name, quoted=True))
    for cte in tree.find_all(exp.CTE):
        cte.args["alias"].set("this", exp.to_identifier(CTE_PREFIX + cte.alias_or_name, quoted=True))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
