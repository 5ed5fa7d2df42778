"""The ``blocklake`` command line: set up, generate the demo district, ingest, run the pipeline.

Heavy modules (Airflow, the generator) are imported inside the command that needs them, so
``blocklake --help`` answers at once.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from blocklake.errors import BlocklakeError, ConfigError
from blocklake.settings import get_settings

Command = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.command(args)
    except BlocklakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blocklake", description="Blocklake — 政务数据共享湖仓")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    setup = commands.add_parser("setup", help="install DuckDB extensions from their PyPI packages")
    setup.set_defaults(command=_setup)

    generate = commands.add_parser("generate", help="write the synthetic district's source systems")
    generate.add_argument("--scale", choices=["tiny", "demo", "district", "city"], default=None)
    generate.add_argument("--seed", type=int, default=None)
    generate.add_argument("--out", type=Path, default=None, help="default: $BLOCKLAKE_HOME/sources")
    generate.add_argument("--postgres-dsn", help="also load the PostgreSQL departments here")
    generate.add_argument("--mysql-dsn", help="also load the MySQL departments here")
    generate.add_argument("--day", type=int, default=1,
                          help="the sources at the end of this day: each day after the first changes about 1%% of "
                               "every table (inserts, updates, hard deletes, late rows; _truth/changes.parquet)")
    generate.set_defaults(command=_generate)

    registry = commands.add_parser("registry", help="validate the source registry and list its tables")
    registry.set_defaults(command=_registry)

    dbt_sources = commands.add_parser("dbt-sources", help="write dbt's raw-layer sources files and the lists of "
                                      "where persons and addresses appear, from the registry")
    dbt_sources.add_argument("--check", action="store_true", help="only list the differences; exit 1 if any")
    dbt_sources.set_defaults(command=_dbt_sources)

    discover = commands.add_parser("discover", help="propose a department's registry entry from its source",
                                   description="Reads a database (postgresql://…, mysql://…, an SQLite file) or a "
                                   "folder of CSV and Excel files, and proposes the department's registry entry as "
                                   "YAML: keys, load mode, and per column a Chinese title and the data element its "
                                   "values show, with the evidence. For a department the registry has, lists what "
                                   "changed instead.")
    discover.add_argument("source", help="database URI, SQLite file, or folder of CSV / Excel files")
    discover.add_argument("--department", required=True, help="the department's code (lower case, e.g. veterans)")
    discover.add_argument("--name", help="the department's name (部门名称)")
    discover.add_argument("--uscc", help="the department's unified social credit code")
    discover.add_argument("--namespace", help="PostgreSQL schema or MySQL database (default: public / the URI's)")
    discover.add_argument("--output", type=Path, help="write the proposal to this file (never over one)")
    discover.set_defaults(command=_discover)

    ingest = commands.add_parser("ingest", help="load tables into the lake and gate them (without Airflow)")
    ingest.add_argument("department", nargs="?", help="department code (default: all)")
    ingest.add_argument("table", nargs="?", help="table name (default: all of the department)")
    ingest.add_argument("--reconcile", action="store_true",
                        help="read incremental tables whole now, to find rows deleted at the source")
    ingest.set_defaults(command=_ingest)

    gate = commands.add_parser("gate", help="re-run quality gates on what is in the lake (no reload)")
    gate.add_argument("tables", nargs="*", help="schema.table (default: every raw table and built model)")
    gate.set_defaults(command=_gate)

    quality = commands.add_parser("quality", help="write the HTML quality report from the gate's record")
    quality.add_argument("--out", type=Path, default=None, help="default: $BLOCKLAKE_HOME/reports/quality.html")
    quality.set_defaults(command=_quality)

    operator = ("Views raw.*, base.*, marts.* read each table's published version: every column but lineage, "
                "nothing masked, and the lake itself is attached as `lake` (e.g. lake.meta.loads). This is for "
                "the bureau's operator, who has file access to the lake anyway; departments use POST /api/sql. "
                "The session is locked: no other files, settings or extensions.")
    sql = commands.add_parser("sql", help="a read-only SQL query over the published tables", description=operator)
    sql.add_argument("query")
    sql.add_argument("--format", choices=["table", "csv", "parquet"], default="table",
                     help="table: printed aligned; csv/parquet: the whole result written by DuckDB's COPY")
    sql.add_argument("--output", type=Path, help="file for csv/parquet (csv default: standard output)")
    sql.add_argument("--max-rows", type=int, default=50, help="rows a table shows (default 50)")
    sql.set_defaults(command=_sql)

    shell = commands.add_parser("shell", help="an interactive read-only SQL prompt over the published tables",
                                description=operator + " Statements end with ';'; .tables lists the views; .quit.")
    shell.add_argument("--max-rows", type=int, default=50, help="rows a result shows (default 50)")
    shell.set_defaults(command=_shell)

    views = commands.add_parser(
        "views", help="write the published views for your own DuckDB (CLI, Python, DBeaver) and say how to use them",
        description="Every publication rewrites $BLOCKLAKE_HOME/published.sql: it attaches the lake read-only and "
                    "names raw.*, base.*, marts.* at their published snapshots, as `blocklake sql` shows them. This "
                    "command writes it now (e.g. after moving the lake) and prints its path.")
    views.set_defaults(command=_views)

    run = commands.add_parser("run", help="generate if needed, then run every ingest DAG through Airflow")
    run.add_argument("--scale", choices=["tiny", "demo", "district", "city"], default=None)
    run.add_argument("--regenerate", action="store_true", help="generate the sources even if present")
    run.add_argument("--no-serve", action="store_true", help="return when done instead of serving the catalog")
    run.set_defaults(command=_run)

    build = commands.add_parser("build", help="build the base layer now: dbt, the gate of its models, the directory")
    build.add_argument("--full-refresh", action="store_true",
                       help="rebuild the incremental models (the address match cache, …) from nothing")
    build.set_defaults(command=_build)

    export = commands.add_parser("export", help="deliver the bundles due for approved applications (no Airflow)")
    export.add_argument("--consumer", default=None, help="only this department's bundles (its code)")
    export.set_defaults(command=_export)

    catalog = commands.add_parser("catalog", help="serve the catalog (directory, statistics, applications, API)")
    catalog.add_argument("--port", type=int, default=None, help="default: BLOCKLAKE_CATALOG_PORT (8765)")
    catalog.set_defaults(command=_catalog)

    _keys_parser(commands)
    _directory_parser(commands)

    ui = commands.add_parser("ui", help="start Airflow (scheduler, API server and UI) with Blocklake's DAGs")
    ui.add_argument("--port", type=int, default=8080)
    ui.set_defaults(command=_ui)

    cluster = commands.add_parser(
        "cluster", help="start the cluster profile: Airflow with Celery workers (Redis), PostgreSQL, S3 lake",
        description="Checks the profile (BLOCKLAKE_LAKE_CATALOG=postgres:…, BLOCKLAKE_LAKE_DATA_PATH=s3://…, "
                    "BLOCKLAKE_CATALOG_DB=postgresql+psycopg://…, BLOCKLAKE_CLUSTER_AIRFLOW_DB=postgresql+psycopg://…, "
                    "Redis at BLOCKLAKE_CLUSTER_BROKER_URL), prepares the databases and runs the components in the "
                    "foreground until Ctrl-C. See docs/deploy.md.")
    cluster.add_argument("--components", default=None,
                         help="comma-separated, of: api-server, scheduler, dag-processor, worker, catalog "
                              "(default: all, the whole stack on one machine)")
    cluster.add_argument("--workers", type=int, default=None, help="Celery workers on this machine (default 2)")
    cluster.add_argument("--concurrency", type=int, default=None, help="tasks per worker at once (default 2)")
    cluster.add_argument("--port", type=int, default=None, help="the Airflow API server's port (default 8080)")
    cluster.set_defaults(command=_cluster)
    return parser


def _directory_parser(commands: argparse._SubParsersAction) -> None:
    directory = commands.add_parser("directory", help="import another platform's resource directory; export ours",
                                    description="Import a directory exported by another platform (CSV in UTF-8 "
                                    "or GB18030, JSON, Excel) into the catalog. Rows lacking fields the guide "
                                    "requires are registered as 待补全 (not listed until completed).")
    actions = directory.add_subparsers(required=True, metavar="ACTION")
    importing = actions.add_parser("import", help="import a directory file (guessed column mapping, shown first)")
    importing.add_argument("file", type=Path)
    importing.add_argument("--platform", help="the source platform's name: its confirmed mapping is saved under "
                                              "it (with --save-mapping) and used for its next files")
    importing.add_argument("--dry-run", action="store_true", help="report every row; write nothing")
    importing.add_argument("--mapping", type=Path, help="YAML/JSON: columns: {file column: field}, "
                                                        "defaults: {field: value}")
    importing.add_argument("--default", action="append", default=[], metavar="FIELD=VALUE",
                           help="a value for rows lacking FIELD (e.g. share_type=有条件共享); repeatable")
    importing.add_argument("--save-mapping", action="store_true", help="remember the mapping for --platform")
    importing.add_argument("--all", action="store_true", help="list every row not imported complete")
    importing.set_defaults(command=_directory_import)
    incomplete = actions.add_parser("incomplete", help="what each provider must still complete (待补全)")
    incomplete.set_defaults(command=_directory_incomplete)
    export = actions.add_parser("export", help="write the listed directory under the guide's field names "
                                               "(.csv for Excel, .json lossless)")
    export.add_argument("file", type=Path)
    export.set_defaults(command=_directory_export)


def _directory_import(args: argparse.Namespace) -> int:
    from catalog import db
    from catalog.directory_import import importing, report

    if args.save_mapping and not args.platform:
        raise ConfigError("--save-mapping keeps the mapping under a platform's name: give --platform NAME")
    columns, defaults = report.load_mapping_file(args.mapping) if args.mapping else ({}, {})
    for pair in args.default:
        field, equals, value = pair.partition("=")
        if not equals:
            raise ConfigError(f"--default {pair!r}: expected FIELD=VALUE, e.g. share_type=有条件共享")
        defaults[field.strip()] = value.strip()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror or exc}", path=args.file) from exc
    db.upgrade()
    with db.session() as session:
        result = importing.import_directory(session, data, args.file.name, platform=args.platform, columns=columns,
                                            defaults=defaults, dry_run=args.dry_run, actor="cli")
        if args.save_mapping and args.platform:
            importing.save_mapping(session, args.platform, result.every_column, result.defaults)
    lines = [*report.mapping_lines(result), *report.row_lines(result, None if args.all else 50),
             report.summary_line(result)]
    print("\n".join(lines))
    return 0


def _directory_incomplete(args: argparse.Namespace) -> int:
    from catalog import db
    from catalog.directory_import import completion, report

    db.upgrade()
    with db.session() as session:
        print("\n".join(report.completion_lines(completion.to_complete(session))))
    return 0


def _directory_export(args: argparse.Namespace) -> int:
    from catalog import db
    from catalog.directory_io import export_directory

    db.upgrade()
    with db.session() as session:
        count = export_directory(session, args.file)
    print(f"{count} resources written to {args.file}")
    return 0


def _keys_parser(commands: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("keys", help="issue, list and revoke the catalog's API keys",
                               description="Keys for the catalog's API (X-API-Key) and its /login page, in the "
                               "catalog store (BLOCKLAKE_CATALOG_DB). A key is shown once, when issued.")
    actions = keys.add_subparsers(required=True, metavar="ACTION")
    issue = actions.add_parser("issue", help="issue a key and show it (once)")
    issue.add_argument("--department", help="the holder's code (`blocklake registry` lists them); admin keys "
                       "belong to the bureau, so --role admin needs none")
    issue.add_argument("--role", choices=["department", "admin"], default="department")
    issue.add_argument("--valid-days", type=int, default=None, help="expires after N days (default: never)")
    issue.add_argument("--label", default="", help="who holds it or what it is for")
    issue.set_defaults(command=_keys_issue)
    listing = actions.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--department", help="only this department's keys")
    listing.add_argument("--all", action="store_true", help="expired and revoked keys too")
    listing.set_defaults(command=_keys_list)
    revoke = actions.add_parser("revoke", help="revoke a key now (its web logins end too)")
    revoke.add_argument("id", type=int, help="the key's id (`blocklake keys list`)")
    revoke.set_defaults(command=_keys_revoke)


def _setup(args: argparse.Namespace) -> int:
    from blocklake import extensions

    done = extensions.install_all()
    print(f"DuckDB extensions installed: {', '.join(done) or 'all already present'}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from synthetic import GenerateConfig, generate

    settings = get_settings()
    config = GenerateConfig(
        out_dir=args.out or settings.sources_path, scale=args.scale or settings.scale,
        seed=args.seed if args.seed is not None else settings.seed,
        postgres_dsn=args.postgres_dsn, mysql_dsn=args.mysql_dsn, day=args.day,
    )
    report = generate(config, progress=lambda message: print(f"  {message}", flush=True))
    print(f"generated {len(report.tables)} tables (day {config.day}), {report.total_rows:,} records in "
          f"{report.seconds:.1f}s under {config.out_dir}")
    return 0


def _registry(args: argparse.Namespace) -> int:
    from blocklake.registry import load_registry

    registry = load_registry(get_settings().registry_dir)
    for dept in registry.departments.values():
        print(f"{dept.code:<10} {dept.name}  ({dept.schedule})")
        for table in dept.tables:
            print(f"    {table.name:<24} {table.title:<12} {table.load.mode:<11} {table.directory.share_type}")
    print(f"{len(registry.departments)} departments, {registry.table_count} tables")
    return 0


def _dbt_sources(args: argparse.Namespace) -> int:
    from blocklake.registry import load_registry
    from transform import generated

    settings = get_settings()
    registry = load_registry(settings.registry_dir)
    if args.check:
        problems = generated.stale(registry)
        print("\n".join(problems) or "dbt's sources, generated staging models and mention lists agree with the "
                                     "registry")
        return 1 if problems else 0
    written = generated.write_all(registry)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} files rewritten in {settings.dbt_project_path}; the others already agreed")
    return 0


def _discover(args: argparse.Namespace) -> int:
    from blocklake.errors import ConfigError
    from blocklake.registry import IDENTIFIER, load_registry
    from ingestion.discover import discover

    settings = get_settings()
    if not re.fullmatch(IDENTIFIER, args.department):
        raise ConfigError(f"--department {args.department!r}: a department's code is lower-case letters, digits and "
                          "underscores, beginning with a letter (veterans, civil_affairs)")
    if args.output and args.output.exists():
        raise ConfigError(f"{args.output} exists: discover never overwrites a file; name another, or compare "
                          "with `blocklake discover` on a department the registry has")
    found = discover(args.source, code=args.department, name=args.name, uscc=args.uscc, namespace=args.namespace,
                     settings=settings, registry=load_registry(settings.registry_dir),
                     progress=lambda message: print(message, file=sys.stderr))
    if found.changes is not None:
        print(f"{len(found.changes)} changes against the registry's entry for {args.department}:")
        print("\n".join(f"  {change.describe()}" for change in found.changes) or "  (none)")
    if args.output:
        args.output.write_text(found.yaml, encoding="utf-8")
        print(f"wrote {args.output}: review every 待定, then move it into {settings.registry_dir}", file=sys.stderr)
    elif found.changes is None:
        print(found.yaml, end="")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from blocklake.registry import load_registry
    from ingestion.runner import load_table
    from quality.gate import QualityGateFailed, gate_raw_table

    settings = get_settings()
    registry = load_registry(settings.registry_dir)
    codes = [args.department] if args.department else list(registry.departments)
    failures = 0
    for code in codes:
        dept = registry.department(code)
        for table in [dept.table(args.table)] if args.table else dept.tables:
            try:
                record = load_table(code, table.name, settings=settings, registry=registry,
                                    reconcile=args.reconcile)
                verdict = gate_raw_table(code, table.name)
                print(f"{code}.{table.name}: {record.rows_inserted:,} rows in {record.duration_s:.1f}s, "
                      f"published (quality {verdict.score:.1f})")
            except QualityGateFailed as exc:
                failures += 1
                print(f"{code}.{table.name}: loaded, NOT published — {exc}", file=sys.stderr)
            except BlocklakeError as exc:
                failures += 1
                print(f"{code}.{table.name}: FAILED — {exc}", file=sys.stderr)
    return 1 if failures else 0


def _gate(args: argparse.Namespace) -> int:
    from blocklake.registry import load_registry
    from quality.gate import built_models, run_gate
    from quality.suites import model_suites, raw_suites
    from transform.dbt import target_path

    suites = raw_suites(load_registry(get_settings().registry_dir))
    if (target_path() / "manifest.json").is_file():
        built = built_models(target_path() / "run_results.json")
        suites |= {name: suite for name, suite in model_suites(target_path() / "manifest.json").items()
                   if name in built}
    unknown = sorted(set(args.tables) - set(suites))
    if unknown:
        print(f"error: no suite for {', '.join(unknown)}; known: {', '.join(sorted(suites))}", file=sys.stderr)
        return 2
    verdicts = run_gate([suites[name] for name in args.tables or sorted(suites)])
    for verdict in verdicts:
        print(verdict.describe())
    return 0 if all(verdict.published for verdict in verdicts) else 1


def _quality(args: argparse.Namespace) -> int:
    from blocklake import lake
    from quality.report import write_report

    settings = get_settings()
    con = lake.connect(settings, read_only=True)
    try:
        path = write_report(con, args.out or settings.home / "reports" / "quality.html")
    finally:
        con.close()
    print(f"quality report: {path}")
    return 0


def _sql(args: argparse.Namespace) -> int:
    from catalog import readonly

    if args.format == "table" and args.output is not None:
        print("error: --output is for --format csv or parquet", file=sys.stderr)
        return 2
    if args.format == "parquet" and args.output is None:
        print("error: --format parquet needs --output PATH", file=sys.stderr)
        return 2
    output = args.output or (Path("/dev/stdout") if args.format == "csv" else None)
    with readonly.session(get_settings(), spill=True, writable=[output] if output else []) as analyst:
        if output is None:
            print(readonly.format_table(analyst.run(args.query, limit=args.max_rows)))
        else:
            sys.stdout.flush()  # DuckDB writes to the same descriptor
            readonly.copy_to(analyst.con, args.query, output, args.format)
    return 0


def _shell(args: argparse.Namespace) -> int:
    from catalog import readonly

    settings = get_settings()
    with readonly.session(settings, spill=True) as analyst:
        return readonly.shell(analyst, max_rows=args.max_rows, history=settings.home / "shell_history")


def _views(args: argparse.Namespace) -> int:
    from blocklake import lake, published_script

    settings = get_settings()
    con = lake.connect(settings, read_only=True)
    try:
        path = published_script.refresh(con, settings)
    finally:
        con.close()
    print(f"published views: {path}\n  duckdb -init {path}\n"
          f"  python: duckdb.connect().execute(open({str(path)!r}).read())")
    return 0


def _run(args: argparse.Namespace) -> int:
    from orchestration.pipeline import run_pipeline

    status = run_pipeline(scale=args.scale, regenerate=args.regenerate)
    if status == 0 and not args.no_serve:
        from catalog.server import serve

        return serve()
    return status


def _build(args: argparse.Namespace) -> int:
    from orchestration.pipeline import run_build

    return run_build(full_refresh=args.full_refresh)


def _export(args: argparse.Namespace) -> int:
    from exports.service import export_due

    results = export_due(consumer=args.consumer, progress=lambda line: print(line, flush=True))
    failed = [result for result in results if result.status == "failed"]
    print(f"{len(results) - len(failed)} bundles delivered or up to date, {len(failed)} failed"
          + ("" if results else " (nothing due)"))
    return 1 if failed else 0


def _catalog(args: argparse.Namespace) -> int:
    from catalog.server import serve

    return serve(port=args.port)


def _keys_issue(args: argparse.Namespace) -> int:
    from catalog import db, keys

    keys.open_store()
    with db.session() as session:
        issued = keys.issue(session, department_code=args.department, role=args.role, label=args.label,
                            valid_days=args.valid_days)
    print("\n".join(keys.format_issued(issued)))
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    from catalog import db, keys

    keys.open_store()
    with db.session() as session:
        rows = keys.listing(session, department_code=args.department, include_ended=args.all)
    print(keys.format_keys(rows) if rows else "(none)")
    noun = ("key" if args.all else "valid key") + ("" if len(rows) == 1 else "s")
    print(f"{len(rows)} {noun}" + ("" if args.all else " (--all: revoked and expired ones too)"))
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    from catalog import db, keys

    keys.open_store()
    with db.session() as session:
        revoked = keys.revoke(session, args.id)
    print(f"revoked key {revoked.id} ({revoked.prefix}…, {revoked.department}, {revoked.role}); it and its web "
          "logins no longer work")
    return 0


def _ui(args: argparse.Namespace) -> int:
    from orchestration.ui import serve

    return serve(port=args.port)


def _cluster(args: argparse.Namespace) -> int:
    from orchestration.cluster import COMPONENTS, load_cluster_settings, serve

    selected = [name.strip() for name in (args.components or ",".join(COMPONENTS)).split(",") if name.strip()]
    unknown = sorted(set(selected) - set(COMPONENTS))
    if unknown:
        print(f"error: unknown component {', '.join(unknown)}; known: {', '.join(COMPONENTS)}", file=sys.stderr)
        return 2
    options = {"workers": args.workers, "worker_concurrency": args.concurrency, "api_port": args.port}
    return serve(selected, cluster=load_cluster_settings(**{k: v for k, v in options.items() if v is not None}))


if __name__ == "__main__":
    raise SystemExit(main())
