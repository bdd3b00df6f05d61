"""Sheet 汇总: the county as one unit — title, coverage, basic information and tables 二, 三, 四
with the defined names a reader at the level above uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..batch import RunResult
from ..config import CountyConfig
from ..forms.spec import Cell, Form
from ..workbook import layout
from ..workbook.cells import plain_number, print_setup, wrapped_lines, write_cell
from ..workbook.styles import style_cell
from ..workbook.layout import Place
from ..workbook.template import COLUMN_WIDTHS, NUMBER_FORMATS, draw_grid
from .style import BODY_FONT, BORDER, CENTER, HEADER_FILL, HEADING_FONT, LEFT, TOTAL_FILL, page_footer
from .totals import coverage_sentence, summary_unit_code


# The three tables stand on the sheet as blocks down and to the right of each other, each block on its
# own columns, so that each table keeps the column widths of the template (table 二's label column
# is not widened to table 三's, nor table 四's fifteen narrow columns to table 三's labels). Each
# block is a print range of its own and prints on its own landscape page at PRINT_SCALE.
BLOCK_GAP = 1  # empty columns between two blocks
GAP_WIDTH = 3
PRINT_SCALE = 85  # %: table 三 (119 characters wide, 31 rows) fits one A4 landscape page; 10 pt prints as 8.5 pt
# the template's widths, a little narrower for tables 三 and 四 (their blocks must fit a page at PRINT_SCALE)
SUMMARY_WIDTHS = {**COLUMN_WIDTHS, "t3": [6, 14, 36] + [9] * 7, "t4": [8] * 15}
COMPACT_ROW = 16.0  # points: a row of table 三 whose label takes one line


def _summary_sheet(ws, result: RunResult, config: CountyConfig, totals: Mapping[str, Decimal]) -> dict[str, Place]:
    """Title, coverage, the county's basic information and the three tables. Returns the place of
    every key that gets a defined name."""
    form = result.form
    lefts = _block_lefts(form)
    for table, left in zip(form.tables, lefts):
        for i, width in enumerate(SUMMARY_WIDTHS[table.key][: table.n_cols]):
            ws.column_dimensions[get_column_letter(left + i)].width = width
        if left > 1:
            ws.column_dimensions[get_column_letter(left - 1)].width = GAP_WIDTH
    first_width = form.tables[0].n_cols
    first_widths = SUMMARY_WIDTHS[form.tables[0].key][:first_width]
    title = f"{config.county}{result.year}年政府信息公开工作年度报告汇总表"
    write_cell(ws, 1, 1, title, Font(name=HEADING_FONT, size=16, bold=True), LEFT)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=first_width)
    ws.row_dimensions[1].height = 16.0 * wrapped_lines(title, sum(first_widths) / 1.4) + 8
    coverage = coverage_sentence(result)
    write_cell(ws, 2, 1, coverage, Font(name=BODY_FONT, size=11), LEFT)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=first_width)
    ws.row_dimensions[2].height = 15.0 * wrapped_lines(coverage, sum(first_widths)) + 4

    places: dict[str, Place] = {}
    info_values = {
        "info.unit_code": summary_unit_code(config),
        "info.unit_name": config.county,
        "info.year": result.year,
        "info.format": form.document,
    }
    row = 4
    for info in layout.INFO_FIELDS:
        if info.key not in info_values:
            continue  # contact, phone and date belong to the county's own report, not to the sums
        write_cell(ws, row, 1, info.label, Font(name=BODY_FONT, size=11, bold=True), LEFT, HEADER_FILL).border = BORDER
        value = info_values[info.key]
        cell = write_cell(ws, row, 2, value, Font(name=BODY_FONT, size=11), LEFT) if isinstance(value, str) else ws.cell(row, 2, value)
        cell.alignment = LEFT
        for col in range(2, 5):
            ws.cell(row, col).border = BORDER
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        places[info.key] = Place(ws.title, row, 2)
        row += 1

    value_font = Font(name=BODY_FONT, size=11)
    areas = []
    block_top = 1
    for table, left in zip(form.tables, lefts):
        row += 1
        heading = form.section(table.section).heading
        if left > 1:
            block_top = row
        write_cell(ws, row, left, heading, Font(name=HEADING_FONT, size=14, bold=True), LEFT)
        ws.merge_cells(start_row=row, start_column=left, end_row=row, end_column=left + table.n_cols - 1)
        ws.row_dimensions[row].height = 24
        top = row + 1

        def value_cell(cell: Cell, target) -> None:
            target.value = plain_number(totals[cell.key])
            style_cell(target, font=value_font, alignment=CENTER, number_format=NUMBER_FORMATS[cell.kind],
                       fill=TOTAL_FILL if cell.is_total else None)

        widths = SUMMARY_WIDTHS[table.key][: table.n_cols]
        draw_grid(ws, table, top, left, value_cell, widths)
        _compact_rows(ws, table, top, widths)
        for cell in table.cells:
            places[cell.key] = Place(ws.title, top + cell.row, left + cell.col)
        row = top + table.n_rows
        areas.append(f"{get_column_letter(left)}{block_top}:{get_column_letter(left + table.n_cols - 1)}{row - 1}")
    print_setup(ws, landscape=True, fit_width=False, centered=False)
    ws.page_setup.scale = PRINT_SCALE
    ws.print_area = areas
    page_footer(ws)
    return places


def _block_lefts(form: Form) -> list[int]:
    """The first sheet column of each table's block."""
    lefts, left = [], 1
    for table in form.tables:
        lefts.append(left)
        left += table.n_cols + BLOCK_GAP
    return lefts


def _compact_rows(ws, table, top: int, widths) -> None:
    """Rows of single-line labels at COMPACT_ROW rather than the template's roomy 22 points, so that
    table 三 fits one printed page."""
    lines = [1] * table.n_rows
    for label in table.labels:
        if label.rowspan == 1:
            width = sum(widths[label.col: label.col + label.colspan])
            lines[label.row] = max(lines[label.row], wrapped_lines(label.text, width))
    for r, count in enumerate(lines):
        ws.row_dimensions[top + r].height = max(COMPACT_ROW, 14.0 * count + 2)
