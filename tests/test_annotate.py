"""Marked-up return copies: fills, comments, the 退回意见 sheet, and the source left untouched."""

from __future__ import annotations

import hashlib
import re
import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment

from pipeline.config import Unit
from pipeline.files import fixed_timestamp, save_workbook
from pipeline.findings import Finding
from pipeline.report.display import short_message
from pipeline.forms import form_for_year
from pipeline.office import convert, find_soffice
from pipeline.workbook.annotate import annotate_copy
from pipeline.workbook.layout import defined_name, locate
from pipeline.workbook.template import build_workbook

YEAR = 2025
FORM = form_for_year(YEAR)
UNIT = Unit(code="03", name="青塘镇", full_name="青塘镇人民政府", kind="乡镇")
FILE = "03-青塘镇.xlsx"
# 单位代码, 单位 and 文件 are the same on every row of a unit's own file: 退回意见 leaves them out
HEADERS = ["工作表", "单元格", "行", "列", "规则", "级别", "说明", "期望值", "实际值", "差额", "规则代码"]
RED, YELLOW, INPUT, TOTAL = "00FFC7CE", "00FFEB9C", "00FFF2CC", "00E7E6E6"

RECEIVED = locate(FORM, "t3.received.natural")
TOTAL_CELL = locate(FORM, "t3.total.total")
ISSUED = locate(FORM, "t2.rules.issued")
CONTACT = locate(FORM, "info.contact")
OVERVIEW = locate(FORM, "text.overview")  # merged across the sheet's width


def at(place, severity, message, rule="R1", cell=None, **kw) -> Finding:
    return Finding(
        unit_code="03", unit="青塘镇", file=FILE, sheet=place.sheet if place else "",
        cell=cell or (place.coordinate if place else ""), row=kw.pop("row", ""), column=kw.pop("column", ""),
        rule=rule, severity=severity, message=message, **kw,
    )


MSG_UNIT = f"{FILE} {RECEIVED} 填写了“6件”，数字中不能带单位或文字。请改为 6。"
MSG_BIG = f"{FILE} {RECEIVED} 本年新收 6 件，比上年多 500%，请核实。"
MSG_R1 = "=SUM(A1) 勾稽关系不平衡（总计列）：相差 6。请核对本年新收数量或办理结果。"
MSG_ISSUED = "+86 本年新制发规章数量与上年相差较大，请核实。"
MSG_CONTACT = "联系人前后的空格已去掉。"
MSG_OVERVIEW = "总体情况未填写，请按要求填写。"
MSG_DUP = "青塘镇报送了两个文件，请删除其中一个后重新运行。"
MSG_NOSHEET = "工作表“附表”不是模板中的工作表。"

FINDINGS = [
    at(CONTACT, "提示", MSG_CONTACT, rule="normalized"),
    at(ISSUED, "警告", MSG_ISSUED, rule="W2"),
    at(RECEIVED, "警告", MSG_BIG, rule="W1"),
    at(RECEIVED, "错误", MSG_UNIT, rule="unit-in-number", actual="6件", expected="6"),
    at(TOTAL_CELL, "错误", MSG_R1, expected="0", actual="6", difference="6"),
    at(OVERVIEW, "错误", MSG_OVERVIEW, rule="text-missing", cell="C7"),  # inside the merged range
    at(None, "错误", MSG_DUP, rule="duplicate"),
    Finding("03", "青塘镇", FILE, "附表", "B2", "", "", "layout-changed", "警告", MSG_NOSHEET),
]


@pytest.fixture
def source(tmp_path):
    """The unit's returned file: our template, filled in by a clerk."""
    path = tmp_path / "inbox" / FILE
    save_workbook(build_workbook(FORM, YEAR, UNIT), path)
    wb = openpyxl.load_workbook(path)
    wb[RECEIVED.sheet][RECEIVED.coordinate] = "6件"
    wb[ISSUED.sheet][ISSUED.coordinate] = 3
    wb[ISSUED.sheet][ISSUED.coordinate].comment = Comment("按文件数统计", "张三")
    wb[CONTACT.sheet][CONTACT.coordinate] = " 张三 "
    save_workbook(wb, path)
    return path


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def marked(tmp_path, source):
    before = sha256(source)
    out = tmp_path / "退回修改" / FILE
    annotate_copy(source, FINDINGS, out, year=YEAR)
    assert sha256(source) == before  # the inbox file is only read
    return openpyxl.load_workbook(out)


def cell(wb, place, coordinate=None):
    return wb[place.sheet][coordinate or place.coordinate]


def test_findings_colour_their_cells_most_severe_wins(marked):
    assert cell(marked, RECEIVED).fill.fgColor.rgb == RED  # an error and a warning: red
    assert cell(marked, TOTAL_CELL).fill.fgColor.rgb == RED
    assert cell(marked, ISSUED).fill.fgColor.rgb == YELLOW
    assert cell(marked, CONTACT).fill.fgColor.rgb == INPUT  # a notice: comment only, the fill stays
    assert cell(marked, OVERVIEW, "A7").fill.fgColor.rgb == RED  # top-left of the merged range
    assert cell(marked, locate(FORM, "t3.received.commercial")).fill.fgColor.rgb == INPUT  # untouched


def test_comments_hold_the_messages(marked):
    received = cell(marked, RECEIVED).comment
    assert received.author == "县政府信息公开主管部门"
    assert received.text == f"【错误】{MSG_UNIT}\n【警告】{MSG_BIG}"
    assert cell(marked, TOTAL_CELL).comment.text == f"【错误】{MSG_R1}"
    assert cell(marked, CONTACT).comment.text == f"【提示】{MSG_CONTACT}"
    assert cell(marked, OVERVIEW, "A7").comment.text == f"【错误】{MSG_OVERVIEW}"
    # the clerk's own comment stays, below ours
    assert cell(marked, ISSUED).comment.text == f"【警告】{MSG_ISSUED}\n——原批注（张三）：按文件数统计"
    commented = [c.coordinate for ws in marked.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert len(commented) == 5


def test_comment_boxes_are_sized(tmp_path, source):
    out = tmp_path / "out.xlsx"
    annotate_copy(source, FINDINGS, out, year=YEAR)
    with zipfile.ZipFile(out) as archive:
        vml = "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".vml"))
    sizes = re.findall(r"width:(\d+)px;height:(\d+)px", vml)
    assert len(sizes) == 5
    assert all(w == "360" and 60 <= int(h) <= 600 for w, h in sizes)


def test_values_protection_and_marks_survive(marked, source):
    assert cell(marked, RECEIVED).value == "6件"
    assert cell(marked, TOTAL_CELL).value.startswith("=SUM(")
    for name in ("二、主动公开", "三、依申请公开", "基本信息", "一、总体情况"):
        assert marked[name].protection.sheet is True
    assert defined_name("t3.received.natural") in marked.defined_names
    assert marked["_nianbao"].sheet_state == "hidden"
    assert marked.properties.created == marked.properties.modified == fixed_timestamp(YEAR)


def test_opinion_sheet_first_active_and_lists_every_finding(marked, source):
    assert marked.sheetnames[0] == "退回意见"
    assert marked.sheetnames[1:] == openpyxl.load_workbook(source).sheetnames
    assert marked.active.title == "退回意见"
    assert [ws.title for ws in marked.worksheets if ws.sheet_view.tabSelected] == ["退回意见"]
    ws = marked["退回意见"]
    assert ws["A1"].value == "青塘镇：本文件有 4 个错误、3 个警告，请按下列意见修改后重新报送。"
    assert [c.value for c in ws[2]] == HEADERS
    assert ws.freeze_panes == "A3"
    messages = [ws.cell(r, 7).value for r in range(3, ws.max_row + 1)]
    assert sorted(messages) == sorted(short_message(f) for f in FINDINGS)  # those without a cell too
    assert [ws.cell(r, 6).value for r in range(3, ws.max_row + 1)] == ["错误"] * 4 + ["警告"] * 3 + ["提示"]
    assert ws.cell(3 + messages.index(MSG_R1), 7).data_type == "s"
    assert (ws.page_setup.orientation, ws.print_title_rows) == ("landscape", "$2:$2")


def test_no_formula_elements_in_the_opinion_sheet(tmp_path, source):
    out = tmp_path / "out.xlsx"
    annotate_copy(source, FINDINGS, out, year=YEAR)
    with zipfile.ZipFile(out) as archive:
        sheet1 = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")  # 退回意见 is first
    assert "退回意见" in zipfile.ZipFile(out).read("xl/workbook.xml").decode("utf-8").split("<sheet ")[1]
    assert "<f>" not in sheet1 and "<f " not in sheet1


def test_output_bytes_are_stable(tmp_path, source):
    first, second = tmp_path / "a" / FILE, tmp_path / "b" / FILE
    annotate_copy(source, FINDINGS, first, year=YEAR)
    annotate_copy(source, list(reversed(FINDINGS)), second, year=YEAR)
    assert first.read_bytes() == second.read_bytes()


def test_findings_without_cells_only_on_the_opinion_sheet(tmp_path, source):
    out = tmp_path / "out.xlsx"
    annotate_copy(source, [FINDINGS[-2], FINDINGS[-1]], out, year=YEAR)
    wb = openpyxl.load_workbook(out)
    assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment and c.comment.author != "张三"]
    assert wb["退回意见"]["A1"].value == "青塘镇：本文件有 1 个错误、1 个警告，请按下列意见修改后重新报送。"
    assert wb["退回意见"].max_row == 4


def test_marking_a_returned_marked_copy_again_replaces_the_old_marks(tmp_path, source):
    first = tmp_path / "round1" / FILE
    annotate_copy(source, FINDINGS, first, year=YEAR)
    second = tmp_path / "round2" / FILE
    annotate_copy(first, [FINDINGS[1]], second, year=YEAR)  # the unit fixed all but one
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count("退回意见") == 1 and wb.sheetnames[0] == "退回意见"
    assert wb["退回意见"]["A1"].value == "青塘镇：本文件有 0 个错误、1 个警告，请按下列意见修改后重新报送。"
    assert cell(wb, RECEIVED).comment is None
    assert cell(wb, RECEIVED).fill.fgColor.rgb == INPUT  # the template's colour is back
    assert cell(wb, TOTAL_CELL).fill.fgColor.rgb == TOTAL
    assert cell(wb, OVERVIEW, "A7").fill.fgColor.rgb == INPUT
    assert cell(wb, CONTACT).comment is None
    assert cell(wb, ISSUED).comment.text == f"【警告】{MSG_ISSUED}\n——原批注（张三）：按文件数统计"
    again = tmp_path / "round3" / FILE
    annotate_copy(second, [], again, year=YEAR)
    restored = cell(openpyxl.load_workbook(again), ISSUED).comment
    assert (restored.text, restored.author) == ("按文件数统计", "张三")


def test_refuses_to_overwrite_the_source(source):
    before = sha256(source)
    with pytest.raises(ValueError):
        annotate_copy(source, FINDINGS, source, year=YEAR)
    assert sha256(source) == before


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) 未安装：跳过用 LibreOffice 打开批注副本的测试")
def test_comments_survive_libreoffice(tmp_path, source):
    out = tmp_path / "退回修改" / FILE
    annotate_copy(source, FINDINGS, out, year=YEAR)
    converted = convert(out, tmp_path / "lo", "xlsx")
    wb = openpyxl.load_workbook(converted)
    assert wb.sheetnames[0] == "退回意见"
    assert MSG_UNIT in cell(wb, RECEIVED).comment.text
    assert MSG_BIG in cell(wb, RECEIVED).comment.text
    assert MSG_R1 in cell(wb, TOTAL_CELL).comment.text
    assert MSG_OVERVIEW in cell(wb, OVERVIEW, "A7").comment.text
    assert cell(wb, RECEIVED).fill.fgColor.rgb.endswith("FFC7CE")
    assert cell(wb, ISSUED).fill.fgColor.rgb.endswith("FFEB9C")


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) 未安装：跳过用 LibreOffice 另存批注副本的测试")
def test_a_copy_fixed_and_saved_in_libreoffice_loses_last_rounds_marks(tmp_path, source):
    """Regression: LibreOffice saves a comment's author blank, and the copy was told from the unit's
    own comments by its author only: last round's comments stayed (on a cell already fixed, and
    copied below the new one as "——原批注（ ）：【错误】…") and so did their fills."""
    first = tmp_path / "round1" / FILE
    annotate_copy(source, FINDINGS, first, year=YEAR)
    saved = convert(first, tmp_path / "lo", "xlsx")  # the township fixed it in LibreOffice
    assert cell(openpyxl.load_workbook(saved), RECEIVED).comment.author != "县政府信息公开主管部门"
    second = tmp_path / "round2" / FILE
    annotate_copy(saved, [FINDINGS[1]], second, year=YEAR)
    wb = openpyxl.load_workbook(second)
    assert cell(wb, RECEIVED).comment is None
    assert cell(wb, RECEIVED).fill.fgColor.rgb.endswith(INPUT[-6:])
    assert cell(wb, TOTAL_CELL).comment is None
    issued = cell(wb, ISSUED).comment.text
    assert issued.startswith(f"【警告】{MSG_ISSUED}") and issued.count("【") == 1
    assert issued.endswith("按文件数统计")  # the unit's own comment stays


@pytest.mark.parametrize("author", ["张三", " "])
def test_a_unit_s_own_comment_that_begins_like_ours_stays_unless_its_author_is_blank(tmp_path, source, author):
    """Regression (a review): "【提示】联系电话为党政办座机" written by 张三 was taken for last round's
    mark and removed. Only a blank author (LibreOffice's re-save of our copy) lets the text decide."""
    wb = openpyxl.load_workbook(source)
    own = "【提示】联系电话为党政办座机，工作日可接听"
    wb[TOTAL_CELL.sheet]["N5"].comment = Comment(own, author)
    save_workbook(wb, source)
    out = tmp_path / "out" / FILE
    annotate_copy(source, FINDINGS, out, year=YEAR)
    kept = cell(openpyxl.load_workbook(out), TOTAL_CELL, "N5").comment
    assert (kept is not None and kept.text == own) == (author == "张三")


# --- built from the bytes that were checked (issue 12) ------------------------------------------------


def test_the_copy_is_built_from_the_given_bytes_not_the_path(tmp_path, source):
    checked = source.read_bytes()
    from_path = tmp_path / "a" / FILE
    annotate_copy(source, FINDINGS, from_path, year=YEAR)
    other = build_workbook(FORM, YEAR, Unit(code="05", name="龙潭乡", full_name="龙潭乡人民政府", kind="乡镇"))
    save_workbook(other, source)  # replaced by another unit's file after it was checked
    from_bytes = tmp_path / "b" / FILE
    annotate_copy(checked, FINDINGS, from_bytes, year=YEAR)
    assert from_bytes.read_bytes() == from_path.read_bytes()


def test_a_file_replaced_during_the_run_is_copied_as_checked_with_a_warning(tmp_path):
    from helpers import FORM_2021, QINGTANG, county, write_report
    from pipeline.batch import FAILED, run_batch
    from pipeline.outputs import FINDINGS_XLSX, RETURNS_DIR, write_outputs
    from pipeline.run import note_changed_files

    config = county(tmp_path)
    path = write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG, changes={"t3.received.natural": "6件"})
    result = run_batch(config)
    assert result.unit("03").status == FAILED
    write_report(path, FORM_2021, unit=QINGTANG, changes={"t3.received.natural": "七"})  # the clerk's next version
    note_changed_files(result)
    write_outputs(result, config)
    # the copy is made from the bytes that were checked, never from the file now in the inbox
    copy = openpyxl.load_workbook(config.output / str(config.year) / RETURNS_DIR / "03-青塘镇.xlsx")
    values = {c.value for ws in copy.worksheets for row in ws.iter_rows() for c in row}
    assert "6件" in values and "七" not in values
    changed = [f for f in result.unit("03").findings if f.rule == "changed-during-run"]
    assert [(f.severity, f.file) for f in changed] == [("警告", "03-青塘镇.xlsx")]
    assert "在本次运行读取之后被修改、移走或删除" in changed[0].message
    listed = openpyxl.load_workbook(config.output / str(config.year) / FINDINGS_XLSX).worksheets[0]
    assert any("在本次运行读取之后被修改" in str(c.value) for row in listed.iter_rows() for c in row)


def test_an_unchanged_failing_file_gets_its_copy(tmp_path):
    from helpers import FORM_2021, QINGTANG, county, write_report
    from pipeline.batch import run_batch
    from pipeline.outputs import RETURNS_DIR, write_outputs

    config = county(tmp_path)
    write_report(config.inbox / "03-青塘镇.xlsx", FORM_2021, unit=QINGTANG, changes={"t3.received.natural": "6件"})
    result = run_batch(config)
    write_outputs(result, config)
    assert (config.output / str(config.year) / RETURNS_DIR / "03-青塘镇.xlsx").exists()
    assert not [f for f in result.findings if f.rule == "changed-during-run"]
