"""A marked-up return copy made by editing the unit's .xlsx package, not by loading it into openpyxl.

Loading a workbook into openpyxl's object model and writing it again costs 100-165 ms of CPU, while a
copy changes little: a few cells' style, their comments, and one new first sheet. Here every member
of the package that is not changed is copied as its compressed bytes; only these parts are edited:

- xl/styles.xml: the mark fills and, per (cell style, severity), a copy of the cell's <xf> with the
  fill; the 退回意见 sheet's fonts, fills, borders, number formats and <xf>s;
- each marked sheet: the `s` of its marked cells (created where missing), <legacyDrawing>, its rels;
  new comments and VML parts, written by openpyxl's own comment writers;
- the 退回意见 sheet, built by `add_opinion_sheet` in a small openpyxl workbook and written by the
  same worksheet writer as the openpyxl path, inserted first, active and the only selected tab;
- xl/workbook.xml and its rels, [Content_Types].xml, docProps/core.xml (fixed times) and
  docProps/app.xml's sheet list.

`marked_package` returns None whenever the package is not the simple case (a marked copy sent back,
a sheet that already has comments, a macro or strict-OOXML workbook, a missing part, ...) or anything
raises while editing: the caller then takes the openpyxl path, which handles every case.
"""

from __future__ import annotations

import copy
import io
import posixpath
import re
import zipfile
from collections import defaultdict

from lxml import etree
from openpyxl import Workbook
from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.utils.cell import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import tostring as openpyxl_tostring

from ..files import fixed_timestamp
from ..findings import Finding
from ..word.zipwrite import Member, member, write_package
from . import sheetdata
from .cells import cell_text
from .columns import column_index
from .marks import AUTHOR, COMMENT_WIDTH, FILLS, by_severity, cell_position, comment_height, comment_lines, is_ours
from .opinion import OPINION_SHEET, add_opinion_sheet
from .package import open_package, parse_xml, read_part, resolve

MAIN = SHEET_MAIN_NS
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
DCTERMS = "http://purl.org/dc/terms/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
REL_WORKSHEET = R_NS + "/worksheet"
REL_STYLES = R_NS + "/styles"
REL_COMMENTS = R_NS + "/comments"
REL_VML = R_NS + "/vmlDrawing"
REL_CORE = "/metadata/core-properties"  # under the package or (LibreOffice) the office namespace
REL_APP = R_NS + "/extended-properties"

# the children of <worksheet> that the schema puts after <legacyDrawing> (AlternateContent wraps
# controls and OLE objects, which come after it too)
AFTER_LEGACY_DRAWING = {"legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                        "tableParts", "extLst", "AlternateContent"}
# the children of <workbook> that the schema puts before <definedNames>
BEFORE_DEFINED_NAMES = ("sheets", "functionGroups", "externalReferences")
_REF = re.compile(r"([A-Z]+)([0-9]+)")


class NotSimple(Exception):
    """The package needs the openpyxl path."""


def marked_package(data: bytes, findings: list[Finding], unit: str, *, year: int) -> bytes | None:
    """The marked-up copy of the package `data` (findings already in the 退回意见 order), or None
    when it is not the simple case this module handles."""
    try:
        return _PackageEdit(data).marked(findings, unit, year)
    except Exception:  # NotSimple, or anything unexpected: the openpyxl path handles every case
        return None


def _q(local: str, ns: str = MAIN) -> str:
    return f"{{{ns}}}{local}"


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _serialise(root) -> bytes:
    """A changed part, with the XML declaration in the double-quoted form Office writes (lxml's own
    is single-quoted) and the part's standalone flag kept."""
    standalone = root.getroottree().docinfo.standalone
    flag = {True: b' standalone="yes"', False: b' standalone="no"'}.get(standalone, b"")
    return b'<?xml version="1.0" encoding="UTF-8"%s?>\n' % flag + etree.tostring(root, encoding="UTF-8")


def _in_main(element) -> etree._Element:
    """An openpyxl element (tags in no namespace) as a SpreadsheetML element."""
    wrapped = b'<wrap xmlns="%s">%s</wrap>' % (MAIN.encode(), openpyxl_tostring(element))
    return parse_xml(wrapped, "generated")[0]


def _fresh(used: set[str], pattern: str) -> str:
    """pattern.format(n) for the first n from 1 not in `used` (lower-cased names), added to it."""
    number = 1
    while pattern.format(number).lower() in used:
        number += 1
    name = pattern.format(number)
    used.add(name.lower())
    return name


class _Sheet:
    def __init__(self, name: str, part: str, worksheet: bool):
        self.name, self.part, self.worksheet = name, part, worksheet
        self.root = None  # parsed worksheet XML, once needed


class _PackageEdit:
    """One package being edited: its parts parsed on demand, the changed ones kept until written."""

    def __init__(self, data: bytes):
        self.archive, self.workbook_part = open_package(data)
        self.data = data
        self.names = {info.filename.lower() for info in self.archive.infolist()}
        self.parsed: dict[str, etree._Element] = {}
        self.changed: set[str] = set()
        self.new: dict[str, bytes] = {}

    # --- parts -------------------------------------------------------------------------------

    def part(self, name: str):
        if name not in self.parsed:
            root = parse_xml(read_part(self.archive, name), name)
            if root is None:
                raise NotSimple(f"missing part {name}")
            self.parsed[name] = root
        return self.parsed[name]

    def has(self, name: str) -> bool:
        return name.lower() in self.names

    def add_part(self, name: str, data: bytes) -> None:
        self.names.add(name.lower())
        self.new[name] = data

    def rels_of(self, part: str, *, create: bool = False):
        name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if not self.has(name):
            if not create:
                return name, None
            self.parsed[name] = etree.Element(_q("Relationships", PKG_RELS), nsmap={None: PKG_RELS})
            self.names.add(name.lower())
            self.add_default("rels", "application/vnd.openxmlformats-package.relationships+xml")
        return name, self.part(name)

    def related(self, part: str, rel_type: str) -> list[str]:
        _, rels = self.rels_of(part)
        if rels is None:
            return []
        base = posixpath.dirname(part)
        return [resolve(base, rel.get("Target", "")) for rel in rels
                if str(rel.get("Type", "")).endswith(rel_type) and rel.get("TargetMode") != "External"]

    def add_rel(self, part: str, rel_type: str, target: str) -> str:
        name, rels = self.rels_of(part, create=True)
        ids = {str(rel.get("Id", "")).lower() for rel in rels}
        rel_id = _fresh(ids, "rId{}")
        etree.SubElement(rels, _q("Relationship", PKG_RELS), Id=rel_id, Type=rel_type,
                         Target=posixpath.relpath(target, posixpath.dirname(part)))
        self.changed.add(name)
        return rel_id

    def content_type(self, part: str) -> str | None:
        types = self.part("[Content_Types].xml")
        for override in types.iter(_q("Override", CONTENT_TYPES_NS)):
            if override.get("PartName", "").lstrip("/").lower() == part.lower():
                return override.get("ContentType")
        return None

    def add_override(self, part: str, content_type: str) -> None:
        types = self.part("[Content_Types].xml")
        etree.SubElement(types, _q("Override", CONTENT_TYPES_NS), PartName="/" + part, ContentType=content_type)
        self.changed.add("[Content_Types].xml")

    def add_default(self, extension: str, content_type: str) -> None:
        types = self.part("[Content_Types].xml")
        if any(d.get("Extension", "").lower() == extension for d in types.iter(_q("Default", CONTENT_TYPES_NS))):
            return
        types.insert(0, etree.Element(_q("Default", CONTENT_TYPES_NS), Extension=extension, ContentType=content_type))
        self.changed.add("[Content_Types].xml")

    # --- the whole edit ------------------------------------------------------------------------

    def marked(self, findings: list[Finding], unit: str, year: int) -> bytes:
        sheets = self.check_simple()
        styles = _Styles(self.part(self.styles_part))
        marks = self.marks(sheets, findings)
        for (sheet, row, col), on_cell in sorted(marks.items(), key=lambda item: (item[0][0].part, item[0][1:])):
            self.mark_cell(sheet, row, col, on_cell, styles)
        for sheet in sheets:  # in the workbook's order, so that the new parts' names are always the same
            on_sheet = {(row, col): on_cell for (s, row, col), on_cell in marks.items() if s is sheet}
            if on_sheet:
                self.add_comments(sheet, on_sheet)
        self.add_opinion(findings, unit, styles, sheets)
        self.changed.add(self.styles_part)
        self.stamp(year)
        return self.write()

    def check_simple(self) -> list[_Sheet]:
        """The workbook's sheets; raises NotSimple when the openpyxl path is needed."""
        if any(info.flag_bits & 0x1 for info in self.archive.infolist()):
            raise NotSimple("encrypted member")
        if self.content_type(self.workbook_part) != WORKBOOK_TYPE or any(n.endswith("vbaproject.bin") for n in self.names):
            raise NotSimple("not a plain .xlsx")
        workbook = self.part(self.workbook_part)
        if workbook.tag != _q("workbook") or workbook.find(_q("sheets")) is None:
            raise NotSimple("not transitional SpreadsheetML")
        styles = self.related(self.workbook_part, REL_STYLES)
        if len(styles) != 1 or not self.has(styles[0]):
            raise NotSimple("no styles part")
        self.styles_part = styles[0]
        _, rels = self.rels_of(self.workbook_part)
        targets = {rel.get("Id"): (rel.get("Type"), resolve(posixpath.dirname(self.workbook_part), rel.get("Target", "")))
                   for rel in rels}
        sheets = []
        for element in workbook.find(_q("sheets")):
            name = element.get("name", "")
            rel_type, part = targets.get(element.get(_q("id", R_NS)), (None, None))
            if name == OPINION_SHEET or part is None or not self.has(part):
                raise NotSimple("an earlier 退回意见 sheet or a missing sheet part")
            sheets.append(_Sheet(name, part, rel_type == REL_WORKSHEET))
            if rel_type == REL_WORKSHEET and self.has_our_comments(part):
                raise NotSimple("an earlier marked copy")
        return sheets

    def has_our_comments(self, sheet_part: str) -> bool:
        """Whether a comment of the sheet is one a marked-up copy put there (see `marks.is_ours`)."""
        for comments in self.related(sheet_part, REL_COMMENTS):
            root = self.part(comments)
            authors = [author.text for author in root.iter(_q("author"))]
            if AUTHOR in authors:
                return True
            for comment in root.iter(_q("comment")):
                text = comment.find(_q("text"))
                try:
                    author = authors[int(comment.get("authorId", ""))]
                except (ValueError, IndexError):
                    author = None
                if text is not None and is_ours(author, "".join(text.itertext())):
                    return True
        return False

    # --- marked cells --------------------------------------------------------------------------

    def marks(self, sheets: list[_Sheet], findings: list[Finding]) -> dict:
        by_name = {sheet.name: sheet for sheet in sheets if sheet.worksheet}  # a chart sheet has no cells
        marks: dict[tuple[_Sheet, int, int], list[Finding]] = defaultdict(list)
        for finding in findings:
            sheet = by_name.get(finding.sheet) if finding.sheet and finding.cell else None
            position = cell_position(finding.cell) if sheet is not None else None
            if position is not None:
                row, col = self.merged_top_left(sheet, *position)
                marks[sheet, row, col].append(finding)
        return marks

    def sheet_root(self, sheet: _Sheet):
        if sheet.root is None:
            sheet.root = self.part(sheet.part)
            if sheet.root.tag != _q("worksheet") or sheet.root.find(_q("sheetData")) is None:
                raise NotSimple("not a worksheet")
            if sheet.root.find(_q("legacyDrawing")) is not None or self.related(sheet.part, REL_COMMENTS):
                raise NotSimple("a marked sheet with comments or VML already")
        return sheet.root

    def merged_top_left(self, sheet: _Sheet, row: int, col: int) -> tuple[int, int]:
        """The top-left cell of the first merged range holding (row, col), as `_target_cell` does."""
        for merge in self.sheet_root(sheet).iter(_q("mergeCell")):
            first, _, last = merge.get("ref", "").upper().partition(":")
            top, left = _position(first)
            bottom, right = _position(last or first)
            if top <= row <= bottom and left <= col <= right:
                return top, left
        return row, col

    def mark_cell(self, sheet: _Sheet, row: int, col: int, findings: list[Finding], styles: "_Styles") -> None:
        cell = _cell(self.sheet_root(sheet), row, col)
        fill = FILLS.get(by_severity(findings)[0].severity)
        if fill is not None:
            cell.set("s", str(styles.marked(int(cell.get("s", "0")), fill)))
        self.changed.add(sheet.part)

    def add_comments(self, sheet: _Sheet, marks: dict) -> None:
        records = []
        for (row, col), findings in sorted(marks.items()):
            text = cell_text(comment_lines(findings))
            record = CommentRecord(ref=f"{get_column_letter(col)}{row}", author=AUTHOR,
                                   height=comment_height(text), width=COMMENT_WIDTH)
            record.text.t = text
            records.append(record)
        comments = CommentSheet.from_comments(records)
        comments_part = _fresh(self.names, "xl/comments/comment{}.xml")
        vml_part = _fresh(self.names, "xl/drawings/commentsDrawing{}.vml")
        self.add_part(comments_part, openpyxl_tostring(comments.to_tree()))
        self.add_part(vml_part, comments.write_shapes())
        self.add_rel(sheet.part, REL_COMMENTS, comments_part)
        vml_id = self.add_rel(sheet.part, REL_VML, vml_part)
        self.add_override(comments_part, COMMENTS_TYPE)
        self.add_default("vml", VML_TYPE)
        _insert_legacy_drawing(sheet.root, vml_id)

    # --- the 退回意见 sheet ------------------------------------------------------------------------

    def add_opinion(self, findings: list[Finding], unit: str, styles: "_Styles", sheets: list[_Sheet]) -> None:
        ws = _opinion_worksheet(findings, unit)
        sheet_xml, small_styles = _written(ws)
        root = parse_xml(sheet_xml, OPINION_SHEET)
        styles.merge_opinion_styles(root, small_styles)
        part = _fresh(self.names, "xl/worksheets/sheet{}.xml")
        self.add_part(part, _serialise(root))
        self.add_override(part, WORKSHEET_TYPE)
        rel_id = self.add_rel(self.workbook_part, REL_WORKSHEET, part)
        workbook = self.part(self.workbook_part)
        self.insert_first_sheet(workbook, rel_id)
        _shift_local_names(workbook, _opinion_names(ws))
        for sheet in sheets:
            self.deselect(sheet)
        self.changed.add(self.workbook_part)
        self.update_app_sheet_list()

    def insert_first_sheet(self, workbook, rel_id: str) -> None:
        listed = workbook.find(_q("sheets"))
        ids = [int(s.get("sheetId", "0")) for s in listed]
        element = etree.Element(_q("sheet"), name=OPINION_SHEET, sheetId=str(max(ids, default=0) + 1), nsmap={"r": R_NS})
        element.set(_q("id", R_NS), rel_id)
        listed.insert(0, element)
        views = workbook.find(_q("bookViews"))
        if views is None:
            views = etree.Element(_q("bookViews"))
            listed.addprevious(views)
        view = views.find(_q("workbookView"))
        if view is None:
            view = etree.SubElement(views, _q("workbookView"))
        view.set("activeTab", "0")
        view.set("firstSheet", "0")

    def deselect(self, sheet: _Sheet) -> None:
        if sheet.part not in self.parsed and b"tabSelected" not in read_part(self.archive, sheet.part):
            return  # most sheets: not parsed at all
        root = self.part(sheet.part)
        for view in root.iter(_q("sheetView")):
            if view.get("tabSelected") in ("1", "true"):
                del view.attrib["tabSelected"]
                self.changed.add(sheet.part)

    def update_app_sheet_list(self) -> None:
        """docProps/app.xml lists the sheets (as Excel writes it): 退回意见 is added first. When the
        list is not as expected it is removed; Excel and LibreOffice rebuild it on saving and the
        openpyxl path writes no list at all."""
        parts = self.related("", REL_APP)
        if not parts or not self.has(parts[0]):
            return
        app = self.part(parts[0])
        pairs, titles = app.find(_q("HeadingPairs", APP_NS)), app.find(_q("TitlesOfParts", APP_NS))
        if pairs is None and titles is None:
            return
        self.changed.add(parts[0])
        if not _prepend_sheet_title(pairs, titles):
            for element in (pairs, titles):
                if element is not None:
                    app.remove(element)

    def stamp(self, year: int) -> None:
        parts = self.related("", REL_CORE)
        if not parts:
            raise NotSimple("no core properties")
        core = self.part(parts[0])
        when = fixed_timestamp(year).strftime("%Y-%m-%dT%H:%M:%SZ")
        for name in ("created", "modified"):
            element = core.find(_q(name, DCTERMS))
            if element is None:
                element = etree.SubElement(core, _q(name, DCTERMS))
            element.set(_q("type", XSI), "dcterms:W3CDTF")
            element.text = when
        self.changed.add(parts[0])

    # --- writing -------------------------------------------------------------------------------

    def write(self) -> bytes:
        changed = self.changed
        members = []
        for info in self.archive.infolist():
            if info.filename in changed:
                members.append(member(info.filename, _serialise(self.parsed[info.filename]), info.external_attr))
            else:
                members.append(self.copied(info))
        created = [name for name in self.parsed if name in changed and name not in self.archive.NameToInfo]
        for name in created:
            members.append(member(name, _serialise(self.parsed[name])))
        members += [member(name, data) for name, data in self.new.items()]
        return write_package(members, {})

    def copied(self, info: zipfile.ZipInfo) -> Member:
        """A member as its compressed bytes in the source (deflated again only if stored otherwise)."""
        if info.compress_type != zipfile.ZIP_DEFLATED:
            return member(info.filename, self.archive.read(info), info.external_attr)
        header = self.data[info.header_offset:info.header_offset + 30]
        if header[:4] != b"PK\x03\x04":
            raise NotSimple("damaged local header")
        name_length, extra_length = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
        start = info.header_offset + 30 + name_length + extra_length
        return Member(info.filename, info.CRC, info.file_size, self.data[start:start + info.compress_size],
                      info.external_attr)


# --- cells ---------------------------------------------------------------------------------------


def _position(reference: str) -> tuple[int, int]:
    found = _REF.fullmatch(reference.replace("$", ""))
    if found is None:
        raise NotSimple(f"unexpected reference {reference}")
    letters, digits = found.groups()
    return int(digits), column_index(letters)


def _cell(root, row: int, col: int):
    """The <c> of (row, col) in a worksheet, created (with its <row>) in order when missing."""
    row_element = _child_in_order(root.find(_q("sheetData")), "row", row, str(row), lambda r: int(r))
    cell = _child_in_order(row_element, "c", col, f"{get_column_letter(col)}{row}", lambda r: _position(r)[1])
    _widen_spans(row_element, col)
    return cell


def _child_in_order(parent, local: str, number: int, reference: str, number_of):
    """The child `local` of `parent` whose `r` is numbered `number`, inserted with r=`reference`
    before the first with a higher number when missing. A child without `r`, or a parent holding
    anything else (a row's <extLst>, which must stay last), is not handled."""
    if any(child.tag != _q(local) for child in parent):
        raise NotSimple(f"<{local}> among other elements")
    for child in parent:
        if child.tag != _q(local):
            continue
        if child.get("r") is None:
            raise NotSimple(f"<{local}> without r")
        found = number_of(child.get("r").upper())
        if found == number:
            return child
        if found > number:
            new = etree.Element(_q(local), r=reference)
            child.addprevious(new)
            return new
    return etree.SubElement(parent, _q(local), r=reference)


def _widen_spans(row_element, col: int) -> None:
    spans = row_element.get("spans")
    if spans and " " in spans.strip():
        raise NotSimple("a row spanning several ranges")
    if spans and ":" in spans:
        low, high = (int(x) for x in spans.split(":", 1))
        if not low <= col <= high:
            row_element.set("spans", f"{min(low, col)}:{max(high, col)}")


def _insert_legacy_drawing(root, rel_id: str) -> None:
    element = etree.Element(_q("legacyDrawing"), nsmap={"r": R_NS})
    element.set(_q("id", R_NS), rel_id)
    for child in root:
        if _local(child.tag) in AFTER_LEGACY_DRAWING:
            child.addprevious(element)
            return
    root.append(element)


# --- styles --------------------------------------------------------------------------------------

_ITEMS = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf"}
_XF_REFERENCES = (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders"))
FIRST_CUSTOM_FORMAT = 164


class _Styles:
    """The package's styles.xml, to which the marks' and the 退回意见 sheet's styles are appended."""

    def __init__(self, root):
        if root.tag != _q("styleSheet") or any(root.find(_q(name)) is None for name in ("fonts", "fills", "borders", "cellXfs")):
            raise NotSimple("unexpected styles.xml")
        self.root = root
        self.fills: dict[str, int] = {}  # mark colour -> fillId
        self.marked_xfs: dict[tuple[int, str], int] = {}  # (xf, mark colour) -> xf

    def items(self, section: str) -> list:
        parent = self.root.find(_q(section))
        return [] if parent is None else [child for child in parent if child.tag == _q(_ITEMS[section])]

    def append(self, section: str, element) -> int:
        """Append an item to a section (numFmts is created when missing); its index."""
        parent = self.root.find(_q(section))
        if parent is None:
            parent = etree.Element(_q(section))
            self.root.insert(0, parent)  # numFmts is the first child of styleSheet
        parent.append(element)
        count = len(self.items(section))
        parent.set("count", str(count))
        return count - 1

    def marked(self, xf: int, fill) -> int:
        """The xf that is `xf` with the mark `fill` (made once per xf and colour)."""
        colour = fill.fgColor.rgb
        if colour not in self.fills:
            self.fills[colour] = self.append("fills", _in_main(fill.to_tree()))
        key = (xf, colour)
        if key not in self.marked_xfs:
            xfs = self.items("cellXfs")
            if not 0 <= xf < len(xfs):
                raise NotSimple(f"cell style {xf} out of range")
            new = copy.deepcopy(xfs[xf])
            new.set("fillId", str(self.fills[colour]))
            new.set("applyFill", "1")
            self.marked_xfs[key] = self.append("cellXfs", new)
        return self.marked_xfs[key]

    def merge_opinion_styles(self, sheet, small) -> None:
        """Append the styles that the 退回意见 sheet's cells, rows and columns use (from `small`,
        the stylesheet of the workbook it was written in) and renumber them in `sheet`."""
        xfs = [child for child in small.find(_q("cellXfs")) if child.tag == _q("xf")]
        copied: dict[tuple[str, int], int] = {}
        new_xf: dict[str, str] = {}

        def xf_index(old: str) -> str:
            if old not in new_xf:
                xf = copy.deepcopy(xfs[int(old)])
                for attribute, section in _XF_REFERENCES:
                    key = (section, int(xf.get(attribute, "0")))
                    if key not in copied:
                        copied[key] = self.append(section, copy.deepcopy(_item(small, section, key[1])))
                    xf.set(attribute, str(copied[key]))
                number_format = int(xf.get("numFmtId", "0"))
                if number_format >= FIRST_CUSTOM_FORMAT:
                    xf.set("numFmtId", str(self.number_format(_format_code(small, number_format))))
                new_xf[old] = str(self.append("cellXfs", xf))
            return new_xf[old]

        for element in sheet.iter(_q("c"), _q("row"), _q("col")):
            attribute = "style" if element.tag == _q("col") else "s"
            if element.get(attribute) is not None:
                element.set(attribute, xf_index(element.get(attribute)))

    def number_format(self, code: str) -> int:
        existing = {item.get("formatCode"): int(item.get("numFmtId")) for item in self.items("numFmts")}
        if code in existing:
            return existing[code]
        number = max([FIRST_CUSTOM_FORMAT - 1, *existing.values()]) + 1
        self.append("numFmts", etree.Element(_q("numFmt"), numFmtId=str(number), formatCode=code))
        return number


def _item(styles, section: str, index: int):
    return [child for child in styles.find(_q(section)) if child.tag == _q(_ITEMS[section])][index]


def _format_code(styles, number: int) -> str:
    for item in styles.find(_q("numFmts")):
        if item.get("numFmtId") == str(number):
            return item.get("formatCode")
    raise NotSimple(f"number format {number} not defined")


# --- the 退回意见 sheet -----------------------------------------------------------------------------


def _opinion_worksheet(findings: list[Finding], unit: str):
    """The 退回意见 sheet, built by `add_opinion_sheet` as the only sheet of a new workbook."""
    wb = Workbook()
    wb.remove(wb.active)
    add_opinion_sheet(wb, findings, unit)
    return wb[OPINION_SHEET]


def _written(ws) -> tuple[bytes, etree._Element]:
    """The sheet's XML as the openpyxl path writes it, and its workbook's stylesheet (which the
    sheet's style indices refer to, once the sheet is written)."""
    ws._drawing = SpreadsheetDrawing()
    writer = (sheetdata.FastWorksheetWriter if sheetdata.FAST else WorksheetWriter)(ws, io.BytesIO())
    writer.write()
    if len(writer._rels) or ws._comments:
        raise NotSimple("the 退回意见 sheet has related parts")
    styles = parse_xml(openpyxl_tostring(write_stylesheet(ws.parent)), "styles")
    return writer.read(), styles


def _opinion_names(ws) -> list:
    """The sheet's own defined names (print titles and area, filter), as openpyxl's workbook writer
    makes them for the first sheet."""
    values = []
    if ws.auto_filter:
        values.append(("_FilterDatabase", f"'{OPINION_SHEET}'!{ws.auto_filter}", True))
    if ws.print_titles:
        values.append(("Print_Titles", ws.print_titles, None))
    if ws.print_area:
        values.append(("Print_Area", ws.print_area, None))
    names = []
    for name, value, hidden in values:
        names.append(DefinedName(name=name, localSheetId=0, hidden=hidden))
        names[-1].value = value
    return [_in_main(name.to_tree()) for name in names]


def _shift_local_names(workbook, opinion_names: list) -> None:
    """Every sheet-local name moves one sheet on; the 退回意见 sheet's names come first."""
    names = workbook.find(_q("definedNames"))
    if names is None:
        if not opinion_names:
            return
        names = etree.Element(_q("definedNames"))
        before = [workbook.find(_q(local)) for local in BEFORE_DEFINED_NAMES]
        [element for element in before if element is not None][-1].addnext(names)
    for name in names.iter(_q("definedName")):
        if name.get("localSheetId") is not None:
            name.set("localSheetId", str(int(name.get("localSheetId")) + 1))
    for index, element in enumerate(opinion_names):
        names.insert(index, element)


def _prepend_sheet_title(pairs, titles) -> bool:
    """Add 退回意见 first to app.xml's sheet list (the first heading pair counts the worksheets,
    whose names open TitlesOfParts). False when the list is not laid out so."""
    if pairs is None or titles is None:
        return False
    pair_vector, title_vector = pairs.find(_q("vector", VT_NS)), titles.find(_q("vector", VT_NS))
    if pair_vector is None or title_vector is None or len(pair_vector) < 2 or len(pair_vector) % 2:
        return False
    try:
        counts = [variant[0] for variant in pair_vector[1::2]]
        if sum(int(count.text) for count in counts) != len(title_vector):
            return False
    except (ValueError, TypeError, IndexError):
        return False
    counts[0].text = str(int(counts[0].text) + 1)
    title = etree.Element(_q("lpstr", VT_NS))
    title.text = OPINION_SHEET
    title_vector.insert(0, title)
    title_vector.set("size", str(len(title_vector)))
    return True
