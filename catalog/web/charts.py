"""Tiny server-rendered SVG charts: no JavaScript, no external assets, text escaped.

``bar_chart`` draws horizontal bars (long Chinese labels read well on the left); ``line_chart`` draws one
series over evenly spaced points. Both return :class:`markupsafe.Markup`, ready to drop into a template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

Number = int | float
Formatter = Callable[[Number], str]

FONT = 'font-family="inherit" font-size="12"'


def bar_chart(data: Sequence[tuple[str, Number]], *, title: str, width: int = 640, bar_height: int = 22,
              label_width: int = 180, value_format: Formatter = lambda v: f"{v:,}") -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    if not data:
        return _empty(title, width)
    gap, top, value_room = 6, 8, 90
    height = top * 2 + len(data) * (bar_height + gap)
    largest = max((value for _, value in data), default=0) or 1
    room = max(width - label_width - value_room, 10)
    parts = [_open(title, width, height)]
    for index, (label, value) in enumerate(data):
        y = top + index * (bar_height + gap)
        length = max(room * value / largest, 1 if value else 0)
        middle = y + bar_height / 2 + 4
        parts.append(
            f'<text x="{label_width - 8}" y="{middle:.1f}" text-anchor="end" {FONT}>{escape(_clip(label, 14))}'
            f"<title>{escape(label)}</title></text>"
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" rx="2">'
            f"<title>{escape(label)}：{escape(value_format(value))}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{middle:.1f}" {FONT}>{escape(value_format(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(data: Sequence[tuple[str, Number | None]], *, title: str, width: int = 640, height: int = 220,
               y_max: Number | None = None, value_format: Formatter = lambda v: f"{v:,}") -> Markup:
    """One line over the points in order; ``None`` values are skipped. The y axis starts at 0."""
    points = [(label, value) for label, value in data if value is not None]
    if not points:
        return _empty(title, width)
    left, right, top, bottom = 56, 16, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = y_max if y_max is not None else (max(value for _, value in points) or 1)
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0

    def x(index: int) -> float:
        return left + (index * step if len(points) > 1 else plot_w / 2)

    def y(value: Number) -> float:
        return top + plot_h - plot_h * min(value, ceiling) / ceiling

    parts = [_open(title, width, height)]
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        level = ceiling * fraction
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(level):.1f}" y2="{y(level):.1f}"/>'
                     f'<text x="{left - 6}" y="{y(level) + 4:.1f}" text-anchor="end" {FONT}>'
                     f"{escape(value_format(level))}</text>")
    path = " ".join(f"{x(i):.1f},{y(value):.1f}" for i, (_, value) in enumerate(points))
    parts.append(f'<polyline class="line" fill="none" points="{path}"/>')
    for i, (label, value) in enumerate(points):
        parts.append(f'<circle class="dot" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3">'
                     f"<title>{escape(label)}：{escape(value_format(value))}</title></circle>")
    ticks = {0, len(points) - 1} | ({len(points) // 2} if len(points) > 2 else set())
    for i in sorted(ticks):
        anchor = "start" if i == 0 and len(points) > 1 else "end" if i == len(points) - 1 and i else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}" {FONT}>'
                     f"{escape(points[i][0])}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, width: int, height: int) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>")


def _empty(title: str, width: int) -> Markup:
    return Markup(f'{_open(title, width, 40)}<text x="8" y="24" {FONT}>暂无数据</text></svg>')


def _clip(label: str, length: int) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"
