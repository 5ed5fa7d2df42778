"""The rows of an HTML table: what many portals' 导出Excel buttons actually send, under an .xls name.

Read with the standard library's tokenizer (no document tree): each ``<tr>`` a row, each ``<td>``/``<th>``
a cell with its text; a ``colspan`` repeats the cell so columns stay aligned. The largest table wins — a
page may carry a layout table or a title table around the data.
"""

from __future__ import annotations

from html.parser import HTMLParser

MAX_COLSPAN = 50  # a crafted colspan="100000" would otherwise make one row as wide as memory


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._open: list[list[list[str]]] = []  # tables being read, innermost last
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._open.append([])
        elif tag == "tr" and self._open:
            self._open[-1].append([])
        elif tag in ("td", "th") and self._open and self._open[-1]:
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = min(int(span), MAX_COLSPAN) if span.isdigit() and int(span) > 0 else 1
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self._open[-1][-1].extend(["".join(self._cell).strip()] * self._span)
            self._cell = None
        elif tag == "table" and self._open:
            self.tables.append(self._open.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_rows(text: str) -> list[list[str]]:
    """The rows of the largest table in ``text`` (an HTML document or fragment); [] if it has none."""
    parser = _Tables()
    parser.feed(text)
    parser.close()
    tables = parser.tables + parser._open  # an unclosed table, as sloppy exporters leave it
    return max(tables, key=len, default=[])


def looks_like_html(text: str) -> bool:
    start = text.lstrip()[:2048].lower()
    return start.startswith("<") and "<table" in text[:1 << 20].lower()
