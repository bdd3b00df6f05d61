"""Fonts, fills and borders the sheets of 汇总表.xlsx share."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, PatternFill, Side

from ..batch import DUPLICATE, FAILED, MISSING, PASSED, UNREADABLE

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
PERCENT_FORMAT = "0.0%"


def page_footer(ws) -> None:
    """The sheet's name and 第 n 页，共 m 页 at the foot of every printed page."""
    ws.oddFooter.center.text = "&A　第 &P 页，共 &N 页"
