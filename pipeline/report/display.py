"""Findings as people read them: the rule's Chinese name, a 说明 without the location the other columns
already give, and a run of the same kind of finding in one table shown as one row.

Only the lists people read (问题清单, 退回意见, the HTML page) use these rows; `--json`, the data outputs
and the comments of a return copy keep one finding per cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby
from typing import Iterable

from ..findings import COLUMNS, Finding, rule_name
from .findings_order import ordered

# What each row shows, in order: (attribute, Chinese header). The 问题清单 columns of a Finding, with
# the rule's Chinese name under 规则 and its code in a last column for machines.
DISPLAY_COLUMNS = tuple(("rule_name", header) if name == "rule" else (name, header) for name, header in COLUMNS) + (
    ("rule", "规则代码"),
)

# Finding types about one cell whose runs are grouped: the message of each cell says the same thing.
GROUPED_TYPES = frozenset({
    "blank", "placeholder", "unit-in-number", "not-a-number", "not-integer", "negative", "too-many-decimals",
    "normalized", "formula-no-value", "formula-overwritten", "date-in-number",
})
MIN_RUN = 3  # two cells read better as two rows than as one list
SHOWN_CELLS = 40  # cells named in a grouped row; the rest are counted


@dataclass(frozen=True)
class DisplayRow:
    unit_code: str
    unit: str
    file: str
    sheet: str
    cell: str
    row: str
    column: str
    rule: str  # the code, for machines (R1, blank …)
    rule_name: str  # 规则 as a clerk reads it
    severity: str
    message: str
    expected: str = ""
    actual: str = ""
    difference: str = ""
    findings: tuple[Finding, ...] = ()  # the findings this row stands for

    @property
    def count(self) -> int:
        return len(self.findings)


def display_rows(findings: Iterable[Finding], *, group: bool = True) -> list[DisplayRow]:
    """The rows of a findings list, sorted errors first; with `group`, each run of MIN_RUN or more
    findings of a GROUPED_TYPES kind in one sheet of one file becomes one row."""
    findings = ordered(findings)
    if not group:
        return [_single(f) for f in findings]
    runs: dict[tuple, list[Finding]] = {}
    for finding in findings:
        if finding.rule in GROUPED_TYPES and finding.cell:
            runs.setdefault(_run_key(finding), []).append(finding)
    rows: list[DisplayRow] = []
    done: set[tuple] = set()
    for finding in findings:
        key = _run_key(finding)
        run = runs.get(key) if finding.rule in GROUPED_TYPES and finding.cell else None
        if run is None or len(run) < MIN_RUN:
            rows.append(_single(finding))
        elif key not in done:
            done.add(key)
            rows.append(_grouped(run))
    return rows


def short_message(finding: Finding) -> str:
    """The 说明 without the file, sheet, cell and cell label the other columns already give:
    "03-青塘镇.xlsx 三、依申请公开!D7 一、本年新收／自然人：单元格为空。无数据请填0。" → "单元格为空。无数据请填0。".
    Where the file name is the subject of the sentence ("a.txt 中找不到…", "a.xlsx 是2023年度的模板"),
    it becomes "本文件", so that the sentence keeps its subject."""
    text = finding.message
    if not (finding.file and text.startswith(finding.file)):
        return text
    rest = text[len(finding.file):]
    if rest.startswith("：" + finding.file):  # "a.txt：a.txt 中找不到…"
        rest = rest[len(finding.file) + 1:]
    rest = rest.lstrip(" ")
    for place in (f"{finding.sheet}!{finding.cell} ", f"'{finding.sheet}'!{finding.cell} "):
        if finding.sheet and finding.cell and rest.startswith(place):
            rest = rest[len(place):]
            if rest.startswith("的"):  # "…!B8 的表头应为…": the cell was the sentence's subject
                rest = rest[1:]
            label = re.match(r"^([^。：]{1,60}／[^。：]{1,40})：", rest)
            if label and finding.column and label.group(1).endswith(finding.column):
                rest = rest[label.end():]
            return rest or finding.message
    label = re.match(r"^([^。：]{1,60}／[^。：]{1,40})：", rest)
    if label and finding.column and label.group(1).endswith(finding.column):
        return rest[label.end():] or finding.message
    if not rest or rest.startswith(("（", "：", "，", "。")):
        return text
    return "本文件" + rest


def instruction_of(message: str) -> str:
    """The last sentence of a message, which says what to do ("无数据请填0")."""
    sentences = [s for s in re.split(r"[。；]", message) if s.strip()]
    return sentences[-1].strip() if sentences else ""


# --- helpers ---------------------------------------------------------------------------------


def _run_key(finding: Finding) -> tuple:
    return (finding.unit_code, finding.unit, finding.file, finding.sheet, finding.rule, finding.severity)


def _single(finding: Finding) -> DisplayRow:
    return DisplayRow(
        finding.unit_code, finding.unit, finding.file, finding.sheet, finding.cell, finding.row, finding.column,
        finding.rule, rule_name(finding.rule), finding.severity, short_message(finding),
        finding.expected, finding.actual, finding.difference, (finding,),
    )


def _grouped(run: list[Finding]) -> DisplayRow:
    first = run[0]
    cells = [f.cell for f in run]
    shown = "、".join(cells[:SHOWN_CELLS]) + (f" 等 {len(cells)} 处" if len(cells) > SHOWN_CELLS else "")
    instructions = {instruction_of(short_message(f)) for f in run}
    advice = instructions.pop() if len(instructions) == 1 else ""
    where = first.sheet or "本表"
    message = f"{where}有 {len(run)} 个{rule_name(first.rule)}：{shown}。" + (f"{advice}。" if advice else "请逐一修改。")
    rows = [label for label, _ in groupby(f.row for f in run) if label]
    row_text = rows[0] if len(set(rows)) == 1 else f"{len(set(rows))} 行"
    columns = {f.column for f in run if f.column}
    column_text = columns.pop() if len(columns) == 1 else (f"{len(columns)} 列" if columns else "")
    return DisplayRow(
        first.unit_code, first.unit, first.file, first.sheet, f"{len(run)} 处", row_text, column_text,
        first.rule, rule_name(first.rule), first.severity, message, findings=tuple(run),
    )


__all__ = ["DISPLAY_COLUMNS", "DisplayRow", "display_rows", "short_message", "GROUPED_TYPES", "MIN_RUN"]
