"""The faster paths of the marked-up return copy give what openpyxl's own paths give.

`load_for_edit` must load a workbook exactly as `openpyxl.load_workbook` does (merged ranges and
their borders and protection included), `workbook_bytes` must write the bytes openpyxl's own writer
gives, and a copy must keep the merges, values and styles of the unit's file, whether the file came
from our template or was re-saved by LibreOffice.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Border, Protection, Side
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.writer.excel import ExcelWriter

from pipeline.config import Unit
from pipeline.files import normalize_zip, save_workbook, workbook_bytes
from pipeline.findings import Finding
from pipeline.forms import form_for_year
from pipeline.office import convert, find_soffice
from pipeline.report.findings_xlsx import BODY_FONT, BORDER, TOP, TOP_WRAP, WRAPPED, table_columns
from pipeline.workbook import markup_package
from pipeline.workbook.annotate import annotate_copy
from pipeline.workbook.layout import locate
from pipeline.workbook.loading import load_for_edit
from pipeline.workbook.opinion import add_opinion_sheet, constant_fields
from pipeline.workbook.template import build_workbook

YEAR = 2025
FORM = form_for_year(YEAR)
UNIT = Unit(code="03", name="青塘镇", full_name="青塘镇人民政府", kind="乡镇")
FILE = "03-青塘镇.xlsx"
RECEIVED = locate(FORM, "t3.received.natural")
OVERVIEW = locate(FORM, "text.overview")
RED = "FFC7CE"
RECEIVED_AT = coordinate_to_tuple(RECEIVED.coordinate)


def template_bytes() -> bytes:
    wb = build_workbook(FORM, YEAR, UNIT)
    wb[RECEIVED.sheet][RECEIVED.coordinate] = "6件"
    return workbook_bytes(wb)


def odd_merges_bytes() -> bytes:
    """Merges openpyxl formats in every way: borders on the top-left and bottom-right cells, a
    top-left cell that does not exist, values inside a range, unlocked cells, overlapping ranges."""
    wb = openpyxl.Workbook()
    ws = wb.active
    thick, thin = Side(style="thick", color="FF0000"), Side(style="thin")
    ws["B2"] = "top-left"
    ws["B2"].border = Border(top=thick, left=thin)
    ws["D4"].border = Border(right=thin, bottom=thick)
    ws["C3"] = "inside"  # openpyxl drops it
    ws["B2"].protection = Protection(locked=False)
    ws.merge_cells("B2:D4")
    ws.merge_cells("F1:H1")  # no cell at all
    ws["A10"] = "x"
    ws["A10"].border = Border(left=thick, right=thick, top=thick, bottom=thick)
    ws.merge_cells("A10:A12")
    ws.merge_cells("A11:B13")  # overlaps the one above
    ws.merge_cells("J5")  # a single cell
    ws["K2"].comment = Comment("a note", "someone")
    second = wb.create_sheet("second")
    second["A1"] = "=SUM(1,2)"
    second["A1"].border = Border(bottom=thin)
    second.merge_cells("A1:C1")
    return normalize_zip(_openpyxl_bytes(wb))


def _openpyxl_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return normalize_zip(buffer.getvalue())


def _state(wb):
    cells = {}
    for ws in wb.worksheets:
        for key, cell in ws._cells.items():
            style = tuple(cell._style) if cell._style else None
            cells[ws.title, key] = (type(cell).__name__, cell.value, style)
    return cells, [sorted(map(str, ws.merged_cells.ranges)) for ws in wb.worksheets], list(wb._borders), list(wb._protections)


@pytest.mark.parametrize("make", [template_bytes, odd_merges_bytes])
def test_load_for_edit_loads_what_openpyxl_loads(make):
    data = make()
    ours = load_for_edit(data)
    theirs = openpyxl.load_workbook(io.BytesIO(data))
    assert _state(ours) == _state(theirs)
    assert workbook_bytes(ours) == workbook_bytes(theirs)


def test_load_for_edit_keeps_the_merges_and_their_borders():
    wb = load_for_edit(odd_merges_bytes())
    ws = wb.active
    assert sorted(map(str, ws.merged_cells.ranges)) == ["A10:A12", "A11:B13", "B2:D4", "F1:H1", "J5"]
    assert ws["B2"].value == "top-left" and ws["C3"].value is None
    assert ws["D3"].border.right.style == "thin" and ws["C4"].border.bottom.style == "thick"
    assert ws["D4"].protection.locked is False
    assert ws["K2"].comment.text == "a note"
    assert wb["second"]["A1"].value == "=SUM(1,2)"


def test_workbook_bytes_are_those_of_openpyxls_own_writer():
    for data in (template_bytes(), odd_merges_bytes()):
        assert workbook_bytes(openpyxl.load_workbook(io.BytesIO(data))) == _openpyxl_bytes(
            openpyxl.load_workbook(io.BytesIO(data))
        )


def test_opinion_rows_are_styled_cell_by_cell_as_before():
    findings = [
        Finding("03", "青塘镇", FILE, RECEIVED.sheet, RECEIVED.coordinate, "", "", "R1", "错误", "数字中不能带单位。"),
        Finding("03", "青塘镇", FILE, "", "", "", "", "duplicate", "警告", "报送了两个文件。", expected="=1+1"),
    ]
    wb = openpyxl.Workbook()
    add_opinion_sheet(wb, findings, "青塘镇")
    ws = wb["退回意见"]
    columns = table_columns(constant_fields(findings))
    for row in (3, 4):
        for col, (name, _) in enumerate(columns, start=1):
            cell = ws.cell(row, col)
            assert cell.font == BODY_FONT and cell.border == BORDER
            assert cell.alignment == (TOP_WRAP if name in WRAPPED else TOP)


def _cells(wb, sheets):
    return {
        (name, key): (cell.value, repr(cell.font), repr(cell.fill), repr(cell.border), repr(cell.alignment), repr(cell.protection))
        for name in sheets
        for key, cell in wb[name]._cells.items()
    }


def _finding(place, cell=None):
    return Finding("03", "青塘镇", FILE, place.sheet, cell or place.coordinate, "", "", "R1", "错误", "请修改。")


def _check_copy(source: bytes, out):
    annotate_copy(source, [_finding(RECEIVED), _finding(OVERVIEW, "C7")], out, year=YEAR)
    before, after = openpyxl.load_workbook(io.BytesIO(source)), openpyxl.load_workbook(out)
    assert after.sheetnames == ["退回意见", *before.sheetnames]
    for name in before.sheetnames:
        assert sorted(map(str, after[name].merged_cells.ranges)) == sorted(map(str, before[name].merged_cells.ranges))
    assert after[RECEIVED.sheet][RECEIVED.coordinate].fill.fgColor.rgb.endswith(RED)
    assert after[OVERVIEW.sheet]["A7"].comment.text == "【错误】请修改。"
    assert after[RECEIVED.sheet][RECEIVED.coordinate].value == "6件"
    return before, after


def test_the_copy_keeps_merges_values_and_styles(tmp_path):
    source = template_bytes()
    before, after = _check_copy(source, tmp_path / "copy.xlsx")
    marked = {(RECEIVED.sheet, RECEIVED_AT), (OVERVIEW.sheet, (7, 1))}
    old, new = _cells(before, before.sheetnames), _cells(after, before.sheetnames)
    assert {k: v for k, v in new.items() if k not in marked} == {k: v for k, v in old.items() if k not in marked}


def test_a_copy_marked_again_without_findings_is_the_unit_file_again(tmp_path):
    source = template_bytes()
    first = tmp_path / "first.xlsx"
    _check_copy(source, first)
    again = tmp_path / "again.xlsx"
    annotate_copy(first.read_bytes(), [], again, year=YEAR)
    before, after = openpyxl.load_workbook(io.BytesIO(source)), openpyxl.load_workbook(again)
    assert _cells(after, before.sheetnames) == _cells(before, before.sheetnames)
    assert not [c for ws in after.worksheets for c in ws._cells.values() if c.comment is not None]


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) 未安装：跳过 LibreOffice 另存文件的批注副本测试")
def test_a_file_resaved_by_libreoffice_is_marked_up_keeping_its_merges(tmp_path):
    path = tmp_path / FILE
    path.write_bytes(template_bytes())
    resaved = convert(path, tmp_path / "lo", "xlsx").read_bytes()
    out = tmp_path / "copy.xlsx"
    before, after = _check_copy(resaved, out)
    assert _state(load_for_edit(resaved)) == _state(openpyxl.load_workbook(io.BytesIO(resaved)))
    # every cell but the marked ones as in the file: the copy is made by editing the package
    # (markup_package), which keeps LibreOffice's own styles (e.g. shrinkToFit="false", which an
    # openpyxl round trip writes as no attribute)
    assert markup_package.marked_package(resaved, [], "青塘镇", year=YEAR) is not None
    marked = {(RECEIVED.sheet, RECEIVED_AT), (OVERVIEW.sheet, (7, 1))}
    old, new = _cells(before, before.sheetnames), _cells(after, before.sheetnames)
    assert {k: v for k, v in new.items() if k not in marked} == {k: v for k, v in old.items() if k not in marked}


def test_shared_strings_are_read_as_openpyxl_reads_them():
    from openpyxl.reader.strings import read_string_table

    from pipeline.workbook.loading import _string_table

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    table = f"""<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}"><si><t>a</t></si>
    <si><t xml:space="preserve"> b </t></si><si/><si><t/></si><si><t>x</t><t>y</t></si>
    <si><r><t>r1</t></r><r><rPr><b/></rPr><t>r2</t></r></si><si><t>p</t><rPh sb="0" eb="1"><t>q</t></rPh></si>
    <si><t>_x005F_x000D_</t></si><si><t>a<x xmlns="urn:x"/>b</t></si><si><t>青塘镇</t></si></sst>""".encode()
    assert _string_table(io.BytesIO(table)) == read_string_table(io.BytesIO(table))
    assert _string_table(io.BytesIO(table))[-1] == "青塘镇"
    odd = table.replace(b"<si><t>a</t></si>", b'<si unknown="1"><t>a</t></si>')
    with pytest.raises(TypeError):  # what openpyxl does with it, through the same code
        _string_table(io.BytesIO(odd))
    with pytest.raises(TypeError):
        read_string_table(io.BytesIO(odd))
