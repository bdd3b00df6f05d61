"""Reading returned workbooks from real files: as written by openpyxl, as re-saved by LibreOffice,
damaged, altered, of another format, or not workbooks at all."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from helpers import FORM_2019, FORM_2021, expected_values, good_texts, needs_office, write_report
from pipeline.forms.spec import ERROR, NOTICE, WARNING
from pipeline.office import convert, find_soffice
from pipeline.workbook import layout
from pipeline.workbook.reader import OLE2_MAGIC, read_workbook

T3 = "三、依申请公开"

# The workbook of the LibreOffice round trip: the careful clerk's report with three typing slips.
SLIPS = {"t2.rules.issued": "/", "t3.disclosed.commercial": "6件", "t2.rules.repealed": "=1+2"}
SLIP_FINDINGS = [
    (ERROR, "placeholder", "二、主动公开", "B6",
     "03-青塘镇.xlsx 二、主动公开!B6 规章／本年制发件数：填写的是“/”。无数据请填0，不要用“/”“-”“无”等符号代替。"),
    (ERROR, "formula-no-value", "二、主动公开", "C6",
     "03-青塘镇.xlsx 二、主动公开!C6 规章／本年废止件数：单元格中是公式“=1+2”，文件没有保存计算结果。请直接填写数字。"),
    (ERROR, "unit-in-number", T3, "E9",
     "03-青塘镇.xlsx 三、依申请公开!E9 （一）予以公开／商业企业：填写的是“6件”，数字单元格中不能带单位或文字，请改为 6。"),
]


def summary(findings):
    return [(f.severity, f.rule, f.sheet, f.cell, f.message) for f in findings]


def defined_places(path: Path) -> dict[str, tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    places = {}
    for name in wb.defined_names:
        if name.startswith("NB_"):
            (sheet, ref), = list(wb.defined_names[name].destinations)
            places[name] = (sheet, ref.replace("$", ""))
    return places


def stored_cell(path: Path, sheet: str, coordinate: str) -> tuple[str, str]:
    """How a cell is stored in the file: its type attribute ("s" shared string, "inlineStr" …) and its text."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rid = next(s.get(rel_ns) for s in workbook.iterfind("m:sheets/m:sheet", ns) if s.get("name") == sheet)
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        xml = ElementTree.fromstring(archive.read(part))
        cell = next(c for c in xml.iterfind(".//m:c", ns) if c.get("r") == coordinate)
        kind = cell.get("t", "n")
        if kind == "s":
            strings = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            item = list(strings)[int(cell.find("m:v", ns).text)]
            return kind, "".join(t.text or "" for t in item.iter(f"{{{ns['m']}}}t"))
        if kind == "inlineStr":
            return kind, "".join(t.text or "" for t in cell.iter(f"{{{ns['m']}}}t"))
        return kind, cell.find("m:v", ns).text


# --- files written by openpyxl and re-saved by LibreOffice ----------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Two returned workbooks as openpyxl writes them (no cached formula results): clean, and with slips."""
    folder = tmp_path_factory.mktemp("openpyxl")
    clean = write_report(folder / "clean" / "03-青塘镇.xlsx", FORM_2021)
    slips = write_report(folder / "slips" / "03-青塘镇.xlsx", FORM_2021, changes=SLIPS)
    return clean, slips


@pytest.fixture(scope="module")
def resaved(written, tmp_path_factory):
    """The same two workbooks after LibreOffice opened and saved them (converted in parallel, once)."""
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) 未安装：跳过 LibreOffice 另存的测试")
    folder = tmp_path_factory.mktemp("libreoffice")
    targets = [folder / "clean", folder / "slips"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return tuple(pool.map(lambda pair: convert(pair[0], pair[1], "xlsx"), zip(written, targets)))


def test_openpyxl_workbook_totals_are_computed_from_their_parts(written):
    clean, _ = written
    submission = read_workbook(clean)
    assert submission.readable and submission.marked and submission.by_names
    assert (submission.form.id, submission.year, submission.unit_code, submission.unit_name) == ("gov2021", 2025, "03", "青塘镇")
    assert submission.findings == []
    assert isinstance(submission.raw["t3.total.total"], str) and submission.raw["t3.total.total"].startswith("=SUM(")
    assert submission.values == expected_values(FORM_2021)
    assert submission.values["t3.total.total"] == 6 and submission.values["t4.review.total"] == 2
    assert submission.texts == {"text.preface": ""} | good_texts(FORM_2021, 2025)
    assert submission.info["info.contact"] == "李华" and submission.info["info.year"] == 2025


@needs_office
def test_libreoffice_resave_reads_the_same(written, resaved):
    before, after = read_workbook(written[0]), read_workbook(resaved[0])
    assert after.values == before.values == expected_values(FORM_2021)
    assert (after.form, after.year, after.unit_code, after.unit_name, after.marked, after.by_names) == (
        before.form, before.year, before.unit_code, before.unit_name, True, True)
    assert after.texts == before.texts and after.info == before.info
    assert after.findings == []
    # the cached results are what the reader now uses for the totals
    cached = openpyxl.load_workbook(resaved[0], data_only=True)
    place = layout.locate(FORM_2021, "t3.total.total")
    assert cached[place.sheet][place.coordinate].value == 6


@needs_office
def test_libreoffice_keeps_marks_and_defined_names(written, resaved):
    assert defined_places(resaved[0]) == defined_places(written[0])
    assert len(defined_places(resaved[0])) == len(layout.all_keys(FORM_2021))
    meta = openpyxl.load_workbook(resaved[0])[layout.META_SHEET]
    assert meta.sheet_state == "hidden"
    assert {row[0]: row[1] for row in meta.iter_rows(values_only=True)}["unit_code"] == "03"


def test_input_formula_without_cached_value(written):
    submission = read_workbook(written[1])
    assert summary(submission.findings) == SLIP_FINDINGS
    assert "t2.rules.repealed" not in submission.values
    assert submission.raw["t2.rules.repealed"] == "=1+2"
    (finding,) = [f for f in submission.findings if f.rule == "formula-no-value"]
    assert (finding.row, finding.column, finding.actual) == ("规章", "本年废止件数", "=1+2")


@needs_office
def test_input_formula_with_a_saved_result_is_still_an_error(resaved):
    """Issue 12: an input cell must hold a typed figure; a formula's saved result is not accepted,
    only used provisionally by the rules (was: the result 3 was accepted silently)."""
    submission = read_workbook(resaved[1])
    assert "t2.rules.repealed" not in submission.values
    assert submission.rule_values["t2.rules.repealed"] == 3
    formula_finding = (
        ERROR, "formula-in-input", "二、主动公开", "C6",
        "03-青塘镇.xlsx 二、主动公开!C6 规章／本年废止件数：单元格中是公式“=1+2”（显示为 3），这里应直接填写数字。请删除公式，直接填写数字。",
    )
    assert summary(submission.findings) == [f if f[1] != "formula-no-value" else formula_finding for f in SLIP_FINDINGS]


@needs_office
def test_text_cells_as_shared_strings_read_the_same(written, resaved):
    """openpyxl writes text inline; LibreOffice stores it in the shared string table."""
    for key, text in (("t2.rules.issued", "/"), ("t3.disclosed.commercial", "6件")):
        place = layout.locate(FORM_2021, key)
        assert stored_cell(written[1], place.sheet, place.coordinate) == ("inlineStr", text)
        assert stored_cell(resaved[1], place.sheet, place.coordinate) == ("s", text)
    before, after = read_workbook(written[1]), read_workbook(resaved[1])
    assert after.raw["t2.rules.issued"] == before.raw["t2.rules.issued"] == "/"
    assert after.raw["t3.disclosed.commercial"] == before.raw["t3.disclosed.commercial"] == "6件"
    keep = lambda s: [f for f in summary(s.findings) if f[1] not in ("formula-no-value", "formula-in-input")]
    assert keep(after) == keep(before)
    inputs = {c.key for c in FORM_2021.input_cells} - {"t2.rules.repealed"}
    assert {k: v for k, v in after.values.items() if k in inputs} == {k: v for k, v in before.values.items() if k in inputs}


@needs_office
def test_totals_do_not_depend_on_who_saved_the_file(written, resaved):
    """A total over a refused part ("6件") is the same whether or not an office suite saved its result."""
    before, after = read_workbook(written[1]), read_workbook(resaved[1])
    drop = lambda values: {k: v for k, v in values.items() if k != "t2.rules.repealed"}
    assert drop(after.values) == drop(before.values)
    assert drop(after.rule_values) == drop(before.rule_values)


# --- altered templates ---------------------------------------------------------------------------


def without_names(path: Path, out: Path) -> Path:
    wb = openpyxl.load_workbook(path)
    for name in [n for n in wb.defined_names if n.startswith("NB_")]:
        del wb.defined_names[name]
    wb.save(out)
    return out


def test_cells_are_found_by_labels_when_the_names_are_gone(written, tmp_path):
    path = without_names(written[0], tmp_path / "03-青塘镇.xlsx")
    assert defined_places(path) == {}
    submission = read_workbook(path)
    assert submission.marked and not submission.by_names
    assert submission.values == expected_values(FORM_2021)
    assert submission.texts == read_workbook(written[0]).texts
    assert submission.info == read_workbook(written[0]).info
    assert summary(submission.findings) == [(
        WARNING, "layout-changed", "", "",
        "03-青塘镇.xlsx 中模板的单元格名称缺失，已按表头文字定位各单元格。请使用县里下发的模板，不要把内容复制到其他工作簿。",
    )]


def test_cells_are_found_by_labels_in_the_2019_format(tmp_path):
    source = write_report(tmp_path / "src" / "03-青塘镇.xlsx", FORM_2019)
    submission = read_workbook(without_names(source, tmp_path / "03-青塘镇.xlsx"))
    assert submission.values == expected_values(FORM_2019)
    assert submission.values["t2.licensing.change"] == -18


def insert_row(path: Path, out: Path, at: int, *, move_names: bool, drop_names: bool = False) -> Path:
    """A row inserted in table 三, with openpyxl (which leaves defined names where they were) or, with
    move_names, as Excel does it (the names below move down with their cells)."""
    wb = openpyxl.load_workbook(path)
    wb[T3].insert_rows(at)
    for name in [n for n in wb.defined_names if n.startswith("NB_")]:
        (sheet, ref), = list(wb.defined_names[name].destinations)
        column, row = openpyxl.utils.cell.coordinate_from_string(ref.replace("$", ""))
        if drop_names:
            del wb.defined_names[name]
        elif move_names and sheet == T3 and row >= at:
            wb.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!${column}${row + 1}")
    wb.save(out)
    return out


def test_inserted_row_with_names_left_behind_is_a_layout_error(written, tmp_path):
    path = insert_row(written[0], tmp_path / "03-青塘镇.xlsx", 12, move_names=False)
    submission = read_workbook(path)
    layout_errors = [f for f in submission.findings if f.rule == "layout-changed"]
    assert summary(layout_errors) == [(
        ERROR, "layout-changed", T3, "C12",
        "03-青塘镇.xlsx 三、依申请公开!C12 的表头应为“2.其他法律行政法规禁止公开”，实际为“（空）”。"
        "模板的表头被修改，请使用县里下发的模板重新填写，不要修改表头、插入或删除行列。",
    )]


def test_inserted_row_as_excel_moves_the_names_is_a_layout_error(written, tmp_path):
    path = insert_row(written[0], tmp_path / "03-青塘镇.xlsx", 12, move_names=True)
    submission = read_workbook(path)
    assert submission.values == expected_values(FORM_2021)  # the names still lead to the right cells
    (finding,) = submission.findings
    assert (finding.severity, finding.rule, finding.sheet) == (ERROR, "layout-changed", T3)
    assert finding.message.startswith("03-青塘镇.xlsx 三、依申请公开 的表格被插入或删除了行列（自“")
    assert finding.message.endswith("”起位置错动）。请使用县里下发的模板重新填写，不要插入或删除行列。")


def test_inserted_row_message_names_where_the_rows_moved(written, tmp_path):
    path = insert_row(written[0], tmp_path / "03-青塘镇.xlsx", 12, move_names=True)
    (finding,) = read_workbook(path).findings
    assert "2.其他法律行政法规禁止公开" in finding.message and "一、本年新收" not in finding.message


def test_inserted_row_without_names_is_a_layout_error(written, tmp_path):
    path = insert_row(written[0], tmp_path / "03-青塘镇.xlsx", 12, move_names=False, drop_names=True)
    submission = read_workbook(path)
    assert any(f.severity == ERROR and f.rule == "layout-changed" for f in submission.findings)


def test_changed_header_label_quotes_expected_and_found(written, tmp_path):
    wb = openpyxl.load_workbook(written[0])
    wb[T3]["C13"] = "3.危及国家安全"
    wb.save(tmp_path / "03-青塘镇.xlsx")
    submission = read_workbook(tmp_path / "03-青塘镇.xlsx")
    (finding,) = submission.findings
    assert (finding.severity, finding.rule, finding.sheet, finding.cell) == (ERROR, "layout-changed", T3, "C13")
    assert finding.message == (
        "03-青塘镇.xlsx 三、依申请公开!C13 的表头应为“3.危及“三安全一稳定””，实际为“3.危及国家安全”。"
        "模板的表头被修改，请使用县里下发的模板重新填写，不要修改表头、插入或删除行列。"
    )
    assert (finding.expected, finding.actual) == ("3.危及“三安全一稳定”", "3.危及国家安全")


def test_a_header_differing_only_in_width_and_spaces_is_the_same_label(written, tmp_path):
    wb = openpyxl.load_workbook(written[0])
    wb[T3]["C13"] = "3. 危及＂三安全一稳定＂"
    wb.save(tmp_path / "03-青塘镇.xlsx")
    assert read_workbook(tmp_path / "03-青塘镇.xlsx").findings == []


# --- files that are not the workbook -------------------------------------------------------------


def only_finding(path: Path):
    submission = read_workbook(path)
    assert not submission.readable and submission.values == {}
    (finding,) = submission.findings
    assert (finding.severity, finding.sheet, finding.cell) == (ERROR, "", "")
    return finding


def ole2(*streams: str) -> bytes:
    """An OLE2 compound file header followed by directory entry names (UTF-16-LE), as .xls and
    password-protected .xlsx files have them."""
    return OLE2_MAGIC + bytes(504) + b"".join(s.encode("utf-16-le") + bytes(64 - 2 * len(s)) for s in streams)


def test_xls_asks_to_save_as_xlsx(tmp_path):
    path = tmp_path / "03-青塘镇.xls"
    path.write_bytes(ole2("Root Entry", "Workbook", "SummaryInformation"))
    finding = only_finding(path)
    assert (finding.rule, finding.message) == (
        "not-xlsx",
        "03-青塘镇.xls 是旧版 .xls 或 WPS .et 格式，无法读取。请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（*.xlsx）再报送。",
    )


def test_xls_renamed_xlsx_is_recognised_by_its_bytes(tmp_path):
    path = tmp_path / "03-青塘镇.xlsx"
    path.write_bytes(ole2("Root Entry", "Workbook"))
    assert only_finding(path).rule == "not-xlsx"


def test_password_protected_workbook(tmp_path):
    path = tmp_path / "03-青塘镇.xlsx"
    path.write_bytes(ole2("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    finding = only_finding(path)
    assert (finding.rule, finding.message) == (
        "encrypted",
        "03-青塘镇.xlsx 设置了打开密码，无法读取。请取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后重新报送。",
    )


def docx_bytes() -> bytes:
    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("青塘镇2025年政府信息公开工作年度报告")
    document.save(buffer)
    return buffer.getvalue()


NOT_A_WORKBOOK = "{} 不是 Excel 工作簿（.xlsx），无法读取。请报送县里下发的 Excel 模板。"


@pytest.mark.parametrize("content", [
    pytest.param(docx_bytes, id="docx"),
    pytest.param(lambda: bytes(range(256)) * 40, id="random"),
    pytest.param(lambda: "单位,数量\n青塘镇,6\n".encode("gbk"), id="csv"),
])
def test_not_a_workbook_renamed_xlsx(tmp_path, content):
    path = tmp_path / "03-青塘镇.xlsx"
    path.write_bytes(content())
    finding = only_finding(path)
    message = finding.message
    if content is docx_bytes:  # a zip: the workbook reader says what it is not
        assert message == ("03-青塘镇.xlsx 是压缩包或其他格式的文件，不是 Excel 工作簿（.xlsx），里面也没有工作簿，无法读取。"
                           "请确认报送单位发来的是哪个文件，并请其报送县里下发的 Excel 模板。")
    else:
        assert (finding.rule, message) == ("unreadable", NOT_A_WORKBOOK.format("03-青塘镇.xlsx"))


@pytest.mark.parametrize("content", [b"", b" \r\n"])
def test_an_empty_file_is_called_empty_and_sent_for_again(tmp_path, content):
    """Regression: a 0-byte file (a download that did not finish) was "不是 Excel 工作簿 … 请报送县里下发的
    Excel 模板", as if the township had sent the wrong thing."""
    path = tmp_path / "03-青塘镇.xlsx"
    path.write_bytes(content)
    finding = only_finding(path)
    assert (finding.rule, finding.message) == ("unreadable", (
        f"03-青塘镇.xlsx 是空文件（{len(content)} 字节，没有任何内容），可能是下载、复制或保存没有完成。"
        "请向报送单位重新索取这个文件，放入收件箱后重新运行。"))


def test_a_zip_archive_of_workbooks_says_unzip_it_here(written, tmp_path):
    """Regression: a zipped return was told to fill in the template again; the county only has to unzip it."""
    import zipfile

    path = tmp_path / "03-青塘镇.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("青塘镇/03-青塘镇.xlsx", written[0].read_bytes())
    finding = only_finding(path)
    assert (finding.rule, finding.message) == ("not-xlsx", (
        "03-青塘镇.zip 是压缩包，里面有 1 个表格文件（青塘镇/03-青塘镇.xlsx）。请解压后把其中的工作簿放入收件箱"
        "（不必让报送单位重新填写），把这个压缩包移出收件箱，再重新运行。"))


def test_an_opendocument_spreadsheet_is_named_with_how_to_save_it_as_xlsx(tmp_path):
    import zipfile

    path = tmp_path / "03-青塘镇.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    finding = only_finding(path)
    assert finding.rule == "not-xlsx" and finding.message.startswith("03-青塘镇.xlsx 是 OpenDocument 表格（.ods")
    assert "“另存为”Excel 工作簿（*.xlsx）" in finding.message


def test_truncated_zip_is_unreadable_without_exception(written, tmp_path):
    data = written[0].read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 10):
        path = tmp_path / "03-青塘镇.xlsx"
        path.write_bytes(data[:cut])
        finding = only_finding(path)
        assert (finding.rule, finding.message) == (
            "unreadable", "03-青塘镇.xlsx 已损坏（文件不完整），无法读取。请在 Excel 或 WPS 中打开确认后重新保存报送。"
        )


def test_damaged_workbook_part_is_unreadable(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook")
    path = tmp_path / "03-青塘镇.xlsx"
    path.write_bytes(buffer.getvalue())
    finding = only_finding(path)
    assert finding.rule == "unreadable"
    assert re.fullmatch(r"03-青塘镇\.xlsx 已损坏或无法打开（\w+）。请在 Excel 或 WPS 中打开确认后重新保存报送。", finding.message)


def test_a_workbook_that_is_not_the_template(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "青塘镇2025年度数据"
    wb.active["B2"] = 6
    wb.save(tmp_path / "统计表.xlsx")
    finding = only_finding(tmp_path / "统计表.xlsx")
    assert (finding.rule, finding.message) == (
        "not-a-template",
        "统计表.xlsx 中找不到年度报告的表格（没有模板标记，也找不到官方表头），不是县里下发的模板。请使用下发的模板填写后报送。",
    )


# --- another format, overwritten totals ----------------------------------------------------------


def test_2019_template_returned_for_2025(tmp_path):
    path = write_report(tmp_path / "03-青塘镇.xlsx", FORM_2019)
    submission = read_workbook(path)
    assert (submission.form.id, submission.year, submission.unit_code) == ("gov2019", 2019, "03")
    assert submission.values == expected_values(FORM_2019)
    assert submission.findings == []  # the year and format are judged against the run (see test_batch)


def test_overwritten_total_warns_and_uses_the_typed_value(tmp_path):
    path = write_report(tmp_path / "03-青塘镇.xlsx", FORM_2021, changes={"t4.review.total": 3})
    submission = read_workbook(path)
    assert summary(submission.findings) == [(
        WARNING, "formula-overwritten", "四、复议诉讼", "E7",
        "03-青塘镇.xlsx 四、复议诉讼!E7 行政复议／总计：合计公式被改写为数字 3。合计应由模板自动计算，请使用下发的模板，不要改写合计。",
    )]
    assert submission.values["t4.review.total"] == 3  # not the 2 its parts add up to
    assert submission.findings[0].actual == "3"


def test_normalised_input_gives_a_notice(tmp_path):
    path = write_report(tmp_path / "03-青塘镇.xlsx", FORM_2021, changes={"t2.normative.in_force": "１２"})
    submission = read_workbook(path)
    assert submission.values["t2.normative.in_force"] == 12
    assert summary(submission.findings) == [(
        NOTICE, "normalized", "二、主动公开", "D7",
        "03-青塘镇.xlsx 二、主动公开!D7 行政规范性文件／现行有效件数：原值“１２”：全角数字已转为半角，按 12 读取。",
    )]


def test_a_blank_input_is_an_error_and_counts_0_in_its_total(tmp_path):
    path = write_report(tmp_path / "03-青塘镇.xlsx", FORM_2021, changes={"t3.received.research": None})
    submission = read_workbook(path)
    assert summary(submission.findings) == [(
        ERROR, "blank", T3, "F7",
        "03-青塘镇.xlsx 三、依申请公开!F7 一、本年新收政府信息公开申请数量／科研机构：单元格为空。无数据请填0。",
    )]
    assert "t3.received.research" not in submission.values
    assert "t3.received.total" not in submission.values  # not an accepted number …
    assert submission.rule_values["t3.received.total"] == 7  # … but the rules read it as SUM does: the blank counts 0
    assert submission.values["t3.received.natural"] == 5


# --- the package layer: cells as other programs store them -----------------------------------------

from pipeline.workbook.book import CellError, read_book  # noqa: E402
from pipeline.workbook.package import PackageError  # noqa: E402

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def tiny_book(sheet_data: str, *, workbook_pr: str = "", styles: str = "", chart: bool = False) -> bytes:
    """A minimal workbook of one worksheet "表" (and, with `chart`, a chart sheet "图")."""
    sheets = f'<sheet name="表" sheetId="1" r:id="rId1"/>' + ('<sheet name="图" sheetId="2" r:id="rId3"/>' if chart else "")
    rels = (f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/>'
            + (f'<Relationship Id="rId3" Type="{REL_NS}/chartsheet" Target="chartsheets/sheet1.xml"/>' if chart else ""))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{workbook_pr}<sheets>{sheets}</sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        archive.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN_NS}">{styles}</styleSheet>')
        archive.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{MAIN_NS}"><sheetData>{sheet_data}</sheetData></worksheet>')
        if chart:
            archive.writestr("xl/chartsheets/sheet1.xml", f'<chartsheet xmlns="{MAIN_NS}"/>')
    return buffer.getvalue()


def test_package_cells_of_every_kind():
    book = read_book(tiny_book(
        '<row r="1"><c r="A1"><v>6</v></c><c r="B1"><v>2.5</v></c><c r="C1" t="b"><v>0</v></c>'
        '<c r="D1" t="e"><v>#N/A</v></c><c r="E1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
        '<c r="F1" t="d"><v>2025-03-01T00:00:00</v></c><c r="G1" s="1"><v>45717</v></c></row>'
        '<row r="2"><c><v>1</v></c><c><v>2</v></c></row>',  # positions left out: A2, B2
        styles='<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>',
    ))
    sheet = book["表"]
    assert [sheet.value(1, c) for c in range(1, 6)] == [6, 2.5, False, "#N/A", '="a"&"b"']
    assert isinstance(sheet.value(1, 4), CellError) and sheet.cached(1, 5) == "ab"
    assert sheet.value(1, 6) == sheet.value(1, 7) == dt.datetime(2025, 3, 1)
    assert (sheet.value(2, 1), sheet.value(2, 2)) == (1, 2)


def test_package_positions_after_empty_cells():
    """An empty (style-only) cell is skipped without reading it, yet still takes its position for a
    cell whose position is left out."""
    book = read_book(tiny_book(
        '<row r="1"><c r="C1" s="1"/><c><v>4</v></c><c r="F1" s="1"/><c s="1"/><c><v>8</v></c>'
        '<c r="bad" s="1"/><c><v>9</v></c></row>'
        '<row r="2"><c s="1"/><c r="B2" s="1"/><c r="D2"><v>7</v></c><c><v>5</v></c></row>',
        styles='<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="0"/></cellXfs>',
    ))
    sheet = book["表"]
    assert sheet.value(1, 4) == 4 and sheet.value(1, 8) == 8 and sheet.value(1, 10) == 9  # "bad" took I1
    assert sheet.value(2, 4) == 7 and sheet.value(2, 5) == 5
    assert sorted(sheet.cells) == [(1, 4), (1, 8), (1, 10), (2, 4), (2, 5)]
    # an invalid reference is no position: the cell after it counts on from the last one known
    odd = read_book(tiny_book(
        '<row r="1"><c r="C1" s="1"/><c r="bad" s="1"/><c><v>5</v></c></row>'
        '<row r="2"><c r="C2" s="1"/><c r="bad"><v>6</v></c><c r="c9" s="1"/><c><v>7</v></c></row>',
        styles='<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="0"/></cellXfs>',
    ))["表"]
    assert sorted(odd.cells) == [(1, 5), (2, 4), (2, 6)]


def test_package_1904_dates():
    book = read_book(tiny_book('<row r="1"><c r="A1" s="1"><v>1</v></c></row>', workbook_pr='<workbookPr date1904="1"/>',
                               styles='<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'))
    assert book["表"].value(1, 1) == dt.datetime(1904, 1, 2)


def test_package_shared_formulas_are_moved_from_their_master():
    book = read_book(tiny_book(
        '<row r="3"><c r="B3"><f t="shared" ref="B3:D3" si="0">SUM(B1:B2)</f><v>3</v></c>'
        '<c r="C3"><f t="shared" si="0"/><v>4</v></c><c r="D3"><f t="shared" si="0"/></c></row>'
    ))
    sheet = book["表"]
    assert [sheet.formula(3, c) for c in (2, 3, 4)] == ["=SUM(B1:B2)", "=SUM(C1:C2)", "=SUM(D1:D2)"]
    assert [sheet.cached(3, c) for c in (2, 3, 4)] == [3, 4, None]


def test_package_chart_sheets_are_not_worksheets():
    book = read_book(tiny_book('<row r="1"><c r="A1"><v>1</v></c></row>', chart=True))
    assert book.sheetnames == ["表"] and book.chartsheets == ["图"] and "图" not in book


def test_package_defined_names_of_one_cell_only():
    book = read_book(tiny_book(""))
    book.defined_names.update({"A": "'表'!$B$3", "B": "表!C4", "C": "'表'!$B$3:$B$5", "D": "'图'!$A$1", "E": "'表'!$B$3,'表'!$C$3"})
    assert [book.destination(n) for n in "ABCDE"] == [("表", 3, 2), ("表", 4, 3), None, None, None]


def test_package_far_cells_are_only_the_cells_present():
    book = read_book(tiny_book('<row r="1048576"><c r="XFD1048576"><v>1</v></c><c r="XFE1"><v>2</v></c></row>'))
    assert book["表"].cells == {(1048576, 16384): (None, 1)}


def test_package_refuses_a_doctype_before_parsing():
    data = tiny_book("")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]>' + parts["xl/worksheets/sheet1.xml"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    with pytest.raises(PackageError) as caught:
        read_book(buffer.getvalue())
    assert (caught.value.kind, caught.value.detail) == ("unsafe", "xl/worksheets/sheet1.xml")


def test_reading_never_loads_the_workbook_with_openpyxl(written, monkeypatch):
    """One light pass over the package (issue 8): openpyxl's loader is for writing return copies only."""
    expected = read_workbook(written[1])

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl.load_workbook called while reading")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr(openpyxl.reader.excel, "load_workbook", refuse)
    again = read_workbook(written[1])
    assert (again.values, again.provisional, again.texts, again.findings) == (
        expected.values, expected.provisional, expected.texts, expected.findings)
