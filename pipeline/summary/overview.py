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
from ..workbook.layout import Place
from ..workbook.template import COLUMN_WIDTHS, NUMBER_FORMATS, draw_grid
from .style import BODY_FONT, BORDER, CENTER, HEADER_FILL, HEADING_FONT, LEFT, TOTAL_FILL
from .totals import coverage_sentence, summary_unit_code


def _summary_sheet(ws, result: RunResult, config: CountyConfig, totals: Mapping[str, Decimal]) -> dict[str, Place]:
    """Title, coverage, the county's basic information and the three tables. Returns the place of
    every key that gets a defined name."""
    form = result.form
    widths = _summary_widths(form)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last_col = len(widths)
    title = f"{config.county}{result.year}年政府信息公开工作年度报告汇总表"
    write_cell(ws, 1, 1, title, Font(name=HEADING_FONT, size=16, bold=True), LEFT)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    ws.row_dimensions[1].height = 28
    coverage = coverage_sentence(result)
    write_cell(ws, 2, 1, coverage, Font(name=BODY_FONT, size=11), LEFT)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
    ws.row_dimensions[2].height = 16.0 * wrapped_lines(coverage, sum(widths)) + 4

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
    for table in form.tables:
        row += 1
        heading = form.section(table.section).heading
        write_cell(ws, row, 1, heading, Font(name=HEADING_FONT, size=14, bold=True), LEFT)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
        ws.row_dimensions[row].height = 24
        top = row + 1

        def value_cell(cell: Cell, target) -> None:
            target.value = plain_number(totals[cell.key])
            target.font = value_font
            target.alignment = CENTER
            target.number_format = NUMBER_FORMATS[cell.kind]
            if cell.is_total:
                target.fill = TOTAL_FILL

        draw_grid(ws, table, top, 1, value_cell, widths[: table.n_cols])
        for cell in table.cells:
            places[cell.key] = Place(ws.title, top + cell.row, 1 + cell.col)
        row = top + table.n_rows
    print_setup(ws, landscape=False, centered=False)
    return places


def _summary_widths(form: Form) -> list[float]:
    """One width per sheet column, wide enough for every table stacked on the sheet."""
    widths: list[float] = []
    for table in form.tables:
        for i, width in enumerate(COLUMN_WIDTHS[table.key][: table.n_cols]):
            if i < len(widths):
                widths[i] = max(widths[i], width)
            else:
                widths.append(width)
    return widths


