"""Static report pages (quality report, operations report): one stylesheet, escaped tables, no assets."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1200px; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }
th { background: #f0f0f0; }
tr.blocked td { background: #fde2e2; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart .bar { fill: #1d5fa8; }
svg.chart .line { fill: none; stroke: #1d5fa8; stroke-width: 2; }
svg.chart .grid { stroke: #d9dee5; }
"""


def page(title: str, intro: str, sections: Sequence[str]) -> str:
    """A whole page: ``intro`` is plain text; ``sections`` are HTML already escaped (from this module)."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style></head>\n<body><h1>{html.escape(title)}</h1>"
            f"<p>生成于 {generated}。{html.escape(intro)}</p>\n{chr(10).join(sections)}\n</body></html>\n")


def section(title: str, body: str) -> str:
    return f"<section><h2>{html.escape(title)}</h2>{body}</section>"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, row_class: int | None = None) -> str:
    """Rows as cells (None as —, times to the minute, integers with thousands); ``row_class`` names the
    column whose value becomes each row's CSS class."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in headers)
    body = []
    for row in rows:
        css = f' class="{html.escape(str(row[row_class]))}"' if row_class is not None else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{cell(value)}</td>" for value in row) + "</tr>")
    empty = f'<tr><td colspan="{len(headers)}">（无）</td></tr>' if not rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}{empty}</tbody></table>"


def cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return html.escape(str(value))
