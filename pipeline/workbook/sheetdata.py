"""A worksheet's <sheetData> built with string formatting, byte for byte what openpyxl writes.

openpyxl 3.1.5 writes every cell through lxml's incremental writer, an element context per cell
(about 25 µs a cell): that was close to half the time spent writing a summary workbook.
`FastWorksheetWriter` is openpyxl's `WorksheetWriter` with the rows built here instead, as one
string per sheet, and spliced into the worksheet XML openpyxl writes around them.

The bytes are those lxml gives (ASCII, with character references for everything else; the same
escapes; `<c ...></c>` and `<v></v>`, never self-closing), and so are the side effects of
openpyxl's `write_row`: cell styles registered in the same order, comments and hyperlinks collected
in the same order. A sheet holding anything else (rich text, a time zone, a character XML does
not allow, a data type openpyxl does not set) is written by openpyxl's own code, errors included.

A sheet may also hold runs of number cells that have no openpyxl `Cell` at all (`add_number_row`):
the 分单位明细 of a summary has a cell per form cell and unit, some 400,000 at 2,000 units, each
a Cell, a StyleArray and a dict entry of a few hundred bytes. They are written exactly as the same
cells made with `ws.cell()` would be (`materialize` makes those cells, for openpyxl's own writer).
Cells already made can be taken out of their `Cell` objects the same way (`compact`): the summary's
sheets with a row per unit or per finding do so as they are written.
"""

from __future__ import annotations

import io
import re
import tempfile
import weakref
from copy import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterator

from openpyxl.cell.cell import Cell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.utils.datetime import to_excel, to_ISO8601
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

FAST = True  # False writes every sheet with openpyxl's own row writer (the tests compare the two)

EMPTY_SHEET_DATA = b"<sheetData></sheetData>"  # what lxml writes for an element without content
SPOOL_IN_MEMORY = 2**20  # a sheet's rows up to this size stay in memory while the sheet is written
SPOOL_BLOCK = 2**18  # the rows go into the archive in blocks of this size

# Characters lxml refuses (or cannot encode) in text and attribute values: the XML 1.0 Char
# production's complement.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Unsupported(Exception):
    """A cell this module does not write; openpyxl writes the sheet."""


@dataclass(frozen=True)
class NumberRow:
    """Cells of one row from `first_col` on, one per value (int or float; None: left empty), all
    with `style` (a StyleArray of the sheet's workbook, or None for none)."""

    first_col: int
    values: tuple
    style: object


_NUMBER_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # worksheet -> {row: [NumberRow]}
# worksheet -> {row: [(shape, values)]}: cells `compact` took out, a row's (or part of it) as the
# tuple of their values and a shape, ((column, data type, StyleArray or None), …), that the rows
# laid out alike share (`_light_cells` gives them back as cells)
_LIGHT_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SHARED_STYLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # worksheet -> {bytes: StyleArray}
_SHAPES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # worksheet -> {key: shape}
# worksheet -> (its <dimension> element, its <sheetData> in a spool): rows written before saving
_SPOOLED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_NOT_SPOOLING: weakref.WeakSet = weakref.WeakSet()  # workbooks a sheet of which could not be spooled


def add_number_row(ws, row: int, first_col: int, values, style) -> None:
    """Give `ws` the cells `ws.cell(row, first_col + i)` with value `values[i]` (left empty when
    None) and the style `style`, without making them: they are written as if made. The cells must
    not also be made with `ws.cell()`."""
    _NUMBER_ROWS.setdefault(ws, {}).setdefault(row, []).append(NumberRow(first_col, tuple(values), copy(style)))


COMPACT_ROWS = 200  # a sheet writer given `compact` takes its rows out of their Cells this often


def compact(ws, before_row: int | None = None) -> None:
    """Keep `ws`'s plain cells (text or a number, with any style, no comment or hyperlink) as a
    small tuple each instead of an openpyxl `Cell` with its own StyleArray, equal styles shared:
    about a third of the memory, for the sheets with a row per unit or per finding. They are
    written as the cells would be. Only the rows above `before_row`, when given. Call it once
    those cells are all written: a cell taken out must not be looked at, merged over or made again
    with `ws.cell()`."""
    styles = _SHARED_STYLES.setdefault(ws, {})
    taken: dict[int, list] = {}  # row -> [(column, value, data type, style)]
    for (row, col), cell in list(ws._cells.items()):
        if type(cell) is not Cell or cell._comment is not None or cell._hyperlink is not None:
            continue
        if before_row is not None and row >= before_row:
            continue
        value, data_type = cell._value, cell.data_type
        if not (data_type == "s" and isinstance(value, str)
                or data_type == "n" and (value is None or value.__class__ is int or value.__class__ is float)):
            continue  # anything else stays a Cell, written by _CellWriter
        style = cell._style
        if style is not None:
            style = styles.setdefault(style.tobytes(), style)
        taken.setdefault(row, []).append((col, value, data_type, style))
        del ws._cells[(row, col)]
    # a row as one tuple of values and a shared shape: a tuple per cell was ~70 bytes more a cell
    # (the 问题清单 sheet of a 4,000-unit county has some 60,000 cells)
    rows = _LIGHT_ROWS.setdefault(ws, {})
    shapes = _SHAPES.setdefault(ws, {})
    for row, cells in taken.items():
        cells.sort(key=lambda cell: cell[0])
        key = tuple((col, data_type, id(style)) for col, _, data_type, style in cells)
        shape = shapes.get(key)
        if shape is None:
            shape = shapes[key] = tuple((col, data_type, style) for col, _, data_type, style in cells)
        rows.setdefault(row, []).append((shape, tuple(cell[1] for cell in cells)))


def _light_cells(segments) -> list:
    """(column, value, data type, style) of the cells `compact` took out of a row, by column."""
    cells = [(col, value, data_type, style) for shape, values in segments
             for (col, data_type, style), value in zip(shape, values)]
    if len(segments) > 1:
        cells.sort(key=lambda cell: cell[0])
    return cells


def compact_rows_above(ws, row: int, enabled: bool) -> None:
    """In a writer's loop, after row `row` is written: every COMPACT_ROWS rows, `compact` the rows
    so far (when `enabled`), so that a sheet of thousands of rows never has them all as Cells."""
    if enabled and row % COMPACT_ROWS == 0:
        compact(ws, before_row=row + 1)


def materialize(ws) -> None:
    """Make the cells of `ws`'s number rows and compacted cells real openpyxl cells (for
    openpyxl's own writer)."""
    for row, runs in sorted(_NUMBER_ROWS.pop(ws, {}).items()):
        for run in runs:
            for offset, value in enumerate(run.values):
                cell = ws.cell(row, run.first_col + offset)
                if value is not None:
                    cell.value = value
                cell._style = copy(run.style)
    for row, segments in sorted(_LIGHT_ROWS.pop(ws, {}).items()):
        for col, value, data_type, style in _light_cells(segments):
            cell = ws.cell(row, col)
            cell._value, cell.data_type = value, data_type
            if style is not None:
                cell._style = copy(style)


def spool_rows(ws) -> None:
    """Write `ws`'s rows now, into a temporary file (up to SPOOL_IN_MEMORY bytes in memory), as
    its writer would when the workbook is saved, and let go of its cells: a summary's sheets with
    a row per unit or per finding no longer all wait in memory for the workbook to be saved.
    The workbook's cell styles are numbered as rows are written: call it on every sheet, each once
    complete, in the workbook's order (a sheet not spooled is written when the workbook is saved,
    after those that were). A sheet this module cannot write, and every sheet after it, is left
    to be written when the workbook is saved."""
    book = ws.parent
    if not FAST or book in _NOT_SPOOLING or ws in _SPOOLED:
        return
    writer = FastWorksheetWriter(ws, io.BytesIO())
    dimension = writer.dimension()
    spool = _spooled_sheet_data(writer)
    if spool is None:
        _NOT_SPOOLING.add(book)
        return
    _SPOOLED[ws] = (dimension, spool)
    weakref.finalize(ws, spool.close)
    ws._cells.clear()
    _NUMBER_ROWS.pop(ws, None)
    _LIGHT_ROWS.pop(ws, None)


class FastWorksheetWriter(WorksheetWriter):
    """openpyxl's WorksheetWriter (out: a BytesIO) with <sheetData> from `sheet_data`, or as
    `spool_rows` wrote it."""

    def dimension(self) -> SheetDimension:
        """The <dimension> openpyxl writes for the sheet (`Worksheet.calculate_dimension`, with the
        number rows' and compacted cells)."""
        number_rows = _NUMBER_ROWS.get(self.ws, {})
        light_rows = _LIGHT_ROWS.get(self.ws, {})
        if not number_rows and not light_rows:
            return SheetDimension(self.ws.calculate_dimension())
        rows = {row for row, _ in self.ws._cells} | set(number_rows) | set(light_rows)
        cols = {col for _, col in self.ws._cells}
        for runs in number_rows.values():
            for run in runs:
                cols.update((run.first_col, run.first_col + len(run.values) - 1))
        for segments in light_rows.values():
            cols.update(col for shape, _ in segments for col, *_ in shape)
        return SheetDimension(f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}")

    def write_dimensions(self):
        spooled = _SPOOLED.get(self.ws)
        self.xf.send((spooled[0] if spooled is not None else self.dimension()).to_tree())

    def write_rows(self):
        spooled = _SPOOLED.get(self.ws)
        self._spooled_before = spooled is not None  # written by spool_rows: kept, with the sheet, for another save
        self._sheet_data = spooled[1] if spooled is not None else _spooled_sheet_data(self)
        if self._sheet_data is None:  # Unsupported: openpyxl writes the rows
            materialize(self.ws)
            super().write_rows()
            return
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            pass  # the placeholder `pieces` replaces
        self.xf.send(None)

    def read(self) -> bytes:
        return b"".join(self.pieces())

    def close_rows(self) -> None:
        """Let go of the spooled rows (a temporary file is removed): `pieces` no longer works.
        Rows `spool_rows` wrote stay with their sheet."""
        if self._sheet_data is not None and not self._spooled_before:
            self._sheet_data.close()

    def pieces(self) -> Iterator[bytes]:
        """The worksheet's XML in pieces (what `read` joins): openpyxl's XML before <sheetData>,
        the rows (in blocks of at most SPOOL_BLOCK bytes), and openpyxl's XML after."""
        data = super().read()
        if self._sheet_data is None:
            yield data
            return
        head, placeholder, tail = data.partition(EMPTY_SHEET_DATA)
        assert placeholder, "no <sheetData> in the worksheet"
        yield head
        spool = self._sheet_data  # closed by close_rows (a temporary file: removed)
        spool.seek(0)
        while block := spool.read(SPOOL_BLOCK):
            yield block
        yield tail


def _spooled_sheet_data(writer: WorksheetWriter):
    """`sheet_data` written to a spool as it is made (a large sheet to a temporary file: 分单位明细
    is ~8 MB of XML at 1,000 units), or None on Unsupported (the comments and hyperlinks it
    collected let go of, to be collected again when openpyxl writes the rows)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    try:
        for chunk in sheet_data(writer):
            spool.write(chunk)
    except Unsupported:
        spool.close()
        del writer.ws._comments[:]
        del writer.ws._hyperlinks[:]
        return None
    return spool


def sheet_data(writer: WorksheetWriter) -> Iterator[bytes]:
    """The <sheetData> element of `writer`'s worksheet as openpyxl's `write_rows` writes it (its
    bytes in pieces, a row each, made as they are asked for), with its side effects. Raises
    Unsupported (before the piece it would be in) where openpyxl would not write the sheet so."""
    ws = writer.ws
    dims = ws.row_dimensions
    book = ws.parent
    cell_xml = _CellWriter(book.iso_dates, book.epoch).xml
    number_cell_xml = _NumberCellWriter(book._cell_styles).xml
    number_rows = _NUMBER_ROWS.get(ws, {})
    light_rows = _LIGHT_ROWS.get(ws, {})
    rows = writer.rows()
    if number_rows or light_rows:
        cells_of = dict(rows)
        rows = [(row_idx, cells_of.get(row_idx, []))
                for row_idx in sorted(cells_of.keys() | number_rows.keys() | light_rows.keys())]
    yield b"<sheetData>"  # then a row's bytes each: a 1,000-column row is ~40 KB, the sheet ~8 MB
    for row_idx, row in rows:
        attrs = {"r": f"{row_idx}"}
        attrs.update(dims.get(row_idx, {}))
        parts = [f"<row{_attributes(attrs)}>"]
        numbers = _number_cells(number_rows.get(row_idx, ()), _light_cells(light_rows.get(row_idx, ())))
        pending = next(numbers, None)
        for cell in row:
            while pending is not None and pending[0] < cell.column:
                parts.append(number_cell_xml(row_idx, *pending))
                pending = next(numbers, None)
            if cell._comment is not None:
                ws._comments.append(CommentRecord.from_cell(cell))
            if cell._value is None and not cell.has_style and not cell._comment:
                continue
            parts.append(cell_xml(cell))
        while pending is not None:
            parts.append(number_cell_xml(row_idx, *pending))
            pending = next(numbers, None)
        parts.append("</row>")
        text = "".join(parts)
        if NOT_XML.search(text):
            raise Unsupported("a character XML does not allow")
        yield text.encode("ascii", "xmlcharrefreplace")
    yield b"</sheetData>"


class _CellWriter:
    """One cell's <c> element, as openpyxl's `lxml_write_cell` writes it."""

    def __init__(self, iso_dates: bool, epoch):
        self.iso_dates = iso_dates
        self.epoch = epoch
        self.style_attributes: dict[bytes, str] = {}

    def xml(self, cell) -> str:
        data_type = cell.data_type
        value = cell._value
        style = self._style(cell) if cell.has_style else ""
        kind = _TYPE_ATTRIBUTE.get(data_type)
        if kind is None:
            raise Unsupported(f"data type {data_type!r}")
        if data_type == "d":
            value, kind = self._date(value)
        if cell.hyperlink:
            cell.parent._hyperlinks.append(cell.hyperlink)
        start = f'<c r="{cell.coordinate}"{style}{kind}>'
        if value == "" or value is None:
            return start + "</c>"
        if data_type == "f":
            return f"{start}{_formula(value)}<v></v></c>"
        if data_type == "s":
            return f"{start}<is>{_inline_text(value)}</is></c>"
        return f"{start}<v>{_text(safe_string(value))}</v></c>"

    def _style(self, cell) -> str:
        """The s attribute. `cell.style_id` registers the style with the workbook; a style already
        registered keeps its id, so a style seen before in this sheet is not looked up again."""
        key = cell._style.tobytes()
        attribute = self.style_attributes.get(key)
        if attribute is None:
            attribute = self.style_attributes[key] = f' s="{cell.style_id}"'
        return attribute

    def _date(self, value) -> tuple[object, str]:
        if getattr(value, "tzinfo", None) is not None:
            raise Unsupported("a time zone")  # openpyxl raises its TypeError
        if self.iso_dates and not isinstance(value, timedelta):
            return to_ISO8601(value), ' t="d"'
        return to_excel(value, self.epoch), ' t="n"'


def _number_cells(runs, light=()):
    """(column, value, data type, style) of every cell of a row's number runs and compacted cells,
    by column."""
    cells = [(run.first_col + offset, value, "n", run.style) for run in runs for offset, value in enumerate(run.values)]
    if light:
        cells.extend(light)
    if len(runs) + bool(light) > 1 or len(light) > 1:
        cells.sort(key=lambda cell: cell[0])
    return iter(cells)


class _NumberCellWriter:
    """A number-row or compacted cell's <c> element: what `_CellWriter` writes for the Cell it
    stands for (`compact` takes only numbers and text)."""

    def __init__(self, cell_styles):
        self.cell_styles = cell_styles  # the workbook's IndexedList of StyleArrays (Cell.style_id)
        self.style_attributes: dict[int, str] = {}  # id(style) -> its s attribute (the runs keep their styles)
        self.values: dict = {}  # (class, value) -> "<v>…</v></c>"; equal numbers of a class are written alike

    def xml(self, row: int, col: int, value, data_type: str, style) -> str:
        attribute = self.style_attributes.get(id(style))
        if attribute is None:
            attribute = self.style_attributes[id(style)] = self._style_attribute(style)
        if value is None:
            return f'<c r="{get_column_letter(col)}{row}"{attribute} t="n"></c>' if attribute else ""
        if data_type == "s":
            start = f'<c r="{get_column_letter(col)}{row}"{attribute} t="inlineStr">'
            return start + "</c>" if value == "" else f"{start}<is>{_inline_text(value)}</is></c>"
        if value.__class__ is not int and value.__class__ is not float:  # bool, Decimal, text …
            raise Unsupported(f"number row value {type(value).__name__}")
        key = (value.__class__, value)  # 1 and 1.0 are written apart; -0.0 too (equal to 0.0), never kept
        end = self.values.get(key)
        if end is None:
            end = f"<v>{_text(safe_string(value))}</v></c>"
            if value or value.__class__ is int:
                self.values[key] = end
        return f'<c r="{get_column_letter(col)}{row}"{attribute} t="n">{end}'

    def _style_attribute(self, style) -> str:
        """The s attribute; none for a cell without a style (openpyxl skips it when empty)."""
        if style is None or not any(style):
            return ""
        return f' s="{self.cell_styles.add(copy(style))}"'


_TYPE_ATTRIBUTE = {"n": ' t="n"', "s": ' t="inlineStr"', "b": ' t="b"', "e": ' t="e"', "d": ' t="d"', "f": ""}


def _formula(value) -> str:
    if isinstance(value, str):
        return f"<f>{_text(value[1:])}</f>"
    if isinstance(value, (ArrayFormula, DataTableFormula)):
        attrs = dict(value)
        text = value.text if isinstance(value, ArrayFormula) else None
        body = _text(text[1:]) if text is not None and attrs.get("t") != "dataTable" else ""
        return f"<f{_attributes(attrs)}>{body}</f>"
    raise Unsupported(f"formula {type(value).__name__}")


def _inline_text(value) -> str:
    if not isinstance(value, str):
        raise Unsupported(f"inline {type(value).__name__}")  # CellRichText among others
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<t{space}>{_text(value)}</t>"


def _text(value: str) -> str:
    """Text content escaped as lxml escapes it (non-ASCII is referenced when encoding)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attributes(attrs: dict) -> str:
    return "".join(f' {name}="{_attribute(value)}"' for name, value in attrs.items())


def _attribute(value: str) -> str:
    """An attribute value escaped as lxml escapes it."""
    return (
        _text(value)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )
