"""Fonts, fills and borders the sheets of 汇总表.xlsx share."""

from __future__ import annotations

from openpyxl.styles import PatternFill

from ..batch import DUPLICATE, FAILED, MISSING, PASSED, UNREADABLE
# the template's own fonts, borders, fills and alignments: the summary looks like the form it sums
from ..workbook.template import (
    BODY_FONT, BORDER, CENTER, GREEN_FILL, HEADER_FILL, HEADING_FONT, LEFT, RED_FILL, TEXT_ALIGN, TOTAL_FILL,
)

YELLOW_FILL = PatternFill("solid", fgColor="FFEB9C")
STATUS_FILLS = {
    PASSED: GREEN_FILL,
    FAILED: RED_FILL,
    MISSING: YELLOW_FILL,
    UNREADABLE: RED_FILL,
    DUPLICATE: YELLOW_FILL,
}
TOP_LEFT = TEXT_ALIGN
PERCENT_FORMAT = "0.0%"


def page_footer(ws) -> None:
    """The sheet's name and 第 n 页，共 m 页 at the foot of every printed page."""
    ws.oddFooter.center.text = "&A　第 &P 页，共 &N 页"


__all__ = [
    "BODY_FONT", "HEADING_FONT", "BORDER", "HEADER_FILL", "TOTAL_FILL", "STATUS_FILLS", "CENTER", "LEFT", "TOP_LEFT",
    "PERCENT_FORMAT", "page_footer",
]
