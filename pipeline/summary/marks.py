"""The hidden marker sheet of the summary: the county as a unit of the level above."""

from __future__ import annotations

from ..config import CountyConfig
from ..forms.spec import Form
from ..workbook import layout
from ..workbook.cells import write_cell
from .totals import summary_unit_code

# An extra row of the hidden marks: this workbook is a summary (its totals are numbers by design).
SUMMARY_MARK = ("source", "summary")


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


