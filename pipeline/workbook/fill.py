"""Write values into a template workbook, as a clerk would type them.

Used by the demo to produce returned files (clean or with planted mistakes) and by tests. Each key is
found through the workbook's defined name (so a workbook whose layout moved is still filled
correctly), falling back to `layout.locate` when the name is missing.

What is written is exactly what is given: a number stays a number, a text stays a text (also "6件",
"/", "１２" or a text beginning with "="), None empties the cell, and a value for a total cell replaces
its formula. Nothing is validated here; checking is the reader's job.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Mapping

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell

from ..forms.spec import Form
from . import layout
from .cells import cell_text


def fill_workbook(
    wb: Workbook,
    form: Form,
    values: Mapping[str, object],
    texts: Mapping[str, str],
    info: Mapping[str, object],
) -> None:
    """Write `info` (keys "info.*"), `texts` (keys "text.*") and `values` (cell keys) into `wb`."""
    for key, value in info.items():
        if not key.startswith("info."):
            raise KeyError(f"not an info field: {key!r}")
        _write(target_cell(wb, form, key), value)
    for key, text in texts.items():
        if key not in layout.TEXT_FIELDS:
            raise KeyError(f"not a text field: {key!r}")
        if text is not None and not isinstance(text, str):
            raise TypeError(f"{key}: text expected, got {type(text).__name__}")
        _write(target_cell(wb, form, key), text)
    for key, value in values.items():
        if not form.has_cell(key):
            raise KeyError(f"{form.id} has no cell {key!r}")
        _write(target_cell(wb, form, key), value)


def target_cell(wb: Workbook, form: Form, key: str) -> XlCell:
    """The worksheet cell that holds `key`: via its defined name, else via the layout."""
    defined = wb.defined_names.get(layout.defined_name(key))
    if defined is not None:
        for sheet, ref in defined.destinations:
            if sheet in wb.sheetnames:
                return wb[sheet][ref.replace("$", "").split(":")[0]]
    place = layout.locate(form, key)
    return wb[place.sheet].cell(place.row, place.col)


def _write(cell: XlCell, value: object) -> None:
    if value is None:
        cell.value = None
    elif isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"  # a text stays a text even when it starts with "="
    elif isinstance(value, bool) or not isinstance(value, (int, float, Decimal, dt.date, dt.datetime, dt.time)):
        raise TypeError(f"cannot write {type(value).__name__} {value!r} into {cell.coordinate}")
    elif isinstance(value, Decimal):
        cell.value = int(value) if value == value.to_integral_value() else float(value)
    else:
        cell.value = value
