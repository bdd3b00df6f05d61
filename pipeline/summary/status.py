"""Sheet 报送情况: what each roster unit sent, when, and how it fared."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..batch import FAILED, RunResult
from ..forms.spec import ERROR, WARNING
from ..workbook.cells import print_setup, write_cell
from .style import BODY_FONT, BORDER, CENTER, HEADER_FILL, STATUS_FILLS, TOP_LEFT

UNMATCHED = "无法确定单位"


STATUS_COLUMNS = (
    ("单位代码", 10), ("单位", 18), ("类型", 7), ("状态", 12), ("文件名", 32), ("SHA-256", 66), ("错误数", 8), ("警告数", 8),
)


def _status_sheet(ws, result: RunResult) -> None:
    header_font = Font(name=BODY_FONT, size=11, bold=True)
    for col, (header, width) in enumerate(STATUS_COLUMNS, start=1):
        write_cell(ws, 1, col, header, header_font, CENTER, HEADER_FILL).border = BORDER
        ws.column_dimensions[get_column_letter(col)].width = width
    rows = []
    for unit_result in result.units:
        unit = unit_result.unit
        files = unit_result.files
        rows.append((unit.code, unit.name, unit.kind, unit_result.status, files,
                     unit_result.errors, unit_result.warnings))
    for submission in result.unmatched:
        errors = sum(1 for f in submission.findings if f.severity == ERROR)
        warnings = sum(1 for f in submission.findings if f.severity == WARNING)
        rows.append(("", submission.unit_name, "", UNMATCHED, [submission], errors, warnings))
    body = Font(name=BODY_FONT, size=10)
    row = 1
    for code, name, kind, status, files, errors, warnings in rows:
        row += 1
        names = "\n".join(s.file.name for s in files)
        hashes = "\n".join(s.file.sha256 for s in files)
        for col, value in enumerate((code, name, kind, status, names, hashes), start=1):
            write_cell(ws, row, col, value, body, TOP_LEFT).border = BORDER
        for col, value in ((7, errors), (8, warnings)):
            cell = ws.cell(row, col, value)
            cell.font = body
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="top")
        ws.cell(row, 4).fill = STATUS_FILLS.get(status, STATUS_FILLS[FAILED])
        ws.row_dimensions[row].height = 14.0 * max(1, len(files)) + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(STATUS_COLUMNS))}{row}"
    print_setup(ws, landscape=True, centered=False)


