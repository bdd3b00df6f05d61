"""A workbook read once into plain data: its worksheets' cells, defined names and custom properties.

A formula cell carries its formula and its saved result in one `<c>` element, so one pass over each
worksheet gives both what a person typed and what the office suite computed. Only cells present in
the file are kept (a value at XFD1048576 is one entry, not a grid), at most MAX_CELLS of them. Texts
are read as Excel means them: shared strings and inline strings, rich-text runs joined, phonetic
guides left out, `_xHHHH_` escapes decoded. Chart sheets are listed apart and never read as
worksheets.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
import zipfile
from dataclasses import dataclass, field


from .columns import column_index, column_letter
from .dates import BUILTIN_FORMATS, from_excel, is_date_format
from .package import PackageError, local_name, open_package, parse_part, resolve

MAX_CELLS = 200_000  # cells holding something, over all sheets
MAX_ROW, MAX_COL = 1_048_576, 16_384

REL_WORKSHEET = "/worksheet"
REL_CUSTOM_PROPERTIES = "/custom-properties"

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_DEFINED_CELL = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!:]+))!\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


class CellError(str):
    """An error value shown in a cell (t="e"): "#REF!", "#DIV/0!" … Reads as its text."""


@dataclass
class Sheet:
    name: str
    # (row, col) → (formula or None, value): the formula as typed ("=SUM(B2:B4)"), the value shown
    # (its saved result for a formula; None when not saved)
    cells: dict[tuple[int, int], tuple[str | None, object]] = field(default_factory=dict)

    def value(self, row: int, col: int) -> object:
        """What the cell holds as typed: the formula text for a formula, else the value."""
        formula, value = self.cells.get((row, col), (None, None))
        return formula if formula is not None else value

    def cached(self, row: int, col: int) -> object:
        """What the cell shows: a formula's saved result, else the value."""
        return self.cells.get((row, col), (None, None))[1]

    def formula(self, row: int, col: int) -> str | None:
        return self.cells.get((row, col), (None, None))[0]

    def strings(self):
        """(row, col, text) of every cell holding a text, in reading order."""
        for (row, col), (formula, value) in self.cells.items():
            if formula is None and isinstance(value, str):
                yield row, col, value


@dataclass
class Book:
    sheets: dict[str, Sheet]  # worksheets by name, in workbook order (chart sheets are not here)
    chartsheets: list[str]
    defined_names: dict[str, str]  # workbook-level names → their reference text
    custom_properties: dict[str, str]

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def __contains__(self, name: str) -> bool:
        return name in self.sheets

    def __getitem__(self, name: str) -> Sheet:
        return self.sheets[name]

    @property
    def worksheets(self) -> list[Sheet]:
        return list(self.sheets.values())

    def destination(self, name: str) -> tuple[str, int, int] | None:
        """(sheet, row, col) of a defined name pointing at one cell of a worksheet; None otherwise
        (absent, a range, several areas, a formula, another sheet kind)."""
        text = self.defined_names.get(name)
        if not text:
            return None
        destination = _one_cell_cached(text) if len(text) <= MAX_CACHED_TEXT else _one_cell(text)
        return destination if destination is not None and destination[0] in self.sheets else None


def _one_cell(reference: str) -> tuple[str, int, int] | None:
    """(sheet, row, col) of a reference to one cell ("'三、依申请公开'!$D$7"); None for anything else."""
    found = _DEFINED_CELL.match(reference.strip())
    if found is None:
        return None
    quoted, plain, letters, digits = found.groups()
    sheet = (quoted or "").replace("''", "'") or plain
    row, col = int(digits), column_index(letters.upper())
    return (sheet, row, col) if 1 <= row <= MAX_ROW and 1 <= col <= MAX_COL else None


# the same references come back in every file of a run; a text too long for a sheet name is not kept
MAX_CACHED_TEXT = 300
_one_cell_cached = functools.lru_cache(maxsize=4096)(_one_cell)


def read_book(data: bytes) -> Book:
    """Parse the package of an .xlsx file. Raises PackageError for anything that cannot be read."""
    archive, workbook_part = open_package(data)
    with archive:
        return _Reader(archive, workbook_part).book()


def decode_escapes(text: str) -> str:
    """Excel's `_xHHHH_` escapes as the characters they stand for (`_x005F_` escapes an underscore)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _text_of(element) -> str:
    """The text of a string item (<si> or <is>): a plain <t>, or its rich-text runs; phonetic runs
    (<rPh>) are not part of the text."""
    parts = []
    for child in element:
        name = local_name(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            for t in child:
                if local_name(t.tag) == "t":
                    parts.append(t.text or "")
    return decode_escapes("".join(parts))


MAX_REFERENCE = 10  # longer texts are no reference: at most 3 letters and 7 digits (_CELL_REF)


@functools.lru_cache(maxsize=65_536)
def _reference(reference: str) -> tuple[int, str] | None:
    """(row, column letters) of a cell reference such as "D7"; None when it is not one."""
    found = _CELL_REF.fullmatch(reference)
    return (int(found.group(2)), found.group(1)) if found else None


def _row_number(row_element) -> int:
    try:
        return int(row_element.get("r", "0"))
    except ValueError:
        return 0


def _number(text: str) -> int | float | str:
    """A stored number as openpyxl gives it: an int when it has no point or exponent, else a float.
    Long digit runs are never converted to int (Python's int-string limit)."""
    text = text.strip()
    try:
        if len(text) <= 18 and text.lstrip("-").isdigit() and text.isascii():
            return int(text)
        return float(text)
    except ValueError:
        return text


# --- the workbook ----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, workbook_part: str):
        self.archive = archive
        self.workbook_part = workbook_part
        self.base = posixpath.dirname(workbook_part)
        self.cell_count = 0

    def part(self, name: str):
        return parse_part(self.archive, name)

    def book(self) -> Book:
        workbook = self.part(self.workbook_part)
        rels_name = posixpath.join(self.base, "_rels", posixpath.basename(self.workbook_part) + ".rels")
        rels = {}
        rels_root = self.part(rels_name)
        for rel in rels_root if rels_root is not None else ():
            rels[rel.get("Id")] = (str(rel.get("Type", "")), resolve(self.base, rel.get("Target", "")))
        by_type = {kind.rpartition("/")[2]: target for kind, target in rels.values()}
        strings = self.shared_strings(by_type.get("sharedStrings"))
        date_styles = self.date_styles(by_type.get("styles"))
        epoch = dt.datetime(1899, 12, 30)
        sheets: dict[str, Sheet] = {}
        chartsheets: list[str] = []
        names: dict[str, str] = {}
        for element in workbook:
            kind = local_name(element.tag)
            if kind == "workbookPr" and str(element.get("date1904", "")).lower() in ("1", "true"):
                epoch = dt.datetime(1904, 1, 1)
            elif kind == "sheets":
                for sheet in element:
                    name = sheet.get("name")
                    rid = next((v for k, v in sheet.attrib.items() if local_name(k) == "id"), None)
                    rel_type, target = rels.get(rid, ("", ""))
                    if not name or name in sheets or name in chartsheets:
                        continue
                    if rel_type.endswith(REL_WORKSHEET):
                        sheets[name] = Sheet(name)
                        sheets[name].cells = self.worksheet(target, strings, date_styles, epoch)
                    else:  # chart sheets, dialog sheets, macro sheets: no cells to read
                        chartsheets.append(name)
            elif kind == "definedNames":
                for defined in element:
                    name = defined.get("name")
                    if name and defined.get("localSheetId") is None:
                        names[name] = defined.text or ""
        return Book(sheets, chartsheets, names, self.custom_properties())

    def shared_strings(self, part: str | None) -> list[str]:
        root = self.part(part) if part else None
        if root is None:
            return []
        return [_text_of(item) for item in root if local_name(item.tag) == "si"]

    def date_styles(self, part: str | None) -> set[int]:
        """Indices of the cell formats (the `s` of a cell) that show a number as a date."""
        root = self.part(part) if part else None
        if root is None:
            return set()
        formats = dict(BUILTIN_FORMATS)
        result = set()
        for element in root:
            kind = local_name(element.tag)
            if kind == "numFmts":
                for fmt in element:
                    try:
                        formats[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode", "")
                    except ValueError:
                        continue
            elif kind == "cellXfs":
                for index, xf in enumerate(element):
                    try:
                        code = formats.get(int(xf.get("numFmtId", "0")), "")
                    except ValueError:
                        continue
                    if code and is_date_format(code):
                        result.add(index)
        return result

    def worksheet(self, part: str, strings: list[str], date_styles: set[int], epoch: dt.datetime):
        root = self.part(part)
        if root is None:
            raise PackageError("damaged", part)
        cells: dict[tuple[int, int], tuple[str | None, object]] = {}
        shared: dict[str, tuple[str, int, int]] = {}  # shared formula id → (formula, row, col) of its master
        data = next((e for e in root if local_name(e.tag) == "sheetData"), None)
        ns = root.tag[: -len("worksheet")] if root.tag.endswith("worksheet") else ""
        tags = (ns + "c", ns + "v", ns + "f", ns + "is")
        for row_element in data if data is not None else ():
            col = 0
            skipped = None  # the column letters of the last empty cell, its column not worked out yet
            for c in row_element.iterchildren(tags[0]):
                reference = c.get("r")
                found = _reference(reference) if reference and len(reference) <= MAX_REFERENCE else None
                if not len(c):  # no value, formula or string (a style only): nothing to read, a position
                    if found:
                        skipped = found[1]
                    else:  # the next position of the row
                        col = (column_index(skipped) if skipped else col) + 1
                        skipped = None
                    continue
                if found:
                    row, letters = found
                    col = column_index(letters)
                else:  # positions may be left out: the next cell of the row
                    col, row = (column_index(skipped) if skipped else col) + 1, _row_number(row_element)
                skipped = None
                if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
                    continue
                cell = _cell(c, row, col, tags, strings, date_styles, epoch, shared)
                if cell is not None:
                    self.cell_count += 1
                    if self.cell_count > MAX_CELLS:
                        raise PackageError("limit", f"文件中有内容的单元格超过读取上限 {MAX_CELLS} 个")
                    cells[(row, col)] = cell
        return cells

    def custom_properties(self) -> dict[str, str]:
        rels = self.part("_rels/.rels") if "_rels/.rels" in self.archive.namelist() else None
        part = next((resolve("", r.get("Target", "")) for r in (rels if rels is not None else ())
                     if str(r.get("Type", "")).endswith(REL_CUSTOM_PROPERTIES)), "docProps/custom.xml")
        root = self.part(part) if part in self.archive.namelist() else None
        properties = {}
        for prop in root if root is not None else ():
            name = prop.get("name")
            value = next(iter(prop), None)
            if name and value is not None:
                properties[name] = (value.text or "").strip()
        return properties


def _cell(c, row, col, tags, strings, date_styles, epoch, shared):
    """(formula, value) of one <c> element; None for an empty cell."""
    kind = c.get("t", "n")
    formula = text = None
    inline = None
    _, v_tag, f_tag, is_tag = tags
    for child in (c[0],) if len(c) == 1 else c:  # most cells hold one <v>: no iterator to make
        tag = child.tag
        if tag == v_tag:
            text = child.text or None  # an empty <v/> saves no result
        elif tag == f_tag:
            formula = _formula(child, row, col, shared)
        elif tag == is_tag:
            inline = child
    if kind == "inlineStr":
        value = _text_of(inline) if inline is not None else None
    elif text is None:
        value = None
    elif kind == "s":
        index = int(text) if text.strip().isdigit() and len(text) < 12 else -1
        if not 0 <= index < len(strings):
            raise PackageError("damaged", "sharedStrings")
        value = strings[index]
    elif kind == "str":
        value = decode_escapes(text)
    elif kind == "b":
        value = text.strip() in ("1", "true")
    elif kind == "e":
        value = CellError(text)
    elif kind == "d":
        try:
            value = dt.datetime.fromisoformat(text.strip().rstrip("Z"))
        except ValueError:
            value = text
    else:
        value = _number(text)
        if date_styles and not isinstance(value, str):  # an int or a float
            try:
                style = int(c.get("s", "0"))
            except ValueError:
                style = 0
            if style in date_styles:
                value = _excel_date(value, epoch)
    if formula is None and value is None:
        return None
    return formula, value


def _formula(element, row: int, col: int, shared: dict) -> str:
    """The formula text of a cell ("=…"). A shared formula's followers hold no text: theirs is the
    master's, moved by the distance between the two cells."""
    text = element.text or ""
    if element.get("t") != "shared":
        return "=" + text
    index = element.get("si", "")
    if text:
        shared[index] = (text, row, col)
        return "=" + text
    master = shared.get(index)
    if master is None:
        return "="  # still a formula, whatever it computed
    source, master_row, master_col = master
    try:
        from openpyxl.formula.translate import Translator  # here: only a shared formula needs openpyxl

        origin = f"{column_letter(master_col)}{master_row}"
        return Translator("=" + source, origin=origin).translate_formula(f"{column_letter(col)}{row}")
    except Exception:  # a formula the translator does not follow: still a formula
        return "=" + source


def _excel_date(serial: int | float, epoch: dt.datetime):
    """A serial number shown as a date, as openpyxl reads it (a number out of the calendar stays a number)."""
    if not (0 <= serial < 2_958_466):  # up to 9999-12-31
        return serial
    try:
        return from_excel(serial, epoch)
    except (OverflowError, ValueError):
        return serial


__all__ = ["Book", "Sheet", "CellError", "read_book", "decode_escapes", "column_index", "MAX_CELLS"]
