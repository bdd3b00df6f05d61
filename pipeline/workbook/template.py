"""The Excel template the county sends out, generated from the form spec.

One workbook per unit (or a blank master): the three tables in the official layout with input cells
unlocked and validated, totals as formulas, a live 勾稽 check under table 三, the narrative fields,
a 填报说明 sheet, and hidden marks (format, year, unit code, template version, a defined name per
cell) that the reader uses to recognise the file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..files import fixed_timestamp, save_workbook
from ..forms import form_for_year
from ..forms.spec import Cell, CellKind, Form, Table
from . import layout
from .cells import plain_number, print_setup, wrapped_lines, write_cell
from .styles import style_cell
from .layout import Place

if TYPE_CHECKING:  # pragma: no cover
    from ..config import CountyConfig, Unit

MASTER_NAME = "空白模板.xlsx"

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
TOTAL_FILL = PatternFill("solid", fgColor="E7E6E6")
BLANK_FILL = PatternFill("solid", fgColor="BFBFBF")
RED_FILL = PatternFill("solid", fgColor="FFC7CE")
GREEN_FILL = PatternFill("solid", fgColor="C6EFCE")
UNLOCKED = Protection(locked=False)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TEXT_ALIGN = Alignment(horizontal="left", vertical="top", wrap_text=True)

NUMBER_FORMATS = {
    CellKind.COUNT: "0",
    CellKind.SIGNED: "0",
    CellKind.AMOUNT_WAN: "0.00####",
    CellKind.AMOUNT: "0.00",
}

VALIDATION_MESSAGES = {
    CellKind.COUNT: "这里只能填写不小于0的整数。无数据请填0，不要留空，不要填“/”“-”“无”或单位。",
    CellKind.SIGNED: "这里只能填写整数，减少的填负数（如-8）。无变化请填0，不要带单位。",
    CellKind.AMOUNT_WAN: "这里只能填写以万元为单位的金额（不小于0，最多6位小数），不要带“万元”等单位。无数据请填0。",
    CellKind.AMOUNT: "这里只能填写金额数字（不小于0），不要带“元”“万元”等单位。无数据请填0。",
}

COLUMN_WIDTHS = {
    "t2": [26, 18, 18, 18],
    "t3": [9, 16, 40] + [10] * 7,
    "t4": [9] * 15,
}
LANDSCAPE = {"t4"}  # table 三 prints portrait, scaled to one page; table 四 is 15 columns wide

TABLE_INSTRUCTION = "请在浅黄色单元格中填写数字，无数据请填0；灰色单元格为表头或自动计算的合计，不需填写。"


def build_workbook(
    form: Form,
    year: int,
    unit: "Unit | None" = None,
    *,
    county: str | None = None,
    deadline: dt.date | None = None,
    previous: Mapping[str, int | Decimal] | None = None,
) -> Workbook:
    """A fresh template workbook for one unit (or the blank master when `unit` is None).

    `previous` holds last year's accepted values of the unit; the cells that carry over
    (上年结转 and, in the 2019 format, 上一年项目数量) are prefilled from it and stay editable.
    """
    wb = Workbook()
    wb.remove(wb.active)
    stamp = fixed_timestamp(year)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "nianbao"
    wb.properties.title = f"{year}年政府信息公开工作年度报告填报模板"

    prefill = form.carry_over(previous) if previous else {}
    _guide_sheet(wb.create_sheet(layout.GUIDE_SHEET), form, year, unit, county, deadline)
    _info_sheet(wb.create_sheet(layout.INFO_SHEET), form, year, unit)
    # sheets in the order of the printed report: 一, the tables of 二 三 四, then 五 and 六
    _text_sheet(wb.create_sheet(layout.TEXT_SHEETS["一"]), form, year, ("text.preface", "text.overview"))
    _table_sheets(wb, form, prefill)
    _text_sheet(wb.create_sheet(layout.TEXT_SHEETS["五"]), form, year, ("text.problems",))
    _text_sheet(wb.create_sheet(layout.TEXT_SHEETS["六"]), form, year, ("text.other",))
    _meta_sheet(wb.create_sheet(layout.META_SHEET), form, year, unit)
    _define_names(wb, form)
    _document_properties(wb, form, year, unit)
    wb.active = 1 if unit is not None else 0
    return wb


def write_templates(
    config: "CountyConfig | None",
    year: int,
    out_dir: Path,
    *,
    previous_by_unit: Mapping[str, Mapping[str, int | Decimal]] | None = None,
) -> list[Path]:
    """Write the blank master template and one prefilled workbook per roster unit."""
    form = form_for_year(year)
    out_dir = Path(out_dir)
    county = config.county if config else None
    deadline = config.deadline if config else None
    written = [out_dir / MASTER_NAME]
    save_workbook(build_workbook(form, year, county=county, deadline=deadline), written[0])
    for unit in config.units if config else ():
        from ..config import safe_stem

        path = out_dir / f"{safe_stem(unit)}.xlsx"
        previous = (previous_by_unit or {}).get(unit.code)
        save_workbook(build_workbook(form, year, unit, county=county, deadline=deadline, previous=previous), path)
        written.append(path)
    return written


# --- sheets ----------------------------------------------------------------------------------


def _guide_sheet(ws, form: Form, year: int, unit, county, deadline) -> None:
    who = unit.name if unit else "本单位"
    title = f"{who}{year}年政府信息公开工作年度报告 填报说明"
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 110
    write_cell(ws, 1, 1, title, Font(name=HEADING_FONT, size=16, bold=True), LEFT)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    lines = [
        ("格式依据", f"{form.document}《{form.name}》，适用于{_years_text(form)}的年度报告。"),
        ("报送单位", f"{county or '县'}政府信息公开工作主管部门"),
    ]
    if deadline:
        lines.append(("报送截止", f"请于{deadline.year}年{deadline.month}月{deadline.day}日前将本文件报送。"))
    lines += [
        ("怎样填写", "1. 只在浅黄色单元格中填写；表头、合计和灰色单元格已锁定，由公式自动计算。"),
        ("", "2. 无数据请填0，不要留空，不要填“/”“-”“—”或“无”。"),
        ("", "3. 数字单元格只填阿拉伯数字，不要带“件”“元”“万元”等单位，不要填小数（金额除外）。"),
        ("", "4. 文字部分（一、五、六）在对应工作表的大单元格中填写，换行请按 Alt+Enter（WPS 相同）。"),
        ("", "5. “三、依申请公开”表下方有勾稽关系检查，每一列都应显示“平衡”；显示“不平衡”时请核对数字后再报送。"),
        ("", "6. 请不要改变工作表名称，不要插入或删除行、列，不要另存为 .xls 或 .et 格式，不要设置打开密码。"),
        ("", "7. 在“基本信息”表中填写联系人、联系电话和落款日期，落款日期将用于年度报告的署名。"),
    ]
    lines.append(("校验规则", "报送后，县里将按以下规则逐项校验；不符合“错误”规则的报告将被退回修改："))
    seen = set()
    for rule in form.rules:
        if rule.id in seen:
            continue
        seen.add(rule.id)
        when = "（与上年度报告核对）" if rule.cross_year else ""
        lines.append((f"{rule.id}（{rule.severity}）", f"{rule.title}{when}。{rule.instruction}"))
    # issue 11: the checks of the narrative, against last year and against the county's other units
    for rule in form.text_rules:
        when = {"history": "（与上年度报告核对）", "peers": "（与本县同类单位比较）"}.get(rule.source, "")
        lines.append((f"{rule.id}（{rule.severity}）", f"{rule.title}{when}。{rule.instruction}"))
    row = 3
    for head, text in lines:
        write_cell(ws, row, 1, head, Font(name=BODY_FONT, size=11, bold=True), LEFT)
        write_cell(ws, row, 2, text, Font(name=BODY_FONT, size=11), LEFT)
        ws.row_dimensions[row].height = 16.0 * wrapped_lines(text, 110)
        row += 1
    ws.column_dimensions["A"].width = 14
    print_setup(ws, landscape=False)
    ws.protection.sheet = True


def _years_text(form: Form) -> str:
    if form.last_year is None:
        return f"{form.first_year}年度及以后"
    return f"{form.first_year}至{form.last_year}年度"


def _info_sheet(ws, form: Form, year: int, unit) -> None:
    write_cell(ws, 1, 1, "基本信息", Font(name=HEADING_FONT, size=14, bold=True), LEFT)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 50
    ws.column_dimensions["C"].width = 40
    values = {
        "info.unit_code": unit.code if unit else None,
        "info.unit_name": unit.name if unit else None,
        "info.year": year,
        "info.format": form.document,
    }
    notes = {
        "info.unit_code": "由县里生成，请勿修改" if unit else "请填写县里分配的单位代码",
        "info.unit_name": "由县里生成，请勿修改" if unit else "请填写单位名称",
        "info.contact": "请填写",
        "info.phone": "请填写",
        "info.date": f"年度报告落款日期，如 {year + 1}/1/20",
    }
    for info in layout.INFO_FIELDS:
        write_cell(ws, info.row, 1, info.label, Font(name=BODY_FONT, size=11, bold=True), LEFT, HEADER_FILL)
        cell = ws.cell(info.row, layout.INFO_VALUE_COLUMN)
        value = values.get(info.key)
        if value is not None:
            cell.value = value
            cell.data_type = "s" if isinstance(value, str) else cell.data_type
        editable = info.editable or (unit is None and info.key in ("info.unit_code", "info.unit_name"))
        cell.font = Font(name=BODY_FONT, size=11)
        cell.border = BORDER
        cell.alignment = LEFT
        if editable:
            cell.protection = UNLOCKED
            cell.fill = INPUT_FILL
        ws.cell(info.row, 1).border = BORDER
        if info.key in notes:
            write_cell(ws, info.row, 3, notes[info.key], Font(name=BODY_FONT, size=10, color="808080"), LEFT)
        if info.key == "info.date":
            cell.number_format = "yyyy\"年\"m\"月\"d\"日\""
            dv = DataValidation(
                type="date",
                operator="greaterThan",
                formula1="DATE(2000,1,1)",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="日期格式有误",
                error=f"请填写日期，如 {year + 1}/1/20。",
            )
            ws.add_data_validation(dv)
            dv.add(cell.coordinate)
    print_setup(ws, landscape=False)
    ws.protection.sheet = True


def _text_sheet(ws, form: Form, year: int, keys: Iterable[str]) -> None:
    keys = list(keys)
    section = form.text(keys[-1])
    write_cell(ws, 1, 1, section.title, Font(name=HEADING_FONT, size=14, bold=True), LEFT)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=layout.TEXT_WIDTH)
    for col in range(1, layout.TEXT_WIDTH + 1):
        ws.column_dimensions[get_column_letter(col)].width = 10
    for key in keys:
        field = form.text(key)
        sheet, title_row, input_row = layout.TEXT_FIELDS[key]
        hint = f"{field.title}：{field.hint}" if field.hint else field.title
        write_cell(ws, title_row, 1, hint, Font(name=BODY_FONT, size=10, color="595959"), LEFT)
        ws.merge_cells(start_row=title_row, start_column=1, end_row=title_row, end_column=layout.TEXT_WIDTH - 3)
        ws.row_dimensions[title_row].height = 32
        cell = ws.cell(input_row, 1)
        if field.prefill:
            cell.value = field.prefill.format(year=year)
            cell.data_type = "s"
        cell.font = Font(name=BODY_FONT, size=11)
        cell.alignment = TEXT_ALIGN
        cell.protection = UNLOCKED
        cell.fill = INPUT_FILL
        ws.merge_cells(start_row=input_row, start_column=1, end_row=input_row, end_column=layout.TEXT_WIDTH)
        for col in range(1, layout.TEXT_WIDTH + 1):
            ws.cell(input_row, col).border = BORDER
        ws.row_dimensions[input_row].height = 409 if key == "text.overview" else (90 if key == "text.preface" else 300)
        if field.max_chars:
            counter = ws.cell(title_row, layout.TEXT_WIDTH - 2)
            ref = cell.coordinate
            counter.value = f'="已填写"&LEN({ref})&"字（原则上不超过{field.max_chars}字）"'
            counter.font = Font(name=BODY_FONT, size=10, bold=True)
            counter.alignment = LEFT
            ws.merge_cells(
                start_row=title_row, start_column=layout.TEXT_WIDTH - 2, end_row=title_row, end_column=layout.TEXT_WIDTH
            )
            ws.conditional_formatting.add(
                counter.coordinate, FormulaRule(formula=[f"LEN({ref})>{field.max_chars}"], fill=RED_FILL)
            )
    print_setup(ws, landscape=False)
    ws.protection.sheet = True
    ws.protection.formatRows = False  # clerks may enlarge a row for long text


def _table_sheets(wb: Workbook, form: Form, prefill: Mapping[str, Decimal]) -> None:
    for table in form.tables:
        ws = wb.create_sheet(layout.TABLE_SHEETS[table.key])
        section = form.section(table.section)
        write_cell(ws, 1, 1, section.heading, Font(name=HEADING_FONT, size=14, bold=True), LEFT)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=table.n_cols)
        write_cell(ws, 2, 1, TABLE_INSTRUCTION, Font(name=BODY_FONT, size=10, color="595959"), LEFT)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=table.n_cols)
        ws.row_dimensions[2].height = 30
        for i, width in enumerate(COLUMN_WIDTHS[table.key]):
            ws.column_dimensions[get_column_letter(layout.TABLE_LEFT + i)].width = width
        _draw_table(ws, form, table, prefill)
        if table.key == "t3":
            _live_check(ws, form, table)
            first = layout.grid_place("t3", table.header_rows, 3)
            ws.freeze_panes = first.coordinate
        print_setup(ws, landscape=table.key in LANDSCAPE, one_page=table.key == "t3")
        if table.header_rows:
            top = layout.TABLE_TOP
            ws.print_title_rows = f"{top}:{top + table.header_rows - 1}"
        ws.protection.sheet = True


def _draw_table(ws, form: Form, table: Table, prefill: Mapping[str, Decimal]) -> None:
    validations: dict[CellKind, DataValidation] = {}
    value_font = Font(name=BODY_FONT, size=11)

    def value_cell(cell: Cell, target) -> None:
        if cell.is_total:
            style_cell(target, font=value_font, alignment=CENTER, number_format=NUMBER_FORMATS[cell.kind], fill=TOTAL_FILL)
            target.value = "=" + _sum_formula(form, cell)
        else:
            style_cell(target, font=value_font, alignment=CENTER, number_format=NUMBER_FORMATS[cell.kind],
                       protection=UNLOCKED, fill=INPUT_FILL)
            if cell.key in prefill:
                target.value = plain_number(prefill[cell.key])
            if cell.kind not in validations:
                validations[cell.kind] = _validation(cell.kind)
            validations[cell.kind].add(target.coordinate)

    draw_grid(ws, table, layout.TABLE_TOP, layout.TABLE_LEFT, value_cell)
    for validation in validations.values():
        ws.add_data_validation(validation)


def draw_grid(
    ws,
    table: Table,
    top: int,
    left: int,
    value_cell: Callable[[Cell, object], None],
    widths: Sequence[float] | None = None,
) -> None:
    """Draw the official grid of `table` with its top-left corner at row `top`, column `left` of
    `ws`: borders, labels, not-applicable cells, merges and row heights for the wrapped labels.

    `value_cell(cell, target)` writes each value cell (`target` is the openpyxl cell at its place)
    before the cell's span is merged. `widths` are the widths of the grid's columns as set on the
    sheet (default: the template's). Shared by the template and the county summary, so both show
    the same labels and merges."""
    header_font = Font(name=BODY_FONT, size=10, bold=True)
    label_font = Font(name=BODY_FONT, size=10)
    for r in range(table.n_rows):
        for c in range(table.n_cols):
            style_cell(ws.cell(top + r, left + c), border=BORDER)
    for label in table.labels:
        place = Place(ws.title, top + label.row, left + label.col)
        row_label = label.role in ("row", "group")
        align = LEFT if label.role in ("row", "note") else CENTER
        write_cell(ws, place.row, place.col, label.text, header_font if not row_label else label_font, align, HEADER_FILL)
        _merge(ws, place, label.rowspan, label.colspan)
    for blank in table.blanks:
        place = Place(ws.title, top + blank.row, left + blank.col)
        style_cell(ws.cell(place.row, place.col), fill=BLANK_FILL)
        _merge(ws, place, blank.rowspan, blank.colspan)
    for cell in table.cells:
        place = Place(ws.title, top + cell.row, left + cell.col)
        value_cell(cell, ws.cell(place.row, place.col))
        _merge(ws, place, 1, cell.colspan)
    widths = list(widths) if widths is not None else COLUMN_WIDTHS[table.key]
    heights = [22.0] * table.n_rows
    for label in table.labels:
        if label.rowspan == 1:
            width = sum(widths[label.col : label.col + label.colspan])
            heights[label.row] = max(heights[label.row], 15.0 * wrapped_lines(label.text, width))
    for r, height in enumerate(heights):
        ws.row_dimensions[top + r].height = height


def _live_check(ws, form: Form, table: Table) -> None:
    """Under table 三: for each column, 平衡 or 不平衡 and by how much (rule R1)."""
    row = layout.check_row(form)
    write_cell(ws, row, 1, "勾稽关系检查（第一项＋第二项－第三项－第四项）", Font(name=BODY_FONT, size=10, bold=True), LEFT, HEADER_FILL)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    ws.row_dimensions[row].height = 36
    for col in range(1, 4):
        ws.cell(row, col).border = BORDER
    for rule in form.rules:
        if rule.id != "R1":
            continue
        anchor = layout.locate(form, rule.anchor)
        left = "+".join(layout.locate(form, k).coordinate for k in rule.left.keys)
        right = "+".join(layout.locate(form, k).coordinate for k in rule.right.keys)
        diff = f"(({left})-({right}))"
        cell = ws.cell(row, anchor.col)
        column = get_column_letter(anchor.col)
        data = f"{column}{layout.TABLE_TOP + table.header_rows}:{column}{layout.TABLE_TOP + table.n_rows - 1}"
        blanks = f"COUNTBLANK({data})>0"
        cell.value = (
            f'=IFERROR(IF({diff}<>0,"不平衡（相差"&ABS({diff})&"）"&IF({blanks},"，有空白",""),'
            f'IF({blanks},"有空白，请填0","平衡")),"请填数字")'
        )
        cell.font = Font(name=BODY_FONT, size=10, bold=True)
        cell.alignment = CENTER
        cell.border = BORDER
    first = get_column_letter(layout.TABLE_LEFT + 3)
    last = get_column_letter(layout.TABLE_LEFT + table.n_cols - 1)
    area = f"{first}{row}:{last}{row}"
    ws.conditional_formatting.add(area, FormulaRule(formula=[f'{first}{row}="平衡"'], fill=GREEN_FILL))
    ws.conditional_formatting.add(area, FormulaRule(formula=[f'{first}{row}<>"平衡"'], fill=RED_FILL))
    note = ws.cell(row + 1, 1)
    note.value = "每一列都应显示“平衡”。显示“不平衡”时，请核对本年新收、上年结转、各项办理结果和结转下年度的数字。"
    note.font = Font(name=BODY_FONT, size=10, color="595959")
    note.alignment = LEFT
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=table.n_cols)
    ws.row_dimensions[row + 1].height = 30


def _meta_sheet(ws, form: Form, year: int, unit) -> None:
    values = {
        "product": layout.PRODUCT,
        "format": form.id,
        "year": str(year),
        "unit_code": unit.code if unit else "",
        "unit_name": unit.name if unit else "",
        "template_version": layout.TEMPLATE_VERSION,
    }
    for i, key in enumerate(layout.META_KEYS, start=1):
        ws.cell(i, 1).value = key
        ws.cell(i, 2).value = values[key]
        ws.cell(i, 2).data_type = "s"
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _define_names(wb: Workbook, form: Form) -> None:
    for key in layout.all_keys(form):
        name = layout.defined_name(key)
        wb.defined_names[name] = DefinedName(name, attr_text=layout.locate(form, key).absolute)


def _document_properties(wb: Workbook, form: Form, year: int, unit) -> None:
    props = {
        "nianbao.format": form.id,
        "nianbao.year": str(year),
        "nianbao.unit_code": unit.code if unit else "",
        "nianbao.template_version": layout.TEMPLATE_VERSION,
    }
    for name, value in props.items():
        wb.custom_doc_props.append(StringProperty(name=name, value=value or "-"))


# --- helpers ---------------------------------------------------------------------------------


def _merge(ws, place: Place, rowspan: int, colspan: int) -> None:
    if rowspan > 1 or colspan > 1:
        ws.merge_cells(
            start_row=place.row,
            start_column=place.col,
            end_row=place.row + rowspan - 1,
            end_column=place.col + colspan - 1,
        )


def _sum_formula(form: Form, cell: Cell) -> str:
    """SUM over the addends of a total, as one range when they are contiguous."""
    places = [layout.locate(form, key) for key in cell.sum_of]
    rows = {p.row for p in places}
    cols = {p.col for p in places}
    if len(cols) == 1 and sorted(rows) == list(range(min(rows), max(rows) + 1)):
        first, last = min(places, key=lambda p: p.row), max(places, key=lambda p: p.row)
        return f"SUM({first.coordinate}:{last.coordinate})"
    if len(rows) == 1 and sorted(cols) == list(range(min(cols), max(cols) + 1)):
        first, last = min(places, key=lambda p: p.col), max(places, key=lambda p: p.col)
        return f"SUM({first.coordinate}:{last.coordinate})"
    return "SUM(" + ",".join(p.coordinate for p in places) + ")"


def _validation(kind: CellKind) -> DataValidation:
    common = dict(allow_blank=True, showErrorMessage=True, errorTitle="输入有误", error=VALIDATION_MESSAGES[kind])
    if kind is CellKind.COUNT:
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", **common)
    if kind is CellKind.SIGNED:
        return DataValidation(type="whole", operator="between", formula1="-999999999", formula2="999999999", **common)
    return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", **common)


__all__ = ["build_workbook", "write_templates", "draw_grid", "MASTER_NAME"]
