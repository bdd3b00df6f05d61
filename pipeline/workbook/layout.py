"""Where each part of a form sits in the Excel workbook.

The template writer, the reader, the marked-up return copies and the demo filler all ask this module,
so the layout is decided once. Table grids come from the form spec; this module only adds the sheet
names and the offset of each grid on its sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..forms.spec import Form
from .columns import column_letter

TEMPLATE_VERSION = "2026.1"
PRODUCT = "nianbao"

GUIDE_SHEET = "填报说明"
INFO_SHEET = "基本信息"
META_SHEET = "_nianbao"  # hidden: what the reader needs to recognise the file

TABLE_SHEETS = {"t2": "二、主动公开", "t3": "三、依申请公开", "t4": "四、复议诉讼"}
TEXT_SHEETS = {"一": "一、总体情况", "五": "五、问题及改进", "六": "六、其他事项"}

# Tables start on this row and column of their sheet (1-based): row 1 holds the section heading,
# row 2 a short instruction.
TABLE_TOP = 4
TABLE_LEFT = 1

# Each text field: (sheet, row of its title, row of the input cell). The input cell is merged over
# TEXT_WIDTH columns so that long text wraps on screen and on paper.
TEXT_WIDTH = 10
TEXT_FIELDS = {
    "text.preface": (TEXT_SHEETS["一"], 3, 4),
    "text.overview": (TEXT_SHEETS["一"], 6, 7),
    "text.problems": (TEXT_SHEETS["五"], 3, 4),
    "text.other": (TEXT_SHEETS["六"], 3, 4),
}


@dataclass(frozen=True)
class InfoField:
    key: str
    label: str
    row: int
    editable: bool


INFO_FIELDS = (
    InfoField("info.unit_code", "单位代码", 3, False),
    InfoField("info.unit_name", "单位名称", 4, False),
    InfoField("info.year", "报告年度", 5, False),
    InfoField("info.format", "报告格式", 6, False),
    InfoField("info.contact", "联系人", 7, True),
    InfoField("info.phone", "联系电话", 8, True),
    InfoField("info.date", "落款日期", 9, True),
)
INFO_VALUE_COLUMN = 2

# The meta sheet: one key per row in column A, its value in column B.
META_KEYS = ("product", "format", "year", "unit_code", "unit_name", "template_version")


@dataclass(frozen=True, slots=True)
class Place:
    sheet: str
    row: int  # 1-based
    col: int  # 1-based

    @property
    def coordinate(self) -> str:
        return f"{column_letter(self.col)}{self.row}"

    @property
    def absolute(self) -> str:
        """The reference as a defined name holds it, e.g. '三、依申请公开'!$D$7."""
        return f"'{self.sheet}'!${column_letter(self.col)}${self.row}"

    def __str__(self) -> str:
        return f"{self.sheet}!{self.coordinate}"


def defined_name(key: str) -> str:
    """The workbook-level defined name of a value cell, text field or info field."""
    return "NB_" + key.replace(".", "_")


def grid_place(table_key: str, row: int, col: int) -> Place:
    return Place(TABLE_SHEETS[table_key], TABLE_TOP + row, TABLE_LEFT + col)


def check_row(form: Form) -> int:
    """The sheet row of the live 勾稽 check under table 三."""
    return TABLE_TOP + form.table("t3").n_rows + 1


def locate(form: Form, key: str) -> Place:
    """The sheet and cell that hold `key` (a value cell, text field or info field)."""
    if key in TEXT_FIELDS:
        sheet, _, row = TEXT_FIELDS[key]
        return Place(sheet, row, 1)
    for info in INFO_FIELDS:
        if info.key == key:
            return Place(INFO_SHEET, info.row, INFO_VALUE_COLUMN)
    cell = form.cell(key)
    return grid_place(cell.table, cell.row, cell.col)


def all_keys(form: Form) -> list[str]:
    """Every key that has a defined name in a workbook of this form, in reading order."""
    return [i.key for i in INFO_FIELDS] + [t.key for t in form.texts] + [c.key for c in form.cells]


def names_by_key(form: Form) -> dict[str, str]:
    return {key: defined_name(key) for key in all_keys(form)}
