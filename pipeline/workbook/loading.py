"""openpyxl's `load_workbook` for a workbook that is edited and saved again, without its slow part.

When openpyxl loads a worksheet, every merged range is re-formatted: each cell of the range but the
top-left one becomes a `MergedCell`, the edge cells take the top-left cell's borders and every cell
takes its protection (`MergedCellRange.format`). Each of those steps adds a `Border` or a
`Protection` to the workbook's style lists, which hashes and compares openpyxl style objects; with
the many merges of the report template this is more than half of the load.

The result of such a step depends only on the style ids involved: "add the top side of border 7 to
a cell whose border is 3" gives the same border id every time within one workbook. `EditReader`
does the same steps in the same order as openpyxl but works each distinct step out once (through
openpyxl itself) and reuses its result, so the loaded workbook -- cells, MergedCells, style ids,
merged ranges -- is the one `openpyxl.load_workbook` gives, and saves to the same bytes.

Nothing of openpyxl is patched: the reader and worksheet reader are subclasses used only here.
`read_worksheets` is openpyxl 3.1's own, with the subclass in place of `WorksheetReader` (the
version is pinned in pyproject.toml).
"""

from __future__ import annotations

import copy
import io
import warnings

from openpyxl.cell import MergedCell
from openpyxl.cell.text import Text
from openpyxl.comments.comment_sheet import CommentSheet
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.relationship import RelationshipList, get_dependents, get_rels_path
from openpyxl.pivot.table import TableDefinition
from openpyxl.reader.drawings import find_images
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.borders import Border
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._reader import WorksheetReader
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.table import Table
from openpyxl.xml.constants import COMMENTS_NS, SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring, iterparse

_SIDES = ("top", "left", "right", "bottom")
_SI = "{%s}si" % SHEET_MAIN_NS
_T = "{%s}t" % SHEET_MAIN_NS


def load_for_edit(data: bytes):
    """The workbook in `data` as `openpyxl.load_workbook(io.BytesIO(data))` gives it (formulas, not
    cached values; no VBA; external links kept), loaded faster."""
    reader = EditReader(io.BytesIO(data))
    reader.read()
    return reader.wb


class EditReader(ExcelReader):
    """`ExcelReader` whose worksheets bind their merged ranges through `_MergeBinder`."""

    def __init__(self, source, *, keep_vba: bool = False, keep_links: bool = True):
        super().__init__(source, read_only=False, keep_vba=keep_vba, data_only=False, keep_links=keep_links)
        self.merge_steps: dict[tuple, int] = {}  # one workbook's style steps -> resulting style id

    def read_strings(self):
        """openpyxl's shared strings; a plain string (`<si><t>…</t></si>`, as LibreOffice writes
        them) is taken from its text directly instead of through `Text.from_tree`."""
        if self.rich_text:
            return super().read_strings()
        ct = self.package.find(SHARED_STRINGS)
        if ct is not None:
            with self.archive.open(ct.PartName[1:]) as src:
                self.shared_strings = _string_table(src)

    def read_worksheets(self):  # openpyxl 3.1.5 ExcelReader.read_worksheets, read_only removed
        comment_warning = """Cell '{0}':{1} is part of a merged range but has a comment which will be removed because merged cells cannot contain any data."""
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue

            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue

            rels_path = get_rels_path(rel.target)
            rels = RelationshipList()
            if rels_path in self.valid_files:
                rels = get_dependents(self.archive, rels_path)

            fh = self.archive.open(rel.target)
            ws = self.wb.create_sheet(sheet.name)
            ws._rels = rels
            ws_parser = _MergeBinder(ws, fh, self.shared_strings, self.data_only, self.rich_text, self.merge_steps)
            ws_parser.bind_all()
            fh.close()

            # assign any comments to cells
            for r in rels.find(COMMENTS_NS):
                src = self.archive.read(r.target)
                comment_sheet = CommentSheet.from_tree(fromstring(src))
                for ref, comment in comment_sheet.comments:
                    try:
                        ws[ref].comment = comment
                    except AttributeError:
                        c = ws[ref]
                        if isinstance(c, MergedCell):
                            warnings.warn(comment_warning.format(ws.title, c.coordinate))
                            continue

            # preserve link to VML file if VBA
            if self.wb.vba_archive and ws.legacy_drawing:
                ws.legacy_drawing = rels.get(ws.legacy_drawing).target
            else:
                ws.legacy_drawing = None

            for t in ws_parser.tables:
                src = self.archive.read(t)
                xml = fromstring(src)
                table = Table.from_tree(xml)
                ws.add_table(table)

            drawings = rels.find(SpreadsheetDrawing._rel_type)
            for rel in drawings:
                charts, images = find_images(self.archive, rel.target)
                for c in charts:
                    ws.add_chart(c, c.anchor)
                for im in images:
                    ws.add_image(im, im.anchor)

            pivot_rel = rels.find(TableDefinition.rel_type)
            pivot_caches = self.parser.pivot_caches
            for r in pivot_rel:
                pivot_path = r.Target
                src = self.archive.read(pivot_path)
                tree = fromstring(src)
                pivot = TableDefinition.from_tree(tree)
                pivot.cache = pivot_caches[pivot.cacheId]
                ws.add_pivot(pivot)

            ws.sheet_state = sheet.state


class _MergeBinder(WorksheetReader):
    """`WorksheetReader` that formats merged ranges as openpyxl does, each distinct step worked out once."""

    def __init__(self, ws, xml_source, shared_strings, data_only, rich_text, steps: dict):
        super().__init__(ws, xml_source, shared_strings, data_only, rich_text)
        self.steps = steps

    def bind_merged_cells(self):
        if not self.parser.merged_cells:
            return
        ranges = []
        for cr in self.parser.merged_cells.mergeCell:
            ranges.append(_bind_range(self.ws, cr.ref, self.steps))
        self.ws.merged_cells = MultiCellRange(ranges)


def _bind_range(ws, ref: str, steps: dict) -> MergedCellRange:
    """What `MergedCellRange(ws, ref)` followed by `ws._clean_merge_range(mcr)` does, step by step:
    `_get_borders`, the MergedCells, then `format` (borders of the edges, protection of every cell)."""
    mcr = MergedCellRange.__new__(MergedCellRange)
    mcr.ws = ws
    super(MergedCellRange, mcr).__init__(range_string=ref)  # CellRange.__init__
    cells = ws._cells

    # _get_borders: the top-left cell (created if missing) takes the right and bottom sides of the
    # bottom-right cell
    start = cells.get((mcr.min_row, mcr.min_col))
    if start is None:
        start = ws.cell(row=mcr.min_row, column=mcr.min_col)
    mcr.start_cell = start
    end = cells.get((mcr.max_row, mcr.max_col))
    if end is not None:
        key = ("corner", _style(start).borderId, _style(end).borderId)
        if key not in steps:
            start.border += Border(right=end.border.right, bottom=end.border.bottom)
            steps[key] = start._style.borderId
        start._style.borderId = steps[key]

    # ws._clean_merge_range: every cell but the top-left one becomes a new MergedCell
    coords = mcr.cells
    next(coords)
    for row, col in coords:
        cells[row, col] = MergedCell(ws, row, col)

    # MergedCellRange.format: the edges take the top-left cell's sides, one side after the other
    for name in _SIDES:
        start_border = _style(start).borderId
        skip_key = ("skip", name, start_border)
        if skip_key not in steps:
            side = getattr(start.border, name)
            steps[skip_key] = bool(side and side.style is None)
        if steps[skip_key]:
            continue
        for coord in getattr(mcr, name):
            cell = cells.get(coord)
            if cell is None:
                cell = MergedCell(ws, row=coord[0], column=coord[1])
                cells[(cell.row, cell.column)] = cell
            key = ("side", name, start_border, _style(cell).borderId)
            if key not in steps:
                # the top-left cell is on the top and left edges: its side is read before it changes
                side = ws.parent._borders[start_border]
                cell.border += Border(**{name: getattr(side, name)})
                steps[key] = cell._style.borderId
            cell._style.borderId = steps[key]

    # ... and every cell takes the top-left cell's protection
    key = ("protection", _style(start).protectionId)
    if key not in steps:
        steps[key] = ws.parent._protections.add(copy.copy(start.protection))
    protection = steps[key]
    for coord in mcr.cells:
        cell = cells.get(coord)
        if cell is None:
            cell = MergedCell(ws, row=coord[0], column=coord[1])
            cells[(cell.row, cell.column)] = cell
        _style(cell).protectionId = protection
    return mcr


def _string_table(source) -> list[str]:
    """openpyxl.reader.strings.read_string_table. For an <si> without attributes whose children
    are all <t> (no runs, no phonetic text), `Text.from_tree(si).content` is the text of the last
    <t>, or "" -- taken so here; any other <si> goes through `Text.from_tree` as before (and fails
    as it did on what openpyxl rejects)."""
    strings = []
    for _, node in iterparse(source):
        if node.tag == _SI:
            if not node.attrib and all(child.tag == _T for child in node):
                text = node[-1].text if len(node) else None
                text = text if text is not None else ""
            else:
                text = Text.from_tree(node).content
            strings.append(text.replace("x005F_", ""))
            node.clear()
    return strings


def _style(cell) -> StyleArray:
    """The cell's style array, created as openpyxl's style descriptors do when it has none."""
    if not cell._style:
        cell._style = StyleArray()
    return cell._style


__all__ = ["load_for_edit", "EditReader"]
