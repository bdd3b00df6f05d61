"""Sheet 报送情况: what each roster unit sent, when it arrived against the deadline, and how it fared.

The time of receipt is the file's modification time as found in the inbox (what a clerk can check
against the deadline of county.toml); the hash is shortened to 8 hex digits for people, the full
SHA-256 stays in a hidden last column for machines.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..batch import FAILED, RunResult
from ..config import CountyConfig
from ..forms.spec import ERROR, WARNING
from ..workbook.cells import print_setup, write_cell
from ..workbook import sheetdata
from ..workbook.styles import style_cell
from .style import BODY_FONT, BORDER, CENTER, HEADER_FILL, STATUS_FILLS, TOP_LEFT, page_footer
from .totals import PARTIAL, shown_status

UNMATCHED = "无法确定单位"
LATE = "逾期"
SHORT_HASH = 8
STATUS_COLUMNS = (
    ("单位代码", 9), ("单位", 16), ("类型", 6), ("状态", 9), ("文件名", 30), ("收到时间", 17), ("截止日期后", 9),
    ("大小（KB）", 9), ("哈希（前8位）", 11), ("错误数", 7), ("警告数", 7), ("SHA-256", 66),
)
HIDDEN_COLUMN = len(STATUS_COLUMNS)  # the full hash: for machines, not printed
PARTIAL_FILL = PatternFill("solid", fgColor="FFEB9C")
COUNT_ALIGNMENT = Alignment(horizontal="center", vertical="top")


def _status_sheet(ws, result: RunResult, config: CountyConfig, compact: bool = False) -> None:
    """报送情况: a row per roster unit and per file no unit was found for (`compact`: see
    `summary_workbook`)."""
    header_font = Font(name=BODY_FONT, size=11, bold=True)
    for col, (header, width) in enumerate(STATUS_COLUMNS, start=1):
        write_cell(ws, 1, col, header, header_font, CENTER, HEADER_FILL, border=BORDER)
        ws.column_dimensions[get_column_letter(col)].width = width
    rows = []
    for unit_result in result.units:
        unit = unit_result.unit
        rows.append((unit.code, unit.name, unit.kind, shown_status(unit_result), unit_result.files,
                     unit_result.errors, unit_result.warnings))
    for submission in result.unmatched:
        errors = sum(1 for f in submission.findings if f.severity == ERROR)
        warnings = sum(1 for f in submission.findings if f.severity == WARNING)
        rows.append(("", submission.unit_name, "", UNMATCHED, [submission], errors, warnings))
    body = Font(name=BODY_FONT, size=10)
    row = 1
    for code, name, kind, status, files, errors, warnings in rows:
        row += 1
        received = "\n".join(received_at(s.file.modified) for s in files)
        late = "\n".join(LATE if is_late(s.file.modified, config) else "" for s in files).strip("\n")
        sizes = "\n".join(f"{s.file.size / 1024:.1f}" for s in files)
        short = "\n".join(s.file.sha256[:SHORT_HASH] for s in files)
        names = "\n".join(s.file.name for s in files)
        hashes = "\n".join(s.file.sha256 for s in files)
        texts = (code, name, kind, status, names, received, late, sizes, short)
        status_fill = PARTIAL_FILL if status == PARTIAL else STATUS_FILLS.get(status, STATUS_FILLS[FAILED])
        for col, value in enumerate(texts, start=1):
            write_cell(ws, row, col, value, body, TOP_LEFT, status_fill if col == 4 else None, border=BORDER)
        for col, value in ((10, errors), (11, warnings)):
            style_cell(ws.cell(row, col, value), font=body, border=BORDER, alignment=COUNT_ALIGNMENT)
        write_cell(ws, row, HIDDEN_COLUMN, hashes, body, TOP_LEFT)
        ws.row_dimensions[row].height = 14.0 * max(1, len(files)) + 2
        sheetdata.compact_rows_above(ws, row, compact)
    if compact:
        sheetdata.compact(ws)
    ws.column_dimensions[get_column_letter(HIDDEN_COLUMN)].hidden = True
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(HIDDEN_COLUMN)}{row}"
    print_setup(ws, landscape=True, centered=False)
    ws.print_area = f"A1:{get_column_letter(HIDDEN_COLUMN - 1)}{row}"
    ws.print_title_rows = "1:1"
    page_footer(ws)


def received_at(modified) -> str:
    """The file's modification time as found in the inbox; a time the calendar cannot hold is said so."""
    return f"{modified:%Y-%m-%d %H:%M}" if modified is not None else "无法识别"


def is_late(modified, config: CountyConfig) -> bool:
    """Received after the deadline day of county.toml (none configured, or time unknown: not late)."""
    return config.deadline is not None and modified is not None and modified.date() > config.deadline
