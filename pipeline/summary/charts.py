"""Sheet 图表: applications received per unit, against last year, and the county's outcomes."""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break

from ..batch import RunResult
from ..config import CountyConfig
from ..workbook.cells import plain_number, print_setup, write_cell
from ..workbook.styles import style_cell
from .figures import figure_value, last_year_form, outcome_groups
from .style import BODY_FONT, CENTER, HEADER_FILL, LEFT, page_footer


def _chart_sheet(ws, result: RunResult, config: CountyConfig, totals: Mapping[str, Decimal],
                 previous: Mapping[str, Mapping[str, Decimal]] | None) -> None:
    """The data of each chart in columns A–C, the charts to their right, each chart at the top of a
    printed page (a manual page break before it), so that no page break cuts one."""
    form = result.form
    last_form = last_year_form(result)
    header_font = Font(name=BODY_FONT, size=10, bold=True)
    body = Font(name=BODY_FONT, size=10)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 10
    received = ("t3.received.total",)

    # 1. applications received per unit (the units that passed), with last year's when known
    passed = result.passed()
    headers = ["单位", "本年新收"] + (["上年新收"] if previous is not None else [])
    for col, header in enumerate(headers, start=1):
        write_cell(ws, 1, col, header, header_font, CENTER, HEADER_FILL)
    row = 1
    for unit_result in passed:
        row += 1
        write_cell(ws, row, 1, unit_result.unit.name, body, LEFT)
        value = figure_value(unit_result.submission.values, received, form)
        if value is not None:
            style_cell(ws.cell(row, 2, plain_number(value)), font=body)
        if previous is not None:
            last = figure_value(previous.get(unit_result.unit.code), received, last_form)
            if last is not None:
                style_cell(ws.cell(row, 3, plain_number(last)), font=body)
    units_end = row
    chart_row = 1
    if passed:
        ws.add_chart(_bar_chart(ws, "各单位本年新收政府信息公开申请数量（件）", 1, units_end, 2, 2, "件"), f"E{chart_row}")
        chart_row += CHART_ROWS
        if previous is not None:
            chart = _bar_chart(ws, "本年与上年新收申请数量对比（通过校验的单位，件）", 1, units_end, 2, 3, "件")
            _page_break_before(ws, chart_row)
            ws.add_chart(chart, f"E{chart_row}")
            chart_row += CHART_ROWS

    # 2. the county's outcomes of table 三 by kind
    row = units_end + 2
    outcome_head = row
    write_cell(ws, row, 1, "办理结果", header_font, CENTER, HEADER_FILL)
    write_cell(ws, row, 2, "件数", header_font, CENTER, HEADER_FILL)
    for name, keys in outcome_groups(form):
        row += 1
        write_cell(ws, row, 1, name, body, LEFT)
        style_cell(ws.cell(row, 2, plain_number(figure_value(totals, keys, form))), font=body)
    chart = _bar_chart(ws, f"{config.county}本年度办理结果分布（件）", outcome_head, row, 2, 2, "件")
    chart.type = "bar"
    chart.legend = None
    # a horizontal bar chart draws its first category at the bottom: reversed, （一） is on top as in table 三
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.crosses = "max"  # and the value axis stays below the bars
    if chart_row > 1:
        _page_break_before(ws, chart_row)
    ws.add_chart(chart, f"E{chart_row}")
    print_setup(ws, landscape=True, centered=False)
    page_footer(ws)


CHART_ROWS = 20  # rows of 15 points from one chart's anchor to the next: 10.6 cm for a 9.5 cm chart


def _page_break_before(ws, row: int) -> None:
    ws.row_breaks.append(Break(id=row - 1))


def _bar_chart(ws, title: str, head: int, end: int, first_col: int, last_col: int, unit: str) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = title
    chart.y_axis.title = unit
    chart.x_axis.delete = False  # openpyxl 3.1 leaves the axes out unless told
    chart.y_axis.delete = False
    chart.y_axis.majorGridlines = None
    data = Reference(ws, min_col=first_col, max_col=last_col, min_row=head, max_row=end)
    categories = Reference(ws, min_col=1, min_row=head + 1, max_row=end)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    chart.width = 22
    chart.height = 9.5
    if last_col == first_col:
        chart.legend = None
    return chart


