"""Sheet 同比: this year's headline figures against last year's, per unit and for the county."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Mapping

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..batch import PASSED, RunResult, UnitResult
from ..workbook import sheetdata
from ..workbook.cells import plain_number, print_setup, write_cell
from ..workbook.styles import cell_styles
from .figures import figure_value, headline_figures, last_year_form
from .style import BODY_FONT, BORDER, CENTER, HEADER_FILL, LEFT, PERCENT_FORMAT, STATUS_FILLS, page_footer


COMPARISON_PARTS = ("本年", "上年", "增减", "增减率")
COMPARABLE_TOTAL = "可比单位合计"


def _comparison_sheet(ws, result: RunResult, totals: Mapping[str, Decimal], previous: Mapping[str, Mapping[str, Decimal]],
                      compact: bool = False) -> None:
    """同比: a row per roster unit and the comparable total (`compact`: see `summary_workbook`)."""
    form = result.form
    last_form = last_year_form(result)
    figures = headline_figures(form)
    header_font = Font(name=BODY_FONT, size=10, bold=True)
    fixed = (("单位代码", 10), ("单位", 18), ("状态", 9))
    for col, (header, width) in enumerate(fixed, start=1):
        write_cell(ws, 1, col, header, header_font, CENTER, HEADER_FILL)
        ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
        ws.column_dimensions[get_column_letter(col)].width = width
    first = len(fixed) + 1
    for index, (name, _) in enumerate(figures):
        start = first + index * len(COMPARISON_PARTS)
        write_cell(ws, 1, start, name, header_font, CENTER, HEADER_FILL)
        ws.merge_cells(start_row=1, start_column=start, end_row=1, end_column=start + len(COMPARISON_PARTS) - 1)
        for offset, part in enumerate(COMPARISON_PARTS):
            write_cell(ws, 2, start + offset, part, header_font, CENTER, HEADER_FILL)
            ws.column_dimensions[get_column_letter(start + offset)].width = 9
    last_col = first + len(figures) * len(COMPARISON_PARTS) - 1
    styles = cell_styles(ws.parent)
    for col in range(1, last_col + 1):
        for row in (1, 2):
            styles.apply(ws.cell(row, col), border=BORDER)

    body = Font(name=BODY_FONT, size=10)
    total_font = Font(name=BODY_FONT, size=10, bold=True)
    plain_font = Font(name=BODY_FONT, size=10, bold=False)
    lines = []  # (labels, this year's values or the unit to read them from, last year's, total row)
    for unit_result in result.units:
        code = unit_result.unit.code
        now = unit_result if unit_result.status == PASSED and unit_result.submission else None
        lines.append(((code, unit_result.unit.name, unit_result.status), now, previous.get(code), False))
    # the total row compares like with like: both years over the units that passed this year and
    # have last year's data (all passed units against the whole roster of last year would show a
    # drop that is only a matter of who is counted)
    comparable = [u for u in result.units if u.status == PASSED and u.submission and u.unit.code in previous]
    now_total = _sum_values(u.submission.values for u in comparable) if comparable else None
    last_total = _sum_values(previous[u.unit.code] for u in comparable) if comparable else None
    lines.append((("", f"{COMPARABLE_TOTAL}（{len(comparable)} 个单位）", ""), now_total, last_total, True))
    row = 2
    for labels, now, last, is_total in lines:
        row += 1
        if isinstance(now, UnitResult):
            now = now.submission.values  # read back from disk a unit at a time (pipeline/spill.py)
        for col, value in enumerate(labels, start=1):
            fill = STATUS_FILLS.get(labels[2]) if col == 3 else None
            write_cell(ws, row, col, value, body, LEFT, fill, border=BORDER)
        for index, (_, keys) in enumerate(figures):
            start = first + index * len(COMPARISON_PARTS)
            this_year = figure_value(now, keys, form)
            last_year = figure_value(last, keys, last_form)
            change = this_year - last_year if this_year is not None and last_year is not None else None
            rate = change / last_year if change is not None and last_year else None
            number_format = "0.00####" if keys == ("t2.fees.amount",) else "0"
            for offset, value in enumerate((this_year, last_year, change, rate)):
                cell = styles.apply(ws.cell(row, start + offset), border=BORDER, font=total_font if is_total else plain_font,
                                    number_format=PERCENT_FORMAT if offset == 3 else number_format)
                if value is not None:
                    cell.value = float(value) if offset == 3 else plain_number(value)
        sheetdata.compact_rows_above(ws, row, compact)
    note = (
        f"说明：本年为通过校验的单位的数字；上年为上年度已确认的数据。“{COMPARABLE_TOTAL}”行只计本年通过校验、"
        "且有上年数据的单位，本年和上年按同一组单位相加，可以直接比较；全县本年合计见“汇总”表。上年为0或缺少数据时不计算增减率。"
    )
    write_cell(ws, row + 2, 1, note, Font(name=BODY_FONT, size=10, color="595959"), LEFT)
    ws.merge_cells(start_row=row + 2, start_column=1, end_row=row + 2, end_column=min(last_col, 16))
    ws.row_dimensions[row + 2].height = 30
    ws.freeze_panes = f"{get_column_letter(first)}3"  # not ws.cell(): the row may be compacted already
    # seven figures of four columns: two pages across, the unit columns and both header rows repeated
    print_setup(ws, landscape=True, centered=False)
    ws.page_setup.fitToWidth = 1 if len(figures) <= 4 else 2
    ws.print_title_rows = "1:2"
    ws.print_title_cols = f"A:{get_column_letter(len(fixed))}"
    page_footer(ws)
    if compact:
        sheetdata.compact(ws)


def _sum_values(units: Iterable[Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """Cell-wise sum over units, taken one at a time (a key missing from any unit is left out)."""
    sums: dict[str, Decimal] | None = None
    for values in units:
        present = {key: value for key, value in values.items() if value is not None}
        if sums is None:
            sums = dict.fromkeys(present, Decimal(0))
        for key in list(sums):
            if key in present:
                sums[key] += Decimal(present[key])
            else:
                del sums[key]
    return {key: sums[key] for key in sorted(sums or {})}
