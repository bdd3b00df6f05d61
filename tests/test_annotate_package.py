"""The marked-up copy made by editing the package (`markup_package`) shows a clerk what the openpyxl
path shows, leaves every other part of the file as it was, and gives way to the openpyxl path
whenever the file is not the simple case."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from pipeline.batch import FAILED, run_batch
from pipeline.bench import _unit, write_unit_file
from pipeline.config import CountyConfig
from pipeline.office import convert, find_soffice
from pipeline.report.findings_order import ordered
from pipeline.workbook import markup_package
from pipeline.workbook.annotate import _annotate_with_openpyxl, annotate_copy
from pipeline.workbook.markup_package import marked_package

needs_office = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) 未安装：跳过需要 LibreOffice 的测试")
MISTAKEN = (9, 19)  # bench units whose files carry the demo's mistakes


# --- inputs: mistaken bench files of both formats, and their findings ------------------------------


def _mistaken_files(root: Path, year: int) -> list[tuple[str, bytes, list]]:
    roster = tuple(_unit(year, i) for i in range(max(MISTAKEN) + 1))
    config = CountyConfig(county="基准县", year=year, inbox=root / str(year), output=root / f"out{year}", history=None,
                          deadline=None, units=roster, path=root / f"{year}.toml")
    config.inbox.mkdir(parents=True)
    for i in MISTAKEN:
        write_unit_file(config.inbox / f"{roster[i].code}-{roster[i].name}.xlsx", year, roster[i], i, 0)
    result = run_batch(config)
    return [(u.unit.name, u.source_bytes(), ordered(u.findings)) for u in result.units if u.status == FAILED]


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """(label, year, unit, source bytes, findings) of mistaken bench files, 2025 and 2019."""
    root = tmp_path_factory.mktemp("bench")
    found = []
    for year in (2025, 2019):
        for k, (unit, data, findings) in enumerate(_mistaken_files(root, year)):
            found.append((f"{year}-{k}", year, unit, data, findings))
    assert {c[1] for c in found} == {2025, 2019} and len(found) >= 3
    return found


@pytest.fixture(scope="module")
def office_cases(cases, tmp_path_factory):
    """The first mistaken file of each year as LibreOffice re-saves it."""
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) 未安装")
    root = tmp_path_factory.mktemp("office")
    resaved = []
    for year in (2025, 2019):
        label, _, unit, data, findings = next(c for c in cases if c[1] == year)
        path = root / f"{label}.xlsx"
        path.write_bytes(data)
        resaved.append((f"lo-{label}", year, unit, convert(path, root / label, "xlsx").read_bytes(), findings))
    return resaved


def _both(tmp_path: Path, case, tag: str = "") -> tuple[Path, Path]:
    label, year, unit, data, findings = case
    label += tag
    fast = marked_package(data, findings, unit, year=year)
    assert fast is not None, f"{label}: the package path was not taken"
    fast_path, slow_path = tmp_path / f"{label}-fast.xlsx", tmp_path / f"{label}-openpyxl.xlsx"
    fast_path.write_bytes(fast)
    _annotate_with_openpyxl(data, findings, unit, slow_path, year)
    return fast_path, slow_path


# --- what a clerk sees -------------------------------------------------------------------------------


def _colour(colour) -> tuple:
    return (colour.type, colour.value, colour.tint) if colour is not None else (None,)


def _side(side) -> tuple:
    return (side.style, _colour(side.color)) if side is not None else (None,)


def _cell_view(cell) -> tuple:
    font, fill, border, align, prot = cell.font, cell.fill, cell.border, cell.alignment, cell.protection
    comment = cell.comment
    return (
        cell.value,
        (fill.fill_type, _colour(fill.fgColor), _colour(fill.bgColor)) if fill.fill_type else None,
        (font.name, font.sz, bool(font.b), bool(font.i), font.u, bool(font.strike), _colour(font.color), font.vertAlign),
        tuple(_side(getattr(border, name)) for name in ("left", "right", "top", "bottom", "diagonal")),
        (align.horizontal, align.vertical, bool(align.wrap_text), bool(align.shrink_to_fit), align.indent or 0,
         align.text_rotation or 0),
        (prot.locked is not False, bool(prot.hidden)),
        cell.number_format,
        (comment.text, comment.author, comment.width, comment.height) if comment is not None else None,
    )


_BLANK = _cell_view(openpyxl.Workbook().active["A1"])


def _sheet_view(ws) -> dict:
    cells = {}
    for key, cell in ws._cells.items():
        view = _cell_view(cell)
        if view != _BLANK:
            cells[key] = view
    return {
        "cells": cells,
        "merged": sorted(map(str, ws.merged_cells.ranges)),
        "state": ws.sheet_state,
        "selected": bool(ws.sheet_view.tabSelected),
        "freeze": ws.freeze_panes,
        "print": (ws.print_title_rows, ws.print_title_cols, ws.print_area, ws.page_setup.orientation,
                  ws.page_setup.paperSize),
        "local names": sorted((n.name, n.value) for n in ws.defined_names.values()),
        "widths": {k: (d.width, bool(d.hidden)) for k, d in ws.column_dimensions.items() if d.customWidth or d.hidden},
        "heights": {k: (d.height, bool(d.hidden)) for k, d in ws.row_dimensions.items() if d.height or d.hidden},
        "validations": sorted((str(v.sqref), v.type, v.formula1, v.formula2, v.operator, bool(v.allow_blank),
                               bool(v.showErrorMessage), v.error, v.prompt) for v in ws.data_validations.dataValidation),
        "protection": (bool(ws.protection.sheet), ws.protection.password, bool(ws.protection.formatCells)),
    }


def clerk_view(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {
        "sheets": wb.sheetnames,
        "active": wb.active.title,
        "names": sorted((n.name, n.value, n.localSheetId) for n in wb.defined_names.values()),
        **{f"sheet {ws.title}": _sheet_view(ws) for ws in wb.worksheets},
        "created": (wb.properties.created, wb.properties.modified),
    }


def differences(a: dict, b: dict) -> list[str]:
    found = []
    for key in sorted(set(a) | set(b)):
        if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
            found += [f"{key}/{d}" for d in differences(a[key], b[key])]
        elif a.get(key) != b.get(key):
            found.append(f"{key}: {a.get(key)!r} != {b.get(key)!r}")
    return found


# --- the copies are equal ---------------------------------------------------------------------------


def test_package_copy_shows_what_the_openpyxl_copy_shows(tmp_path, cases):
    for case in cases:
        fast, slow = _both(tmp_path, case)
        assert differences(clerk_view(fast), clerk_view(slow)) == [], case[0]


@needs_office
def test_a_file_resaved_by_libreoffice_too(tmp_path, office_cases):
    for case in office_cases:
        fast, slow = _both(tmp_path, case)
        assert differences(clerk_view(fast), clerk_view(slow)) == [], case[0]


def test_the_comparison_sees_a_broken_package_path(tmp_path, cases, monkeypatch):
    fast, slow = _both(tmp_path, cases[0])
    assert differences(clerk_view(fast), clerk_view(slow)) == []
    swapped = dict(zip(markup_package.FILLS, reversed(list(markup_package.FILLS.values()))))
    monkeypatch.setattr(markup_package, "FILLS", swapped)
    fast, slow = _both(tmp_path, cases[0], "-swapped")
    assert any("cells" in d for d in differences(clerk_view(fast), clerk_view(slow)))
    monkeypatch.undo()
    monkeypatch.setattr(markup_package, "_shift_local_names", lambda workbook, names: None)
    fast, slow = _both(tmp_path, cases[0], "-unshifted")
    assert any(d.startswith(("names", "sheet ")) for d in differences(clerk_view(fast), clerk_view(slow)))


def test_marks_and_opinion_sheet(tmp_path, cases):
    label, year, unit, data, findings = cases[0]
    out = tmp_path / "copy.xlsx"
    annotate_copy(data, findings, out, year=year, unit=unit)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "退回意见" and wb.active.title == "退回意见"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["退回意见"]
    comments = [c.comment for ws in wb.worksheets for c in ws._cells.values() if c.comment is not None]
    assert comments and all(c.author == "县政府信息公开主管部门" for c in comments)
    with zipfile.ZipFile(out) as archive:  # openpyxl reads no box size back: the VML holds it
        vml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".vml"))
    sizes = re.findall(r"width:(\d+)px;height:(\d+)px", vml)
    assert len(sizes) == len(comments) and all(w == "360" and 60 <= int(h) <= 600 for w, h in sizes)
    assert wb["退回意见"].print_title_rows == "$2:$2"


# --- the rest of the package ------------------------------------------------------------------------


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_untouched_members_are_byte_identical(cases):
    for label, year, unit, data, findings in cases:
        before, after = _members(data), _members(marked_package(data, findings, unit, year=year))
        marked_sheets = {f.sheet for f in findings if f.sheet and f.cell}
        changed = {name for name in before if after[name] != before[name]}
        sheets = {name for name in changed if name.startswith("xl/worksheets/sheet")}
        assert changed - sheets <= {"xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                    "[Content_Types].xml", "docProps/core.xml"}, label
        assert len(sheets) <= len(marked_sheets) + 1, label  # the marked ones and the one selected before
        assert len(before) - len(changed) >= 8, label
        assert set(before) <= set(after)


def test_changed_parts_declare_xml_as_office_does(cases):
    for label, year, unit, data, findings in cases:
        before, after = _members(data), _members(marked_package(data, findings, unit, year=year))
        for name, content in after.items():
            if name.endswith((".xml", ".rels")) and before.get(name) != content and content.startswith(b"<?xml"):
                assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"'), (label, name, content[:60])


def test_same_inputs_same_bytes(tmp_path, cases):
    label, year, unit, data, findings = cases[0]
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    annotate_copy(data, findings, first, year=year, unit=unit)
    annotate_copy(data, list(reversed(findings)), second, year=year, unit=unit)
    assert first.read_bytes() == second.read_bytes() == marked_package(data, findings, unit, year=year)


@needs_office
def test_the_copy_opens_in_libreoffice(tmp_path, cases):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler (pdftotext) 未安装")
    label, year, unit, data, findings = cases[0]
    out = tmp_path / "copy.xlsx"
    out.write_bytes(marked_package(data, findings, unit, year=year))
    pdf = convert(out, tmp_path / "pdf", "pdf")
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert text.strip().startswith(f"{unit}：本文件有")


# --- the openpyxl path when the file is not the simple case --------------------------------------------


def _edited(data: bytes, name: str, edit) -> bytes:
    """The package with member `name` replaced by edit(its bytes) (edit returning None removes it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == name:
                content = edit(content)
            if content is not None:
                target.writestr(info, content)
    return out.getvalue()


def _resaved(data: bytes, change) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    change(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _marked_sheet_part(data: bytes, findings) -> str:
    sheet = next(f.sheet for f in findings if f.sheet and f.cell)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rel_id = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="(\w+)"', workbook).group(1)
    target = re.search(rf'Target="([^"]+)" Id="{rel_id}"', rels).group(1)
    return target.lstrip("/")


def _first_commented(wb, findings, author):
    finding = next(f for f in findings if f.sheet and f.cell)
    wb[finding.sheet][finding.cell].comment = Comment("备注", author)


def _unmarked_commented(wb, findings, author):
    marked = {f.sheet for f in findings}
    ws = next(ws for ws in wb.worksheets if ws.title not in marked)
    ws["A1"].comment = Comment("备注", author)


def _marked_row(data: bytes, findings, change) -> bytes:
    """The package with change(the <row> element text) applied to the row of the first marked cell."""
    finding = next(f for f in findings if f.sheet and f.cell)
    row = re.sub(r"[A-Z$]", "", finding.cell.split(":")[0])

    def edit(xml: bytes) -> bytes:
        edited, count = re.subn(rb'(<row r="%s"[^>]*>.*?</row>)' % row.encode(), lambda m: change(m.group(1)), xml,
                                count=1, flags=re.DOTALL)
        assert count == 1
        return edited

    return _edited(data, _marked_sheet_part(data, findings), edit)


FALLBACKS = {
    "row with an extension list": lambda data, findings: _marked_row(
        data, findings, lambda row: row.replace(b"</row>", b'<extLst><ext uri="{X}"/></extLst></row>')),
    "row spanning several ranges": lambda data, findings: _marked_row(
        data, findings, lambda row: re.sub(rb' spans="[^"]*"', b"", row, count=1).replace(b"<row ", b'<row spans="1:1 30:31" ', 1)),
    "earlier opinion sheet": lambda data, findings: _resaved(data, lambda wb: wb.create_sheet("退回意见")),
    "our comment on an unmarked sheet": lambda data, findings: _resaved(
        data, lambda wb: _unmarked_commented(wb, findings, "县政府信息公开主管部门")),
    "marked sheet with comments": lambda data, findings: _resaved(data, lambda wb: _first_commented(wb, findings, "张三")),
    "marked sheet with a legacy drawing": lambda data, findings: _edited(
        data, _marked_sheet_part(data, findings),
        lambda xml: xml.replace(b"</worksheet>", b'<legacyDrawing xmlns:r="http://schemas.openxmlformats.org/'
                                                b'officeDocument/2006/relationships" r:id="rIdX"/></worksheet>')),
    "missing sheet part": lambda data, findings: _edited(data, _marked_sheet_part(data, findings), lambda xml: None),
    "missing styles": lambda data, findings: _edited(data, "xl/styles.xml", lambda xml: None),
    "macro-enabled": lambda data, findings: _edited(
        data, "[Content_Types].xml", lambda xml: xml.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")),
    "strict OOXML": lambda data, findings: _edited(
        data, "xl/workbook.xml", lambda xml: xml.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                                         b"http://purl.oclc.org/ooxml/spreadsheetml/main")),
}


@pytest.mark.parametrize("kind", sorted(FALLBACKS))
def test_fallback_to_openpyxl(tmp_path, cases, kind):
    label, year, unit, data, findings = cases[0]
    assert marked_package(data, findings, unit, year=year) is not None
    odd = FALLBACKS[kind](data, findings)
    assert marked_package(odd, findings, unit, year=year) is None


def test_a_clerks_comment_on_an_unmarked_sheet_keeps_the_package_path(tmp_path, cases):
    label, year, unit, data, findings = cases[0]
    commented = _resaved(data, lambda wb: _unmarked_commented(wb, findings, "张三"))
    fast, slow = _both(tmp_path, (label, year, unit, commented, findings))
    assert differences(clerk_view(fast), clerk_view(slow)) == []
    assert any(c.comment is not None and c.comment.author == "张三"
               for ws in openpyxl.load_workbook(fast).worksheets for c in ws._cells.values())


def test_an_error_while_editing_falls_back(tmp_path, cases, monkeypatch):
    label, year, unit, data, findings = cases[0]

    def broken(*args):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(markup_package._Styles, "marked", broken)
    assert marked_package(data, findings, unit, year=year) is None
    out = tmp_path / "copy.xlsx"
    annotate_copy(data, findings, out, year=year, unit=unit)  # the openpyxl path
    assert openpyxl.load_workbook(out).sheetnames[0] == "退回意见"


def test_a_package_copy_sent_back_is_marked_again_through_openpyxl(tmp_path, cases):
    label, year, unit, data, findings = cases[0]
    first = marked_package(data, findings, unit, year=year)
    assert marked_package(first, findings[:1], unit, year=year) is None  # our comments and sheet: fallback
    again = tmp_path / "again.xlsx"
    annotate_copy(first, [], again, year=year, unit=unit)
    wb = openpyxl.load_workbook(again)
    assert wb.sheetnames.count("退回意见") == 1
    assert not [c for ws in wb.worksheets for c in ws._cells.values() if c.comment is not None]
    marked = [c for ws in wb.worksheets[1:] for c in ws._cells.values()
              if c.fill.fill_type and str(c.fill.fgColor.rgb)[-6:] in ("FFC7CE", "FFEB9C")]
    assert marked == []


# --- docProps/app.xml's sheet list -------------------------------------------------------------------

APP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


def _excel_app_xml(sheets: list[str], sheet_count: int) -> bytes:
    """docProps/app.xml as Excel writes it: the worksheets, then one named range."""
    titles = "".join(f"<vt:lpstr>{name}</vt:lpstr>" for name in [*sheets, "打印区域"])
    return (f'<Properties xmlns="{APP}" xmlns:vt="{VT}"><Application>Microsoft Excel</Application><HeadingPairs>'
            f'<vt:vector size="4" baseType="variant"><vt:variant><vt:lpstr>工作表</vt:lpstr></vt:variant>'
            f'<vt:variant><vt:i4>{sheet_count}</vt:i4></vt:variant><vt:variant><vt:lpstr>已命名范围</vt:lpstr>'
            f'</vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts>'
            f'<vt:vector size="{len(sheets) + 1}" baseType="lpstr">{titles}</vt:vector></TitlesOfParts>'
            f'</Properties>').encode()


def _app_lists(data: bytes) -> tuple[list[str], list[str]]:
    app = _members(data)["docProps/app.xml"].decode()
    return re.findall(r"<vt:i4>(\d+)</vt:i4>", app), re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", app)


def test_the_sheet_list_of_app_xml_gets_the_opinion_sheet_first(cases):
    label, year, unit, data, findings = cases[0]
    sheets = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    excel = _edited(data, "docProps/app.xml", lambda xml: _excel_app_xml(sheets, len(sheets)))
    counts, titles = _app_lists(marked_package(excel, findings, unit, year=year))
    assert counts == [str(len(sheets) + 1), "1"]
    assert titles == ["工作表", "已命名范围", "退回意见", *sheets, "打印区域"]
    assert f'size="{len(sheets) + 2}"' in _members(marked_package(excel, findings, unit, year=year))["docProps/app.xml"].decode()


def test_a_sheet_list_that_does_not_add_up_is_left_out(cases):
    label, year, unit, data, findings = cases[0]
    sheets = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    odd = _edited(data, "docProps/app.xml", lambda xml: _excel_app_xml(sheets, len(sheets) - 2))
    app = _members(marked_package(odd, findings, unit, year=year))["docProps/app.xml"].decode()
    assert "HeadingPairs" not in app and "TitlesOfParts" not in app and "Microsoft Excel" in app
