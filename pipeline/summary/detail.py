"""Sheet 分单位明细: every cell of the form for every roster unit.

Units are columns and the cells of the form are rows (table, row label, column label). A reader
compares the units on one figure along a row, and the sheet prints: the three label columns and the
unit header rows repeat on every page, and 18 units fit one A4 landscape page wide at a legible
scale (a county with many more units continues on further pages across, labels repeated). The
other way round (a unit per row, a column per cell) made 204 columns and 40 printed pages.
"""

from __future__ import annotations

from openpyxl.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..batch import RunResult
from ..forms.spec import Form
from ..workbook.cells import plain_number, print_setup, wrapped_lines, write_cell
from ..workbook.sheetdata import add_number_row
from ..workbook.styles import cell_styles, style_cell
from ..workbook.template import NUMBER_FORMATS
from .style import BODY_FONT, BORDER, CENTER, HEADER_FILL, LEFT, STATUS_FILLS, page_footer


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


LABEL_COLUMNS = (("表", 5), ("行", 34), ("列", 14))
UNIT_WIDTH = 8
HEADER_ROWS = ("单位代码", "单位", "类型", "状态")
USABLE_CHARS = 150  # characters of column width across A4 landscape at 100 %
MIN_SCALE = 0.75  # below this the sheet continues on another page across


def _detail_sheet(ws, result: RunResult) -> None:
    form = result.form
    header_font = Font(name=BODY_FONT, size=10, bold=True)
    body = Font(name=BODY_FONT, size=10)
    first = len(LABEL_COLUMNS) + 1
    for col, (header, width) in enumerate(LABEL_COLUMNS, start=1):
        write_cell(ws, 1, col, header, header_font, CENTER, HEADER_FILL)
        ws.merge_cells(start_row=1, start_column=col, end_row=len(HEADER_ROWS), end_column=col)
        ws.column_dimensions[get_column_letter(col)].width = width
    for offset, unit_result in enumerate(result.units):
        col = first + offset
        ws.column_dimensions[get_column_letter(col)].width = UNIT_WIDTH
        unit = unit_result.unit
        for row, value in enumerate((unit.code, unit.name, unit.kind, unit_result.status), start=1):
            fill = STATUS_FILLS[unit_result.status] if row == len(HEADER_ROWS) else HEADER_FILL
            write_cell(ws, row, col, value, header_font if row == 2 else body, CENTER, fill, border=BORDER)
    last_col = first + len(result.units) - 1
    names = [u.unit.name for u in result.units]
    ws.row_dimensions[2].height = 14.0 * max([wrapped_lines(n, UNIT_WIDTH) for n in names] or [1]) + 2
    for col in range(1, first):  # the merged label headers (the unit columns have their borders)
        for row in range(1, len(HEADER_ROWS) + 1):
            style_cell(ws.cell(row, col), border=BORDER)

    row = len(HEADER_ROWS)
    styles = cell_styles(ws.parent)  # a cell per form cell and unit: the registry, looked up once
    unit_styles: dict[str, object] = {}  # number format -> StyleArray of the units' cells
    plain: dict = {}  # value -> plain_number(value) (equal values give equal numbers)

    def plain_of(value):
        number = plain.get(value)
        if number is None:
            number = plain[value] = plain_number(value)
        return number

    # the numbers by form cell, read a unit at a time (a run keeps the units' values on disk,
    # pipeline/spill.py), as the int or float written (equal ones the same object)
    numbers_of = {cell.key: [None] * len(result.units) for cell in form.cells}
    for index, unit_result in enumerate(result.units):
        if unit_result.submission is not None:
            for key, value in unit_result.submission.values.items():
                if value is not None and key in numbers_of:
                    numbers_of[key][index] = plain_of(value)

    for cell, (section, row_label, col_label) in zip(form.cells, detail_labels(form)):
        row += 1
        for col, text in enumerate((section, row_label, col_label), start=1):
            write_cell(ws, row, col, text, body, LEFT, border=BORDER)
        lines = max(wrapped_lines(row_label, LABEL_COLUMNS[1][1]), wrapped_lines(col_label, LABEL_COLUMNS[2][1]))
        if lines > 1:
            ws.row_dimensions[row].height = 14.0 * lines + 2
        number_format = NUMBER_FORMATS[cell.kind]
        style = unit_styles.get(number_format)
        if style is None:  # the style a new cell gets, worked out (and registered) where the first one did
            style = unit_styles[number_format] = styles.apply(
                Cell(ws), border=BORDER, font=body, number_format=number_format)._style
        # a number per unit, without an openpyxl Cell each (sheetdata.add_number_row)
        add_number_row(ws, row, first, numbers_of.pop(cell.key), style)
    ws.freeze_panes = ws.cell(len(HEADER_ROWS) + 1, first).coordinate
    ws.auto_filter.ref = f"A{len(HEADER_ROWS)}:{get_column_letter(last_col)}{row}"
    print_setup(ws, landscape=True, centered=False)
    ws.page_setup.fitToWidth = pages_across(len(result.units))
    ws.print_title_rows = f"1:{len(HEADER_ROWS)}"
    ws.print_title_cols = f"A:{get_column_letter(len(LABEL_COLUMNS))}"
    page_footer(ws)


def pages_across(units: int) -> int:
    """Pages across for `units` unit columns: one while the scale stays at MIN_SCALE or above."""
    labels = sum(width for _, width in LABEL_COLUMNS)
    if labels + units * UNIT_WIDTH <= USABLE_CHARS / MIN_SCALE:
        return 1
    per_page = max(1, int((USABLE_CHARS - labels) // UNIT_WIDTH))
    return -(-units // per_page)


def detail_labels(form: Form) -> list[tuple[str, str, str]]:
    """(table, row, column) labels of each cell of the form, in the form's order."""
    labels = []
    for cell, (top, sub) in zip(form.cells, detail_headers(form)):
        section = form.table(cell.table).section
        labels.append((section, top[len(section):].strip(), sub))
    return labels
