"""问题清单.xlsx: the findings as a clerk's work list, errors first, every value stored as text.

One row per finding, except that a run of the same kind in one sheet (30 blank cells) is one row
(see `report.display`). A frozen header with a filter, the 级别 cell coloured, the 说明 column wide
and wrapped, A4 landscape at a legible scale. Values are text even when they look like formulas
("=SUM(A1)", "+86…"): a finding quotes what a clerk typed, and that must never be evaluated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from ..files import fixed_timestamp, save_workbook
from ..findings import TYPES, Finding
from ..workbook.cells import wrapped_lines
from ..workbook.styles import cell_styles
from ..workbook import sheetdata
from ..forms.spec import ERROR, NOTICE, WARNING
from .display import DISPLAY_COLUMNS, display_rows
from ..workbook.cells import MAX_CELL_CHARS  # noqa: F401 (re-exported)
from .findings_order import ordered, text_of

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

# Column widths in characters, by field; 说明 is the one that carries the sentence. The printed
# columns add up to about 150 characters, so that A4 landscape prints them at about 9 pt; 规则代码 is
# for machines and left out of the print area.
WIDTHS = {
    "unit_code": 7,
    "unit": 12,
    "file": 14,
    "sheet": 12,
    "cell": 7,
    "row": 14,
    "column": 9,
    "rule_name": 11,
    "severity": 5,
    "message": 48,
    "expected": 7,
    "actual": 8,
    "difference": 6,
    "rule": 14,
}
WRAPPED = {"unit", "file", "sheet", "cell", "row", "column", "rule_name", "message", "actual", "expected"}
NOT_PRINTED = {"rule"}
LINE_HEIGHT = 14.0  # points per wrapped line at 10 pt

LEVELS = (
    (ERROR, "必须修改。本单位修改后重新报送，县里复核通过前不能汇总。"),
    (WARNING, "请核实。数字确实如此的，可不修改，但请在报送时说明理由。"),
    (NOTICE, "供参考。多为系统已自动规范的输入（如全角数字、千分位逗号、首尾空格），一般不需处理。"),
)


def findings_workbook(findings: Iterable[Finding], *, title: str, rules: Iterable | None = None,
                      compact: bool = False) -> Workbook:
    """The 问题清单 workbook (not saved). `rules` are the form's rules, as Rule objects or
    (id, title, instruction) tuples, listed on the 说明 sheet with the finding types. With
    `compact`, the findings' cells are kept as `sheetdata.compact` keeps them: for saving, not for
    looking at the cells."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    write_findings_table(ws, findings, header_row=1, compact=compact)
    print_findings_setup(ws)
    _guide_sheet(wb.create_sheet(GUIDE_SHEET), title, rules)
    wb.active = 0
    wb.properties.title = title
    wb.properties.creator = "nianbao"
    return wb


def write_findings_xlsx(
    findings: Iterable[Finding], path: Path, *, title: str, year: int, rules: Iterable | None = None
) -> bool:
    """Write 问题清单.xlsx atomically with stable bytes. Returns False when the file was unchanged."""
    wb = findings_workbook(findings, title=title, rules=rules, compact=True)
    stamp = fixed_timestamp(year)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    return save_workbook(wb, Path(path))


def write_findings_table(ws, findings: Iterable[Finding], *, header_row: int, omit: Iterable[str] = (),
                         compact: bool = False) -> int:
    """The header at `header_row` and the display rows below it (errors first, runs grouped), with a
    frozen header, a filter, the column widths and the print area. Columns named in `omit` (fields
    of DISPLAY_COLUMNS) are left out. Returns the last row written.

    Shared with the 问题清单 sheet of 汇总表 and the 退回意见 sheet of a marked-up return copy. With
    `compact`, the rows are kept as `sheetdata.compact` keeps them (for saving, not for looking at
    the cells)."""
    columns = table_columns(omit)
    styles = cell_styles(ws.parent)
    for col, (name, header) in enumerate(columns, start=1):
        styles.apply(put_text(ws, header_row, col, header), font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGN, border=BORDER)
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS[name]
    row = header_row
    for entry in display_rows(findings):
        row += 1
        lines = 1
        for col, (name, _) in enumerate(columns, start=1):
            text = text_of(getattr(entry, name))
            fill = SEVERITY_FILLS.get(entry.severity) if name == "severity" else None
            styles.apply(_put(ws, row, col, text), font=BODY_FONT, border=BORDER, fill=fill,
                         alignment=TOP_WRAP if name in WRAPPED else TOP)
            if name in WRAPPED:
                lines = max(lines, wrapped_lines(text, WIDTHS[name]))
        ws.row_dimensions[row].height = max(LINE_HEIGHT, LINE_HEIGHT * lines) + 2
        sheetdata.compact_rows_above(ws, row, compact)
    if compact:
        sheetdata.compact(ws)
    last_col = get_column_letter(len(columns))
    printed = get_column_letter(len([c for c in columns if c[0] not in NOT_PRINTED]))
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{last_col}{row}"
    ws.print_area = f"A1:{printed}{row}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    return row


def table_columns(omit: Iterable[str] = ()) -> list[tuple[str, str]]:
    """DISPLAY_COLUMNS without `omit`, the printed ones first."""
    omit = set(omit)
    return [c for c in DISPLAY_COLUMNS if c[0] not in omit]


def put_text(ws, row: int, col: int, value):
    """Write `value` as a text cell (never a formula); empty values leave the cell empty."""
    return _put(ws, row, col, text_of(value))


def _put(ws, row: int, col: int, text: str):
    """`put_text` of a value already made cell text by `text_of`."""
    cell = ws.cell(row, col)
    if text:
        cell.value = text
        cell.data_type = "s"  # openpyxl marks "=…" as a formula on assignment
    return cell


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
    styles = cell_styles(ws.parent)
    for entry in entries:
        row += 1
        for col, value in enumerate(entry, start=1):
            styles.apply(put_text(ws, row, col, value), font=BODY_FONT, border=BORDER, alignment=TOP_WRAP)
        ws.row_dimensions[row].height = LINE_HEIGHT * max(wrapped_lines(entry[1], 30), wrapped_lines(entry[2], 80)) + 2
    print_findings_setup(ws, landscape=False)


def print_findings_setup(ws, *, landscape: bool = True) -> None:
    """A4, fitted to the page width (the widths keep the scale near 90 %), page numbers below."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.oddFooter.center.text = "&A 第 &P 页，共 &N 页"


__all__ = [
    "findings_workbook", "write_findings_xlsx", "write_findings_table", "table_columns", "print_findings_setup",
    "ordered", "put_text", "text_of", "SHEET", "MAX_CELL_CHARS",
]
