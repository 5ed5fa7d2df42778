"""An import's report as text for the command line: the mapping to confirm, the counts, and each row
that was not imported complete, with why."""

from __future__ import annotations

from pathlib import Path

import yaml

from blocklake.errors import ConfigError
from catalog.directory_import.completion import ToComplete
from catalog.directory_import.guessing import FIELD_TITLES
from catalog.directory_import.importing import ImportReport
from catalog.directory_import.rows import STATUS_TITLES


def load_mapping_file(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """A mapping file (YAML or JSON): ``columns:`` (the file's column: our field, or "" to ignore it) and
    ``defaults:`` (field: value for rows lacking it)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the mapping: {exc}", path=path) from exc
    if not isinstance(loaded, dict) or not set(loaded) <= {"columns", "defaults"}:
        raise ConfigError("expected `columns:` (file column: field) and/or `defaults:` (field: value)", path=path)
    columns, defaults = loaded.get("columns") or {}, loaded.get("defaults") or {}
    if not isinstance(columns, dict) or not isinstance(defaults, dict):
        raise ConfigError("`columns:` and `defaults:` must each be a mapping", path=path)
    return ({str(key): str(value or "") for key, value in columns.items()},
            {str(key): str(value) for key, value in defaults.items()})


def mapping_lines(report: ImportReport) -> list[str]:
    lines = ["列映射（请确认；用 --mapping FILE 更改）:"]
    for guess in report.guesses:
        target = f"{guess.field}（{FIELD_TITLES[guess.field]}）" if guess.field else "—（不导入）"
        lines.append(f"  {guess.column} → {target}    [{guess.reason}]")
    lines += [f"  默认值 {name} = {value}" for name, value in report.defaults.items()]
    return lines


def row_lines(report: ImportReport, limit: int | None = None) -> list[str]:
    """Each row not imported complete: refused ones with their reason, 待补全 ones with their missing fields."""
    lines = []
    for row in report.rows:
        if row.status == "imported" and not row.notes:
            continue
        missing = "缺 " + "、".join(FIELD_TITLES.get(name, name) for name in row.missing) if row.missing else ""
        what = row.reason or missing
        notes = f"；{'；'.join(row.notes)}" if row.notes else ""
        lines.append(f"  第 {row.number} 行 {STATUS_TITLES[row.status]}：{row.name or '—'} {what}{notes}")
    if limit is not None and len(lines) > limit:
        lines = [*lines[:limit], f"  … 另有 {len(lines) - limit} 行（--all 列出全部）"]
    return lines


def summary_line(report: ImportReport) -> str:
    counts = report.counts
    done = "试运行，未写入" if report.dry_run else f"新建 {report.created}，更新 {report.updated}"
    return (f"{report.file}: {len(report.rows)} 行 — 导入 {counts['imported']}，待补全 {counts['pending']}，"
            f"拒绝 {counts['refused']}（导入率 {report.import_share:.1%}）；{done}")


def completion_lines(by_provider: dict[str, list[ToComplete]]) -> list[str]:
    lines = []
    for provider, resources in by_provider.items():
        lines.append(f"{provider}: {len(resources)} 项待补全")
        lines += [f"  {item.code} {item.name}: 缺 {'、'.join(item.missing)}" for item in resources]
    return lines or ["没有待补全的资源"]
