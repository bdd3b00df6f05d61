"""What a finding puts on its cell in a marked-up return copy: the fill and the comment.

Shared by the two ways a copy is written: editing the package (`markup_package`) and the openpyxl
path of `annotate` that it falls back to.
"""

from __future__ import annotations

import re

from openpyxl.styles import PatternFill
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from ..findings import SEVERITY_ORDER, Finding
from ..forms.spec import ERROR, NOTICE, WARNING

AUTHOR = "县政府信息公开主管部门"
_OUR_START = re.compile("【(?:" + "|".join(map(re.escape, (ERROR, WARNING, NOTICE))) + ")】")
FILLS = {
    ERROR: PatternFill("solid", fgColor="FFC7CE"),
    WARNING: PatternFill("solid", fgColor="FFEB9C"),
}
COMMENT_WIDTH = 360  # pixels
COMMENT_CHARS_PER_LINE = 26  # CJK characters per line at that width
COMMENT_LINE_HEIGHT = 17  # pixels
MAX_ROW, MAX_COL = 1_048_576, 16_384


def by_severity(findings: list[Finding]) -> list[Finding]:
    """The findings on one cell, most severe first (that one gives the cell its fill)."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


def is_ours(author: str | None, text: str | None) -> bool:
    """Whether a cell's comment is one a marked-up copy put there: by its author; or, when the
    author is blank (LibreOffice re-saves a copy with a blank one), by how it begins: a finding's
    level in 【】. A comment the unit wrote itself has the writer as its author, however it begins."""
    if author == AUTHOR:
        return True
    return not (author or "").strip() and bool(_OUR_START.match(text or ""))


def comment_lines(findings: list[Finding]) -> str:
    return "\n".join(f"【{f.severity}】{f.message}" for f in by_severity(findings))


def comment_height(text: str) -> int:
    lines = 0
    for line in text.split("\n"):
        units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)
        lines += max(1, -(-units // (2 * COMMENT_CHARS_PER_LINE)))
    return min(600, max(60, lines * COMMENT_LINE_HEIGHT + 12))


def cell_position(reference: str) -> tuple[int, int] | None:
    """(row, col) of a finding's cell reference (its first cell for a range), None if it is none."""
    reference = reference.replace("$", "").split(":")[0].strip().upper()
    try:
        letters, row = coordinate_from_string(reference)
        col = column_index_from_string(letters)
    except ValueError:
        return None
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        return None
    return row, col
