"""The 退回意见 sheet of a marked-up return copy: the unit's findings as a list to work through.

The sheet leaves out the columns that are the same on every row (单位代码, 单位, 文件: the heading
names the unit and the sheet is inside its file), groups runs of one kind in one sheet into one row
like 问题清单, and prints on A4 landscape with the header repeated.
"""

from __future__ import annotations

from typing import Iterable

from openpyxl.styles import Alignment, Font

from ..findings import Finding, count
from ..forms.spec import ERROR, WARNING
from ..report.findings_xlsx import print_findings_setup, put_text, table_columns, write_findings_table

OPINION_SHEET = "退回意见"
CONSTANT_FIELDS = ("unit_code", "unit", "file")


def add_opinion_sheet(wb, findings: list[Finding], unit: str) -> None:
    """Insert 退回意见 as the first sheet of `wb`, selected and active."""
    ws = wb.create_sheet(OPINION_SHEET, 0)
    omit = constant_fields(findings)
    heading = put_text(ws, 1, 1, opinion_heading(unit, findings))
    heading.font = Font(name="黑体", size=13, bold=True)
    heading.alignment = Alignment(vertical="center", wrap_text=True)
    printed = [c for c in table_columns(omit) if c[0] != "rule"]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(printed))
    ws.row_dimensions[1].height = 30
    write_findings_table(ws, findings, header_row=2, omit=omit)
    print_findings_setup(ws)
    ws.sheet_properties.tabColor = "C00000"
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False  # else Excel opens with several sheets grouped
    for other in wb.chartsheets:
        for view in other.sheetViews.sheetView:
            view.tabSelected = False
    wb.active = 0
    ws.sheet_view.tabSelected = True


def opinion_heading(unit: str, findings: Iterable[Finding]) -> str:
    findings = list(findings)
    return f"{unit}：本文件有 {count(findings, ERROR)} 个错误、{count(findings, WARNING)} 个警告，请按下列意见修改后重新报送。"


def constant_fields(findings: Iterable[Finding]) -> tuple[str, ...]:
    """Those of 单位代码, 单位, 文件 that hold one value (or none) on every finding: the sheet leaves them out."""
    findings = list(findings)
    return tuple(name for name in CONSTANT_FIELDS if len({getattr(f, name) for f in findings if getattr(f, name)}) <= 1)


__all__ = ["add_opinion_sheet", "opinion_heading", "constant_fields", "OPINION_SHEET"]
