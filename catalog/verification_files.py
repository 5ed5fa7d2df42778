"""Batch verification by file: a consumer's list in (CSV in UTF-8, with a BOM or in GB18030, or an Excel
workbook's first sheet), the answers out (CSV in UTF-8 with a BOM, which Excel opens as Chinese).

The list needs a header row. Headers are read as a department writes them: an item's column name, its
title in the directory, or the usual words for its kind of personal data (``身份证号``, ``公民身份号码``,
``证件号码`` for a resident ID; ``姓名`` for a name). The key column is the one so headed; failing that,
the column whose values are mostly valid keys of the key item's kind (resident IDs pass their check
digit), else the first column. Every other column so headed is compared (``姓名``: does the resource hold
the same name for that key). Other columns are carried through untouched, so the consumer's own columns
(its case numbers) stay beside their answers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from blocklake import identifiers
from blocklake.csv_cells import formula_safe
from blocklake.errors import SourceDataError
from blocklake.settings import get_settings
from blocklake.vocabulary import SENSITIVE_TITLES
from blocklake.workbook_guard import UnreadableWorkbook, uploaded_sheets
from catalog.models import DataItem
from catalog.verification import MAX_BATCH_KEYS, STATUS_TITLES, Check, Result, VerificationError

ENCODINGS = ("utf-8-sig", "gb18030")
# Headers departments write for each kind of personal item, besides the directory's title of the kind.
KIND_HEADERS: dict[str, tuple[str, ...]] = {
    "resident_id": ("身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "证件号码", "身份证"),
    "person_name": ("姓名", "名字", "人员姓名"),
    "phone": ("手机号码", "手机号", "联系电话", "电话", "电话号码"),
    "person_address": ("住址", "地址", "居住地址", "现住址"),
}
KEY_VALUES_SHARE = 0.5  # a column whose values are at least this share valid keys of the kind is the key


@dataclass(frozen=True)
class CheckList:
    header: list[str]
    rows: list[list[str]]
    key_column: int
    compared: dict[int, str]  # column position -> the granted item it is compared with

    def checks(self) -> list[Check]:
        return [Check(row[self.key_column], {item: row[i] for i, item in self.compared.items() if row[i].strip()})
                for row in self.rows]


def read_check_list(data: bytes, filename: str, key_item: str, items: Sequence[DataItem]) -> CheckList:
    """The consumer's list, its headers read against the resource's ``items``."""
    table = _xlsx_rows(data) if filename.lower().endswith((".xlsx", ".xls")) else _csv_rows(data)
    table = [row for row in table if any(cell.strip() for cell in row)]
    if len(table) < 2:
        raise VerificationError("核验文件须有表头行和至少一行号码")
    if len(table) - 1 > MAX_BATCH_KEYS:
        raise VerificationError(f"核验文件最多 {MAX_BATCH_KEYS:,} 行，收到 {len(table) - 1:,} 行；请分批核验")
    header, width = [cell.strip() for cell in table[0]], len(table[0])
    rows = [(row + [""] * width)[:width] for row in table[1:]]
    by_header = _headers(items)
    kinds = {item.column_name: item.sensitive for item in items}
    key_column = next((i for i, name in enumerate(header) if by_header.get(name) == key_item), None)
    if key_column is None:
        key_column = _key_column_by_values(rows, kinds.get(key_item))
    compared = {i: by_header[name] for i, name in enumerate(header)
                if i != key_column and name in by_header and by_header[name] != key_item}
    blank = [number for number, row in enumerate(rows, start=2) if not row[key_column].strip()]
    if blank:
        raise VerificationError(f"第 {blank[:10]} 行没有号码（{header[key_column]} 列为空）")
    return CheckList(header, rows, key_column, compared)


def _headers(items: Sequence[DataItem]) -> dict[str, str]:
    """Header -> item: column names and titles first, then the words for a kind if only one item has it."""
    by_kind: dict[str, list[str]] = {}
    for item in items:
        if item.sensitive:
            by_kind.setdefault(item.sensitive, []).append(item.column_name)
    words = {word: names[0] for kind, names in by_kind.items() if len(names) == 1
             for word in (SENSITIVE_TITLES.get(kind, ""), *KIND_HEADERS.get(kind, ())) if word}
    return words | {name: item.column_name for item in items for name in (item.column_name, item.name)}


def _key_column_by_values(rows: list[list[str]], kind: str | None) -> int:
    if kind == "resident_id" and rows:
        shares = [sum(identifiers.is_valid_resident_id(row[i]) for row in rows) / len(rows)
                  for i in range(len(rows[0]))]
        best = max(range(len(shares)), key=shares.__getitem__)
        if shares[best] >= KEY_VALUES_SHARE:
            return best
    return 0


def answers_csv(checks: CheckList, result: Result, titles: Mapping[str, str]) -> bytes:
    """The consumer's rows, each followed by its answer: the status, each comparison, and the granted
    items of the first row found (masked as the grant says)."""
    items = list(result.grant.items)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([formula_safe(cell) for cell in [
        *checks.header, "核验结果", *(f"{checks.header[i]}比对" for i in checks.compared),
        *(f"库中{titles.get(i, i)}" for i in items), "找到记录数"]])
    for row, answer in zip(checks.rows, result.answers, strict=True):
        first = answer.records[0] if answer.records else {}
        cells = [*row, STATUS_TITLES[answer.status],
                 *(_agreement(answer.matches.get(item) if row[i].strip() else None)
                   for i, item in checks.compared.items()),
                 *(_cell(first.get(item)) for item in items)]
        writer.writerow([*(formula_safe(str(cell)) for cell in cells), len(answer.records)])
    return out.getvalue().encode("utf-8-sig")


def _agreement(match: bool | None) -> str:
    return "" if match is None else ("一致" if match else "不一致")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text)))
    raise VerificationError("核验文件既不是 UTF-8 也不是 GB18030 编码的 CSV；请另存为 CSV UTF-8 或 Excel 工作簿")


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        sheets = uploaded_sheets(data, "核验文件", get_settings())
    except UnreadableWorkbook as exc:
        raise VerificationError(f"核验文件无法作为 Excel 工作簿读取：{exc}") from exc
    except SourceDataError as exc:
        raise VerificationError(str(exc)) from None
    if not sheets:
        raise VerificationError("核验文件无法作为 Excel 工作簿读取：没有工作表")
    return [[_xlsx_cell(cell) for cell in row] for row in sheets[0]]


def _xlsx_cell(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # Excel keeps numbers as floats; a unit code typed as a number is an integer
    return "" if cell is None else str(cell)

