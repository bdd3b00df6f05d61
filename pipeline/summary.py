"""汇总表.xlsx and 汇总报告.docx: what the county sends up, from one run.

汇总表.xlsx holds the county totals (the cell-wise sum over the units that passed) in the official
layout of tables 二, 三 and 四, a row per unit with every cell of the form, the 报送情况 of every roster
unit, the 问题清单, this year against last year and a few charts.

The 汇总 sheet is at the same time a filled template for the county as one unit: the hidden marks,
a defined name for every cell of the form and for the unit's code, name, year and format. A city
office therefore runs the same pipeline over its counties' summaries (each county a roster unit of
kind 县区 whose code is the county's `code`) and gets the city summary. Every value is a plain number
(no formulas), so any reader sees the totals without an office suite recalculating them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from .batch import DUPLICATE, FAILED, MISSING, PASSED, UNREADABLE, RunResult
from .config import CountyConfig
from .files import fixed_timestamp, save_workbook
from .forms import UnknownYear, form_for_year
from .forms.spec import ERROR, WARNING, Cell, Form
from .indicators import add_indicator_sheets, indicator_sentences  # issue 11
from .report.findings_xlsx import write_findings_table
from .workbook import layout
from .workbook.cells import plain_number, print_setup, wrapped_lines, write_cell
from .workbook.layout import Place
from .workbook.template import COLUMN_WIDTHS, NUMBER_FORMATS, draw_grid

SUMMARY_NAME = "汇总表.xlsx"
SUMMARY_REPORT_NAME = "汇总报告.docx"

SUMMARY_SHEET = "汇总"
DETAIL_SHEET = "分单位明细"
STATUS_SHEET = "报送情况"
FINDINGS_SHEET = "问题清单"
COMPARISON_SHEET = "同比"
CHART_SHEET = "图表"

# An extra row of the hidden marks: this workbook is a summary (its totals are numbers by design).
SUMMARY_MARK = ("source", "summary")

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="E7E6E6")
STATUS_FILLS = {
    PASSED: PatternFill("solid", fgColor="C6EFCE"),
    FAILED: PatternFill("solid", fgColor="FFC7CE"),
    MISSING: PatternFill("solid", fgColor="FFEB9C"),
    UNREADABLE: PatternFill("solid", fgColor="FFC7CE"),
    DUPLICATE: PatternFill("solid", fgColor="FFEB9C"),
}
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)

UNMATCHED = "无法确定单位"
PERCENT_FORMAT = "0.0%"


# --- public API ------------------------------------------------------------------------------


def write_summary(
    result: RunResult,
    config: CountyConfig,
    path: Path,
    *,
    previous: Mapping[str, Mapping[str, Decimal]] | None = None,
) -> Path:
    """Write 汇总表.xlsx to `path` (atomically, byte-identical for the same run). `previous` is last
    year's accepted values by unit code; with it the workbook gets the 同比 sheet and chart."""
    path = Path(path)
    save_workbook(summary_workbook(result, config, previous=previous), path)
    return path


def summary_workbook(
    result: RunResult,
    config: CountyConfig,
    *,
    previous: Mapping[str, Mapping[str, Decimal]] | None = None,
) -> Workbook:
    """The summary workbook, not saved."""
    form = result.form
    totals = county_totals(result)
    wb = Workbook()
    wb.remove(wb.active)
    stamp = fixed_timestamp(result.year)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "nianbao"
    wb.properties.title = f"{config.county}{result.year}年政府信息公开工作年度报告汇总表"

    places = _summary_sheet(wb.create_sheet(SUMMARY_SHEET), result, config, totals)
    _detail_sheet(wb.create_sheet(DETAIL_SHEET), result)
    _status_sheet(wb.create_sheet(STATUS_SHEET), result)
    write_findings_table(wb.create_sheet(FINDINGS_SHEET), result.findings, header_row=1)
    if previous is not None:
        _comparison_sheet(wb.create_sheet(COMPARISON_SHEET), result, totals, previous)
    _chart_sheet(wb.create_sheet(CHART_SHEET), result, config, totals, previous)
    add_indicator_sheets(wb, result)  # issue 11: 指标, 排名, 同类单位比较 (pipeline/indicators.py)
    _meta_sheet(wb.create_sheet(layout.META_SHEET), form, result.year, config)
    for key, place in places.items():
        name = layout.defined_name(key)
        wb.defined_names[name] = DefinedName(name, attr_text=place.absolute)
    for name, value in {
        "nianbao.format": form.id,
        "nianbao.year": str(result.year),
        "nianbao.unit_code": summary_unit_code(config),
        "nianbao.template_version": layout.TEMPLATE_VERSION,
    }.items():
        wb.custom_doc_props.append(StringProperty(name=name, value=value))
    wb.active = 0
    return wb


def summary_unit_code(config: CountyConfig) -> str:
    """The county's code as a unit of the level above: `code` of county.toml, else the county name."""
    return config.code or config.county


def county_totals(result: RunResult) -> dict[str, Decimal]:
    """Every cell of the form summed over the units that passed; totals from their parts."""
    form = result.form
    passed = [u.submission.values for u in result.passed() if u.submission is not None]
    totals: dict[str, Decimal] = {}
    for cell in form.input_cells:
        totals[cell.key] = sum((Decimal(v[cell.key]) for v in passed if v.get(cell.key) is not None), Decimal(0))
    return with_totals(form, totals)


def with_totals(form: Form, values: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """`values` of the input cells plus every total computed from its parts."""
    return form.with_totals(values)


def coverage_sentence(result: RunResult) -> str:
    """名册共 18 个单位，17 个报送了文件，11 个通过校验并计入本表；未报送：杏花镇；未通过：白沙镇、…。"""
    units = result.units
    sent = [u for u in units if u.status != MISSING]
    text = f"名册共 {len(units)} 个单位，{len(sent)} 个报送了文件，{len(result.passed())} 个通过校验并计入本表"
    missing = [u.unit.name for u in units if u.status == MISSING]
    reasons = {UNREADABLE: "（无法读取）", DUPLICATE: "（重复报送）"}
    failed = [u.unit.name + reasons.get(u.status, "") for u in units if u.status not in (PASSED, MISSING)]
    if missing:
        text += "；未报送：" + "、".join(missing)
    if failed:
        text += "；未通过：" + "、".join(failed)
    if result.unmatched:
        text += f"；另有 {len(result.unmatched)} 个文件无法确定报送单位，未计入"
    return text + "。"


# --- headline figures (同比, charts) -----------------------------------------------------------


def headline_figures(form: Form) -> list[tuple[str, tuple[str, ...]]]:
    """(name, cell keys summed) of the figures compared with last year."""
    refused = tuple(c.key for c in form.table("t3").cells if c.key.startswith("t3.refused_") and c.key.endswith(".total"))
    figures = [
        ("本年新收", ("t3.received.total",)),
        ("予以公开", ("t3.disclosed.total",)),
        ("部分公开", ("t3.partial.total",)),
        ("不予公开", refused),
        ("行政复议总计", ("t4.review.total",)),
        ("行政诉讼总计", ("t4.suit_direct.total", "t4.suit_after_review.total")),
    ]
    if form.has_cell("t2.fees.amount"):
        figures.append(("收费金额（万元）", ("t2.fees.amount",)))
    return figures


def figure_value(values: Mapping[str, Decimal] | None, keys: Iterable[str], form: Form) -> Decimal | None:
    """The sum of `keys` in `values`; a total that is absent is computed from its parts with `form`.
    None when a part is unknown (or the cell does not exist in that year's format)."""
    if values is None:
        return None
    total = Decimal(0)
    for key in keys:
        value = _value_of(values, key, form)
        if value is None:
            return None
        total += value
    return total


def _value_of(values: Mapping[str, Decimal], key: str, form: Form) -> Decimal | None:
    if values.get(key) is not None:
        return Decimal(values[key])
    if not form.has_cell(key) or not form.cell(key).is_total:
        return None
    parts = [_value_of(values, part, form) for part in form.cell(key).sum_of]
    return None if any(p is None for p in parts) else sum(parts, Decimal(0))


def last_year_form(result: RunResult) -> Form:
    """The format of last year's values (2020 data follow the 2019 format when 2021 is summarised);
    before 2019 there was no national format, and this year's stands in."""
    try:
        return form_for_year(result.year - 1)
    except UnknownYear:
        return result.form


def outcome_groups(form: Form) -> list[tuple[str, tuple[str, ...]]]:
    """（一）予以公开 … （六）其他处理 with the 总计-column keys of their rows, for the outcome chart."""
    table = form.table("t3")
    rows = [c for c in table.cells if c.col_label == "总计" and c.row_label and c.key != "t3.total.total"]
    outcome_keys = set(form.cell("t3.total.natural").sum_of)
    groups: dict[str, list[str]] = {}
    for cell in rows:
        if cell.key.rsplit(".", 1)[0] + ".natural" not in outcome_keys:
            continue  # 本年新收, 上年结转, 结转下年度
        name = _short_label(cell.group or cell.row_label)
        groups.setdefault(name, []).append(cell.key)
    return [(name, tuple(keys)) for name, keys in groups.items()]


def _short_label(label: str) -> str:
    """"（二）部分公开（区分处理的，…）" → "（二）部分公开"."""
    return re.sub(r"（[^（）]*）$", "", label) or label


# --- sheet 汇总 --------------------------------------------------------------------------------


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


# --- sheet 分单位明细 ----------------------------------------------------------------------------


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


# --- sheet 报送情况 ------------------------------------------------------------------------------


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


# --- sheet 同比 ----------------------------------------------------------------------------------


COMPARISON_PARTS = ("本年", "上年", "增减", "增减率")


def _comparison_sheet(ws, result: RunResult, totals: Mapping[str, Decimal], previous: Mapping[str, Mapping[str, Decimal]]) -> None:
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
    for col in range(1, last_col + 1):
        for row in (1, 2):
            ws.cell(row, col).border = BORDER

    body = Font(name=BODY_FONT, size=10)
    lines = []
    for unit_result in result.units:
        code = unit_result.unit.code
        now = unit_result.submission.values if unit_result.status == PASSED and unit_result.submission else None
        lines.append(((code, unit_result.unit.name, unit_result.status), now, previous.get(code), False))
    roster = [u.unit.code for u in result.units if u.unit.code in previous]
    last_total = _sum_values([previous[code] for code in roster]) if roster else None
    lines.append((("", "合计", ""), totals, last_total, True))
    row = 2
    for labels, now, last, is_total in lines:
        row += 1
        for col, value in enumerate(labels, start=1):
            write_cell(ws, row, col, value, body, LEFT).border = BORDER
        if labels[2] in STATUS_FILLS:
            ws.cell(row, 3).fill = STATUS_FILLS[labels[2]]
        for index, (_, keys) in enumerate(figures):
            start = first + index * len(COMPARISON_PARTS)
            this_year = figure_value(now, keys, form)
            last_year = figure_value(last, keys, last_form)
            change = this_year - last_year if this_year is not None and last_year is not None else None
            rate = change / last_year if change is not None and last_year else None
            number_format = "0.00####" if keys == ("t2.fees.amount",) else "0"
            for offset, value in enumerate((this_year, last_year, change, rate)):
                cell = ws.cell(row, start + offset)
                cell.border = BORDER
                cell.font = Font(name=BODY_FONT, size=10, bold=is_total)
                cell.number_format = PERCENT_FORMAT if offset == 3 else number_format
                if value is not None:
                    cell.value = float(value) if offset == 3 else plain_number(value)
    note = (
        "说明：本年为通过校验的单位的数字；上年为上年度已确认的数据。“合计”行的本年为本表汇总数，"
        "上年为名册内各单位上年数据之和。上年为0或缺少数据时不计算增减率。"
    )
    write_cell(ws, row + 2, 1, note, Font(name=BODY_FONT, size=10, color="595959"), LEFT)
    ws.merge_cells(start_row=row + 2, start_column=1, end_row=row + 2, end_column=min(last_col, 16))
    ws.row_dimensions[row + 2].height = 30
    ws.freeze_panes = ws.cell(3, first).coordinate
    print_setup(ws, landscape=True, centered=False)


def _sum_values(units: list[Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """Cell-wise sum over units (a key missing from any unit is left out)."""
    keys = set.intersection(*(set(k for k, v in u.items() if v is not None) for u in units)) if units else set()
    return {key: sum((Decimal(u[key]) for u in units), Decimal(0)) for key in sorted(keys)}


# --- sheet 图表 ----------------------------------------------------------------------------------


def _chart_sheet(ws, result: RunResult, config: CountyConfig, totals: Mapping[str, Decimal],
                 previous: Mapping[str, Mapping[str, Decimal]] | None) -> None:
    """The data of each chart in columns A–C, the charts to their right."""
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
            ws.cell(row, 2, plain_number(value)).font = body
        if previous is not None:
            last = figure_value(previous.get(unit_result.unit.code), received, last_form)
            if last is not None:
                ws.cell(row, 3, plain_number(last)).font = body
    units_end = row
    chart_row = 1
    if passed:
        ws.add_chart(_bar_chart(ws, "各单位本年新收政府信息公开申请数量", 1, units_end, 2, 2, "件"), f"E{chart_row}")
        chart_row += 20
        if previous is not None:
            chart = _bar_chart(ws, "本年与上年新收申请数量对比（通过校验的单位）", 1, units_end, 2, 3, "件")
            ws.add_chart(chart, f"E{chart_row}")
            chart_row += 20

    # 2. the county's outcomes of table 三 by kind
    row = units_end + 2
    outcome_head = row
    write_cell(ws, row, 1, "办理结果", header_font, CENTER, HEADER_FILL)
    write_cell(ws, row, 2, "件数", header_font, CENTER, HEADER_FILL)
    for name, keys in outcome_groups(form):
        row += 1
        write_cell(ws, row, 1, name, body, LEFT)
        ws.cell(row, 2, plain_number(figure_value(totals, keys, form))).font = body
    chart = _bar_chart(ws, f"{config.county}本年度办理结果分布", outcome_head, row, 2, 2, "件")
    chart.type = "bar"
    chart.legend = None
    ws.add_chart(chart, f"E{chart_row}")
    print_setup(ws, landscape=True, centered=False)


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


# --- the hidden marks ----------------------------------------------------------------------------


def _meta_sheet(ws, form: Form, year: int, config: CountyConfig) -> None:
    values = {
        "product": layout.PRODUCT,
        "format": form.id,
        "year": str(year),
        "unit_code": summary_unit_code(config),
        "unit_name": config.county,
        "template_version": layout.TEMPLATE_VERSION,
    }
    rows = [(key, values[key]) for key in layout.META_KEYS] + [SUMMARY_MARK]
    for i, (key, value) in enumerate(rows, start=1):
        write_cell(ws, i, 1, key)
        write_cell(ws, i, 2, value)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


# --- 汇总报告.docx ------------------------------------------------------------------------------


def summary_report_context(result: RunResult, config: CountyConfig) -> dict:
    """The Word template's context for the county totals, with the county as the unit. The narrative
    is left empty and the date blank: the county writes its own in Word."""
    from .word.render import format_value
    from .word.template import TEXT_NAMES, value_tag

    form = result.form
    totals = county_totals(result)
    context: dict = {
        "title": f"{config.county}{result.year}年政府信息公开工作年度报告",
        "year": result.year,
        "unit_name": config.county,
        "signature_name": f"{config.county}人民政府",
        "signature_date": "",
        "draft": False,
    }
    for name in TEXT_NAMES.values():
        context[name] = []
    context[TEXT_NAMES["text.overview"]] = [{"text": t, "heading": False, "lead": "", "rest": t} for t in indicator_sentences(result)]  # issue 11
    context["v"] = {value_tag(cell.key): format_value(totals[cell.key], cell) for cell in form.cells}
    return context


def write_summary_report(result: RunResult, config: CountyConfig, path: Path, *, templates_dir: Path | None = None) -> Path:
    """Write 汇总报告.docx: the county totals in the format's Word template (the county's own
    templates folder when configured). Raises ReportTemplateError when the template is unusable."""
    from .word.render import ReportTemplateError, render_report
    from .word.template import TEMPLATES_DIR, check_word_template, template_path

    folder = templates_dir or config.templates or TEMPLATES_DIR
    template = template_path(result.form, folder)
    problems = check_word_template(template, result.form)
    if problems:
        raise ReportTemplateError(problems)
    render_report(template, summary_report_context(result, config), Path(path))
    return Path(path)


# --- helpers ---------------------------------------------------------------------------------


__all__ = [
    "SUMMARY_NAME", "SUMMARY_REPORT_NAME", "write_summary", "summary_workbook", "county_totals", "coverage_sentence",
    "headline_figures", "figure_value", "write_summary_report", "summary_report_context", "summary_unit_code",
]
