"""问题清单.xlsx: one row per finding, errors first, every value stored as text.

The rows are the clerk's work list: a frozen header with a filter, the 级别 cell coloured, the 说明
column wide and wrapped. Values are text even when they look like formulas ("=SUM(A1)", "+86…"):
a finding quotes what a clerk typed, and that must never be evaluated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..files import fixed_timestamp, save_workbook
from ..findings import COLUMNS, TYPES, Finding, fmt_number, sort_key
from ..workbook.cells import MAX_CELL_CHARS, cell_text, wrapped_lines
from ..forms.spec import ERROR, NOTICE, WARNING

SHEET = "问题清单"
GUIDE_SHEET = "说明"

FONT_NAME = "宋体"
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True)
BODY_FONT = Font(name=FONT_NAME, size=10)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP = Alignment(vertical="top", wrap_text=False)
TOP_WRAP = Alignment(vertical="top", wrap_text=True)
HEADER_ALIGN = Alignment(horizontal="center", vertical="center")

SEVERITY_FILLS = {
    ERROR: PatternFill("solid", fgColor="FFC7CE"),  # light red
    WARNING: PatternFill("solid", fgColor="FFEB9C"),  # light yellow
}

# Column widths in characters, by field; 说明 is the one that carries the sentence.
WIDTHS = {
    "unit_code": 9,
    "unit": 16,
    "file": 24,
    "sheet": 15,
    "cell": 8,
    "row": 24,
    "column": 14,
    "rule": 14,
    "severity": 6,
    "message": 80,
    "expected": 12,
    "actual": 14,
    "difference": 10,
}
WRAPPED = {"message", "row", "column", "actual"}
LINE_HEIGHT = 14.0  # points per wrapped line at 10 pt

LEVELS = (
    (ERROR, "必须修改。本单位修改后重新报送，县里复核通过前不能汇总。"),
    (WARNING, "请核实。数字确实如此的，可不修改，但请在报送时说明理由。"),
    (NOTICE, "供参考。多为系统已自动规范的输入（如全角数字、千分位逗号、首尾空格），一般不需处理。"),
)


def findings_workbook(findings: Iterable[Finding], *, title: str, rules: Iterable | None = None) -> Workbook:
    """The 问题清单 workbook (not saved). `rules` are the form's rules, as Rule objects or
    (id, title, instruction) tuples, listed on the 说明 sheet with the finding types."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    write_findings_table(ws, findings, header_row=1)
    ws.print_title_rows = "1:1"
    _print_setup(ws)
    _guide_sheet(wb.create_sheet(GUIDE_SHEET), title, rules)
    wb.active = 0
    wb.properties.title = title
    wb.properties.creator = "nianbao"
    return wb


def write_findings_xlsx(
    findings: Iterable[Finding], path: Path, *, title: str, year: int, rules: Iterable | None = None
) -> bool:
    """Write 问题清单.xlsx atomically with stable bytes. Returns False when the file was unchanged."""
    wb = findings_workbook(findings, title=title, rules=rules)
    stamp = fixed_timestamp(year)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    return save_workbook(wb, Path(path))


def write_findings_table(ws, findings: Iterable[Finding], *, header_row: int) -> int:
    """The COLUMNS header at `header_row` and one row per finding below it, sorted errors first,
    with a frozen header, a filter and the column widths. Returns the last row written.

    Shared with the 退回意见 sheet of a marked-up return copy."""
    for col, (name, header) in enumerate(COLUMNS, start=1):
        cell = put_text(ws, header_row, col, header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGN
        cell.border = BORDER
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS[name]
    row = header_row
    for finding in ordered(findings):
        row += 1
        lines = 1
        for col, (name, _) in enumerate(COLUMNS, start=1):
            value = getattr(finding, name)
            cell = put_text(ws, row, col, value)
            cell.font = BODY_FONT
            cell.border = BORDER
            cell.alignment = TOP_WRAP if name in WRAPPED else TOP
            if name in WRAPPED:
                lines = max(lines, wrapped_lines(text_of(value), WIDTHS[name]))
        fill = SEVERITY_FILLS.get(finding.severity)
        if fill is not None:
            ws.cell(row, _column_of("severity")).fill = fill
        ws.row_dimensions[row].height = max(LINE_HEIGHT, LINE_HEIGHT * lines) + 2
    last_col = get_column_letter(len(COLUMNS))
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{last_col}{row}"
    return row


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Sorted with `sort_key` (errors first), ties broken by the whole row so that the order never
    depends on the order the findings arrived in."""
    return sorted(findings, key=lambda f: (sort_key(f), tuple(text_of(v) for v in f.as_row())))


def put_text(ws, row: int, col: int, value):
    """Write `value` as a text cell (never a formula); empty values leave the cell empty."""
    cell = ws.cell(row, col)
    text = text_of(value)
    if text:
        cell.value = text
        cell.data_type = "s"  # openpyxl marks "=…" as a formula on assignment
    return cell


def text_of(value) -> str:
    """A finding's field as cell text: numbers as a clerk writes them, characters a worksheet
    cannot hold removed, and no longer than Excel allows."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else fmt_number(value)
    return cell_text(text)[:MAX_CELL_CHARS]


def rule_rows(rules: Iterable | None) -> list[tuple[str, str, str]]:
    """(id, title, instruction) for each rule id once, in the order given."""
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for rule in rules or ():
        if isinstance(rule, tuple):
            rule_id, title, instruction = (tuple(rule) + ("", "", ""))[:3]
        else:
            rule_id, title, instruction = rule.id, rule.title, getattr(rule, "instruction", "")
        if rule_id not in seen:
            seen.add(rule_id)
            rows.append((str(rule_id), str(title), str(instruction or "")))
    return rows


# --- helpers ---------------------------------------------------------------------------------


def _column_of(field: str) -> int:
    return [name for name, _ in COLUMNS].index(field) + 1


def _guide_sheet(ws, title: str, rules: Iterable | None) -> None:
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 80
    put_text(ws, 1, 1, title).font = Font(name=FONT_NAME, size=14, bold=True)
    row = 3
    put_text(ws, row, 1, "级别").font = HEADER_FONT
    put_text(ws, row, 2, "含义").font = HEADER_FONT
    for severity, meaning in LEVELS:
        row += 1
        cell = put_text(ws, row, 1, severity)
        if severity in SEVERITY_FILLS:
            cell.fill = SEVERITY_FILLS[severity]
        put_text(ws, row, 2, meaning).alignment = TOP_WRAP
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
    row += 2
    for col, header in enumerate(("规则", "名称", "处理办法"), start=1):
        cell = put_text(ws, row, col, header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
    entries = rule_rows(rules) + [(key, name, "") for key, name in TYPES.items()]
    for entry in entries:
        row += 1
        for col, value in enumerate(entry, start=1):
            cell = put_text(ws, row, col, value)
            cell.font = BODY_FONT
            cell.border = BORDER
            cell.alignment = TOP_WRAP
        ws.row_dimensions[row].height = LINE_HEIGHT * max(wrapped_lines(entry[1], 30), wrapped_lines(entry[2], 80)) + 2
    _print_setup(ws, landscape=False)


def _print_setup(ws, *, landscape: bool = True) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


__all__ = ["findings_workbook", "write_findings_xlsx", "write_findings_table", "ordered", "put_text", "SHEET"]
