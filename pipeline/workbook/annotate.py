"""Marked-up return copies: a unit's own file with every finding shown where it is.

Each finding that points at a cell colours it (red for 错误, yellow for 警告; the most severe wins)
and puts its 说明 in a comment; a first sheet 退回意见 lists every finding of the file. The copy is
written elsewhere; the file in the inbox is only read.

Units often edit the marked-up copy and send it back. When such a file is marked up again, the
marks of the earlier round (our comments, their colour, the old 退回意见 sheet) are removed first so
that only the current findings show.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Iterable

from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from ..files import fixed_timestamp, save_workbook, write_atomic
from ..findings import Finding
from ..report.findings_order import ordered
from .cells import cell_text
from .loading import load_for_edit
from .markup_package import marked_package
from .marks import AUTHOR, COMMENT_WIDTH, FILLS, by_severity, cell_position, comment_height, comment_lines, is_ours
from .opinion import OPINION_SHEET, add_opinion_sheet, opinion_heading
from .template import INPUT_FILL, TOTAL_FILL

_MARK_COLOURS = {"FFC7CE", "FFEB9C"}
EARLIER_COMMENT = "\n——原批注（{author}）："
_EARLIER_COMMENT_RE = re.compile(r"\n——原批注（(.*?)）：(.*)\Z", re.DOTALL)


def annotate_copy(
    source: bytes | Path, findings: Iterable[Finding], out_path: Path, *, year: int, unit: str | None = None
) -> None:
    """Write to `out_path` a copy of `source` marked up with `findings` (the findings of this file).

    `source` is the bytes that were checked (the file's snapshot), so the copy is built from exactly
    what the findings are about; a path is read once, for callers that have no snapshot.
    `unit` names the unit in the 退回意见 heading; by default the findings' 单位, else the file name.
    Findings without a sheet and cell, or whose cell is not in the workbook, appear only on the
    退回意见 sheet. The bytes depend only on the source, the findings and `year`.

    The copy is made by editing the package itself (`markup_package`) when the file is the simple
    case, else -- a marked copy sent back, a macro workbook, anything unusual -- through openpyxl.
    """
    out_path = Path(out_path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, stem = bytes(source), out_path.stem
    else:
        source = Path(source)
        if out_path.resolve() == source.resolve():
            raise ValueError(f"marked-up copy would overwrite its source: {source}")
        data, stem = source.read_bytes(), source.stem
    findings = ordered(findings)
    name = unit or next((f.unit for f in findings if f.unit), "") or stem
    marked = marked_package(data, findings, name, year=year)
    if marked is not None:
        write_atomic(out_path, marked)
    else:
        _annotate_with_openpyxl(data, findings, name, out_path, year)


def _annotate_with_openpyxl(data: bytes, findings: list[Finding], name: str, out_path: Path, year: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops (e.g. slicers)
        wb = load_for_edit(data)  # openpyxl.load_workbook(io.BytesIO(data)), faster: see loading.py

    _remove_earlier_marks(wb)
    marks: dict[tuple[str, int, int], list[Finding]] = defaultdict(list)
    for finding in findings:
        target = _target_cell(wb, finding)
        if target is not None:
            marks[target].append(finding)
    for (sheet, row, col), on_cell in marks.items():
        _mark(wb[sheet].cell(row, col), on_cell)

    add_opinion_sheet(wb, findings, name)
    stamp = fixed_timestamp(year)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    save_workbook(wb, out_path)


# --- helpers ---------------------------------------------------------------------------------


def _target_cell(wb, finding: Finding) -> tuple[str, int, int] | None:
    """(sheet, row, col) of the cell a finding points at: the top-left cell of a merged range; None
    when the finding has no cell or the workbook has no such sheet."""
    if not finding.sheet or not finding.cell or finding.sheet not in wb.sheetnames:
        return None
    ws = wb[finding.sheet]
    if not isinstance(ws, Worksheet):  # a chart sheet has no cells
        return None
    position = cell_position(finding.cell)
    if position is None:
        return None
    row, col = position
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            row, col = merged.min_row, merged.min_col
            break
    return ws.title, row, col


def _mark(cell, findings: list[Finding]) -> None:
    fill = FILLS.get(by_severity(findings)[0].severity)
    if fill is not None:
        cell.fill = fill
    text = comment_lines(findings)
    if cell.comment is not None and cell.comment.text.strip():
        # a comment the unit wrote itself stays, below ours (and comes back when ours is removed)
        text += EARLIER_COMMENT.format(author=cell.comment.author or "") + cell.comment.text
    text = cell_text(text)
    cell.comment = Comment(text, AUTHOR, width=COMMENT_WIDTH, height=comment_height(text))


def _remove_earlier_marks(wb) -> None:
    if OPINION_SHEET in wb.sheetnames:
        del wb[OPINION_SHEET]
    for ws in wb.worksheets:
        # the cells that exist; iter_rows() would create every cell of the used range
        for cell in list(ws._cells.values()):
            comment = cell.comment
            if comment is None or not is_ours(comment.author, comment.text):
                continue
            cell.comment = _their_comment(comment.text)
            colour = str(cell.fill.fgColor.rgb or "")[-6:].upper() if cell.fill is not None else ""
            if colour in _MARK_COLOURS:
                cell.fill = _template_fill(cell)


def _their_comment(text: str) -> Comment | None:
    """The unit's own comment that `_mark` kept below ours, if any."""
    found = _EARLIER_COMMENT_RE.search(text)
    if found is None:
        return None
    return Comment(found.group(2), found.group(1))


def _template_fill(cell) -> PatternFill:
    """The fill the template gave a cell: inputs are unlocked, totals are formulas."""
    if cell.protection is not None and cell.protection.locked is False:
        return INPUT_FILL
    if cell.data_type == "f":
        return TOTAL_FILL
    return PatternFill(fill_type=None)


__all__ = ["annotate_copy", "opinion_heading", "OPINION_SHEET", "AUTHOR"]
