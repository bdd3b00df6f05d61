"""Small helpers every workbook writer shares: text that stays text, plain numbers, row heights for
wrapped text, and A4 print setup."""

from __future__ import annotations

import re
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.page import PageMargins

from ..names import shown_name
from .styles import style_cell

MAX_CELL_CHARS = 32767  # Excel's limit for the text of one cell
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")  # lone surrogates: undecodable bytes of a file name
_WIDE_RE = re.compile(r"[\u2e80-\U0010ffff]")  # characters about two wide (CJK and beyond)


def cell_text(text: str) -> str:
    """`text` as a worksheet can hold it: the control characters openpyxl refuses (ESC, BEL …) and
    lone surrogates (undecodable bytes of a file name) written as visible escapes ("\\x1b")."""
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if _SURROGATE_RE.search(text):
        text = shown_name(text)
    return text


def write_cell(ws, row: int, col: int, value, font=None, alignment=None, fill=None, *, border=None, number_format=None):
    """Write `value`; a string stays text even when it begins with = + - @ (never a formula), and
    holds only characters a worksheet can store (`cell_text`). The styles given are set through the
    workbook's style registry (`styles.style_cell`: the same result, without hashing them per cell)."""
    cell = ws.cell(row, col)
    if isinstance(value, str):
        value = cell_text(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl marks "=…" as a formula on assignment
    if font is not None or alignment is not None or fill is not None or border is not None or number_format is not None:
        style_cell(cell, font=font, alignment=alignment, fill=fill, border=border, number_format=number_format)
    return cell


def plain_number(value: Decimal | int) -> int | float:
    """A Decimal as the int or float openpyxl writes (no trailing zeros, no exponent)."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column `width` characters wide (a CJK character takes
    about two). Office suites do not grow rows for wrapped text written by openpyxl."""
    total = 0
    for line in str(text).split("\n") or [""]:
        units = len(line) + len(_WIDE_RE.findall(line))  # a wide character counts twice
        total += max(1, -(-units // max(1, int(width * 0.95))))
    return max(1, total)


def print_setup(ws, *, landscape: bool, fit_width: bool = True, one_page: bool = False, centered: bool = True) -> None:
    """A4; scaled to the page width (and to one page tall with `one_page`)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 1 if one_page else 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    if centered:
        ws.print_options.horizontalCentered = True
