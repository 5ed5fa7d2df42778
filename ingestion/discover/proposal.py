"""A department's registry entry proposed from samples of its source, written as YAML for a person to
review. What the values show is written as it is, with its evidence in a comment; what only a person may
decide — the directory's classification, share type and conditions — is left empty and marked 待定, so the
entry does not load until someone has decided it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from blocklake.elements import ELEMENT_TITLES, PERSONAL_ELEMENTS, Detection, Element, detect, values_allow
from blocklake.naming import NameReading, read_name
from ingestion.discover.reading import ColumnSample, SourceSample, TableSample

# Update-time columns: an incremental load's cursor, when their values are dates and times.
UPDATE_TIME_NAMES = re.compile(r"^(?:updated?_?(?:at|time)|gxsj|xgsj|last_?modified|modify_?time|update_?date)$"
                               r"|更新时间|修改时间", re.IGNORECASE)
CYCLES = "实时 / 每日 / 每周 / 每月 / 每季度 / 每年 / 不定期"
VALUE_SPEAKS = ("resident_id", "uscc", "phone", "bank_card", "block_code", "division_code", "datetime", "date",
                "person_name", "org_name", "address", "amount")  # otherwise a name's hint may be more precise
SENSITIVE_PERSONAL = ("resident_id", "bank_card")  # PIPL Art. 28: sensitive personal information
IMPORTANT_PERSONS = 100_000  # GB/T 43697 (2024): personal data of this many people suggests 重要数据


@dataclass
class ColumnProposal:
    name: str
    title: str | None
    element: Element
    detection: Detection
    reading: NameReading
    person: str | None = None  # whose: "self" or a role

    @property
    def evidence(self) -> str:
        said = self.detection.evidence()
        hinted = self.reading.element
        if self.detection.values and hinted and hinted != self.element and self.element in VALUE_SPEAKS:
            said += f"; the name suggests {hinted}"
        return said


@dataclass
class TableProposal:
    sample: TableSample
    name: str
    title: str
    columns: list[ColumnProposal]
    primary_key: list[str]
    cursor: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def about_persons(self) -> bool:
        return any(column.element in ("resident_id", "person_name") for column in self.columns)


def propose_table(sample: TableSample, index: int, *, today: date) -> TableProposal:
    columns = [_column(column, today) for column in sample.columns]
    persons = any(column.element in ("resident_id", "person_name") for column in columns)
    for column in columns:
        if column.element in PERSONAL_ELEMENTS or (persons and column.element == "address" and _home(column)):
            column.person = column.reading.role or "self"
    cursor = next((c.name for c in columns if c.element == "datetime" and UPDATE_TIME_NAMES.search(c.name)), None)
    proposal = TableProposal(sample, _table_name(sample.object, index), _table_title(sample), columns,
                             _key(sample, columns), cursor)
    if not proposal.primary_key:
        proposal.notes.append("待定：no column is unique and never empty; name the key (several columns if need be)")
    return proposal


def _column(sample: ColumnSample, today: date) -> ColumnProposal:
    reading = read_name(sample.name)
    detection = detect(sample.values, today=today)
    element = detection.element
    unique_code = element == "identifier" and reading.element == "code"  # 学校代码 unique in the school table
    if reading.element and not unique_code and (not detection.values or (
            element not in VALUE_SPEAKS and values_allow(reading.element, sample.values, today))):
        element = reading.element  # codes, numbers and empty columns: the name knows better
    elif element == "number" and reading.element == "identifier" and "." not in "".join(sample.values):
        element = "text"  # named a number (房号, 门牌号) but repeating: a label written in digits, not a quantity
    title = sample.comment or reading.title
    return ColumnProposal(sample.name, title, element, detection, reading)


def _home(column: ColumnProposal) -> bool:
    """An address a person lives at, as its title says (家庭住址, 居住地址, 户籍地址, 现住址): an event's,
    a meter's or a company's address in a table about persons is not theirs."""
    return bool(column.title) and re.search(r"住|家庭|户籍|居所", column.title or "") is not None


def _key(sample: TableSample, columns: list[ColumnProposal]) -> list[str]:
    if sample.declared_key:
        return sample.declared_key
    elements = {column.name: column.element for column in columns}
    preference = ("identifier", "uscc", "resident_id", "code", "number", "text")
    ranked = sorted(sample.unique, key=lambda name: preference.index(elements[name])
                    if elements.get(name) in preference else len(preference))
    return ranked[:1]


def _table_name(source_object: str, index: int) -> str:
    stem = re.sub(r"\.(csv|txt|xlsx?)$", "", source_object, flags=re.IGNORECASE).lower()
    name = re.sub(r"[^a-z0-9_]+", "_", stem).strip("_")
    return name if re.fullmatch(r"[a-z][a-z0-9_]*", name) else f"table_{index}"


def _table_title(sample: TableSample) -> str:
    stem = re.sub(r"\.(csv|txt|xlsx?)$", "", sample.object, flags=re.IGNORECASE)
    return stem


def grading(proposal: TableProposal) -> tuple[str, str]:
    """PIPL category and a GB/T 43697 grade suggested for the table, each with why."""
    sensitive = [c.name for c in proposal.columns if c.element in SENSITIVE_PERSONAL]
    personal = [c.name for c in proposal.columns if c.element in PERSONAL_ELEMENTS or c.person]
    if sensitive:
        category = f"敏感个人信息（{'、'.join(sensitive)}）"
    elif personal:
        category = f"个人信息（{'、'.join(personal)}）"
    else:
        category = "非个人信息"
    grade = "一般数据"
    if sensitive and proposal.sample.rows >= IMPORTANT_PERSONS:
        grade = f"重要数据（{proposal.sample.rows:,} 条敏感个人信息，达 {IMPORTANT_PERSONS:,} 人以上）"
    return category, grade


def to_yaml(source: SourceSample, tables: list[TableProposal], *, code: str, name: str, uscc: str | None) -> str:
    """The proposed entry as YAML, with its evidence and what a person must decide as comments."""
    source_id = f"{code}_{'db' if source.kind in ('postgres', 'mysql', 'sqlite') else 'files'}"
    lines = [f"# {name} — proposed by `blocklake discover` from {source.label}; review every 待定 before use.",
             f"code: {code}", f"name: {name}",
             f'uscc: "{uscc}"' if uscc else "uscc: null  # 待定：the department's unified social credit code",
             "sources:", f"  - id: {source_id}", f"    kind: {source.kind}"]
    if source.kind in ("postgres", "mysql", "sqlite"):
        lines.append(f"    connection: {source_id}  # set BLOCKLAKE_CONN_{source_id.upper()} or an Airflow connection")
        if source.namespace:
            lines.append(f"    namespace: {source.namespace}")
    else:
        lines.append(f"    path: {source.files}")
        if source.encoding and source.encoding != "utf-8":
            lines.append(f"    encoding: {source.encoding}")
    lines.append("tables:")
    for table in tables:
        lines += _table_yaml(table, source_id, source.kind)
    return "\n".join(lines) + "\n"


def _table_yaml(table: TableProposal, source_id: str, kind: str) -> list[str]:
    category, grade = grading(table)
    sample = table.sample
    lines = [f"  - name: {table.name}" + ("  # 待定：an English name for the lake" if table.name.startswith("table_")
                                          else ""),
             f"    title: {_scalar(table.title)}" + ("" if re.search(r"[\u4e00-\u9fff]", table.title)
                                                  else "  # 待定：the table's Chinese title"),
             f"    source: {source_id}", f"    object: {_scalar(sample.object)}",
             f"    # {sample.rows:,} rows; 个人信息：{category}; 分级建议：{grade}",
             f"    primary_key: [{', '.join(_scalar(key) for key in table.primary_key)}]"]
    lines += [f"    # {note}" for note in table.notes]
    if table.cursor:
        lines.append(f"    load: {{mode: incremental, cursor: {_scalar(table.cursor)}, overlap: 1h}}")
        lines.append(f"    observed_at: {_scalar(table.cursor)}")
    if kind == "excel":
        lines.append(f"    header_row: {sample.header_row}")
        if sample.footer:
            pattern = _scalar(_footer_pattern(sample.footer))
            lines.append(f"    footer_pattern: {pattern}  # the sheet's {sample.footer}")
    lines += [f"    update_cycle: {'每日' if table.cursor else '每月'}  # 待定：{CYCLES}",
              "    directory:",
              "      classification: null  # 待定：类.项.目 of the resource directory",
              "      share_type: null  # 待定：无条件共享 / 有条件共享 (share_conditions) / 不予共享 (legal_basis)",
              "    columns:"]
    lines += [_column_yaml(column) for column in table.columns]
    return lines


def _column_yaml(column: ColumnProposal) -> str:
    fields = []
    if column.title:
        fields.append(f"title: {_scalar(column.title)}")
    fields.append(f"element: {column.element}")
    if column.detection.format and column.element == column.detection.element:
        fields.append(f"format: {_scalar(column.detection.format)}")
    if column.person:
        fields.append(f"person: {_scalar(column.person)}")
    untitled = "" if column.title else f"; 待定：title ({ELEMENT_TITLES[column.element]}?)"
    return f"      {_scalar(column.name)}: {{{', '.join(fields)}}}  # {column.evidence}{untitled}"


def _footer_pattern(footer: str) -> str:
    word = re.match(r"\s*(合计|总计|共计)", footer)
    return f"{word[1] if word else '合计'}[:：]?\\s*(\\d+)"


def _scalar(text: str) -> str:
    """A YAML scalar: plain where that is safe, double-quoted otherwise."""
    if re.fullmatch(r"[\w\u4e00-\u9fff][\w\u4e00-\u9fff.\-]*", text) and not re.fullmatch(r"[0-9.\-]+|null|true|false|"
                                                                                         r"yes|no|on|off", text, re.I):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
