"""Sheet 分单位明细: every cell of the form for every roster unit."""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..batch import RunResult
from ..forms.spec import Form
from ..workbook.cells import plain_number, print_setup, wrapped_lines, write_cell
from ..workbook.template import NUMBER_FORMATS
from .style import BODY_FONT, BORDER, CENTER, HEADER_FILL, LEFT, STATUS_FILLS


UNIT_COLUMNS = (("单位代码", 10), ("单位", 18), ("类型", 7), ("状态", 9))


def detail_headers(form: Form) -> list[tuple[str, str]]:
    """The two header rows of 分单位明细 for each cell of the form: (table and row, column)."""
    headers = []
    for cell in form.cells:
        section = form.table(cell.table).section
        if cell.table == "t4":
            block = "行政复议" if cell.key.startswith("t4.review.") else f"行政诉讼 {cell.group}"
            top = f"{section} {block}"
        elif cell.table == "t3":
            top = f"{section} {cell.group} {cell.row_label}" if cell.group else f"{section} {cell.row_label}"
        else:
            top = f"{section} {cell.group} {cell.row_label}"
        headers.append((top, cell.col_label))
    return headers


def _detail_sheet(ws, result: RunResult) -> None:
    form = result.form
    header_font = Font(name=BODY_FONT, size=10, bold=True)
    first = len(UNIT_COLUMNS) + 1
    write_cell(ws, 1, 1, "单位", header_font, CENTER, HEADER_FILL)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(UNIT_COLUMNS))
    for col, (header, width) in enumerate(UNIT_COLUMNS, start=1):
        write_cell(ws, 2, col, header, header_font, CENTER, HEADER_FILL)
        ws.column_dimensions[get_column_letter(col)].width = width
    headers = detail_headers(form)
    cell_width = 11
    top_lines = sub_lines = 1
    for index, (top, sub) in enumerate(headers):
        column = first + index
        ws.column_dimensions[get_column_letter(column)].width = cell_width
        write_cell(ws, 2, column, sub, header_font, CENTER, HEADER_FILL)
        sub_lines = max(sub_lines, wrapped_lines(sub, cell_width))
    # identical adjacent upper headers (a row of table 三, a block of table 四) are merged
    start = 0
    while start < len(headers):
        end = start
        while end + 1 < len(headers) and headers[end + 1][0] == headers[start][0]:
            end += 1
        write_cell(ws, 1, first + start, headers[start][0], header_font, CENTER, HEADER_FILL)
        if end > start:
            ws.merge_cells(start_row=1, start_column=first + start, end_row=1, end_column=first + end)
        top_lines = max(top_lines, wrapped_lines(headers[start][0], cell_width * (end - start + 1)))
        start = end + 1
    ws.row_dimensions[1].height = 14.0 * top_lines + 4
    ws.row_dimensions[2].height = 14.0 * sub_lines + 4
    last_col = first + len(headers) - 1
    for col in range(1, last_col + 1):
        for row in (1, 2):
            ws.cell(row, col).border = BORDER

    body = Font(name=BODY_FONT, size=10)
    row = 2
    for unit_result in result.units:
        row += 1
        unit = unit_result.unit
        for col, value in enumerate((unit.code, unit.name, unit.kind, unit_result.status), start=1):
            write_cell(ws, row, col, value, body, LEFT).border = BORDER
        ws.cell(row, 4).fill = STATUS_FILLS[unit_result.status]
        values = unit_result.submission.values if unit_result.submission is not None else {}
        for index, cell in enumerate(form.cells):
            target = ws.cell(row, first + index)
            target.border = BORDER
            target.font = body
            target.number_format = NUMBER_FORMATS[cell.kind]
            if values.get(cell.key) is not None:
                target.value = plain_number(values[cell.key])
    ws.freeze_panes = ws.cell(3, first).coordinate
    ws.auto_filter.ref = f"A2:{get_column_letter(last_col)}{max(row, 2)}"
    # one column per cell of the form is too wide for one page: print across pages, repeating the headers
    print_setup(ws, landscape=True, fit_width=False, centered=False)
    ws.print_title_rows = "1:2"
    ws.print_title_cols = f"A:{get_column_letter(len(UNIT_COLUMNS))}"


