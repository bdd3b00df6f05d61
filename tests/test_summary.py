"""汇总表.xlsx and 汇总报告.docx on real files: a small county made with the test helpers, run through
the batch, summarised, and read back with the reader (and with LibreOffice when installed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from helpers import (
    FINANCE,
    FORM_2019,
    FORM_2021,
    LONGTAN,
    QINGTANG,
    YEAR_OF,
    consistent_inputs,
    county,
    expected_values,
    needs_office,
    sha256,
    write_report,
)
from pipeline.batch import run_batch
from pipeline.checks import check_submission
from pipeline.config import Unit
from pipeline.files import fixed_timestamp
from pipeline.report.display import DISPLAY_COLUMNS, display_rows
from pipeline.forms.spec import ERROR, WARNING, evaluate
from pipeline.office import convert
from pipeline.indicators import indicator_sentences
from pipeline.summary import (
    COMPARISON_SHEET,
    DETAIL_SHEET,
    STATUS_SHEET,
    SUMMARY_SHEET,
    county_totals,
    coverage_sentence,
    summary_report_context,
    write_summary,
    write_summary_report,
)
from pipeline.workbook import layout
from pipeline.workbook.reader import read_workbook
from pipeline.workbook.template import build_workbook

EDUCATION = Unit(code="20", name="县教育局", full_name="示例县教育局", kind="部门")
ROSTER = (QINGTANG, LONGTAN, FINANCE, EDUCATION)
FORMS = (FORM_2019, FORM_2021)


def doubled(form) -> dict[str, object]:
    """Another consistent report: every number of `consistent_inputs` twice over."""
    return {k: v * 2 for k, v in consistent_inputs(form).items()}


def small_county(tmp_path: Path, form, units=ROSTER):
    """青塘镇 passes, 龙潭乡 passes with doubled numbers, 县财政局 breaks R1, 县教育局 sends nothing."""
    year = YEAR_OF[form.id]
    config = dataclasses.replace(county(tmp_path, year, units), code="SLX")
    inbox = config.inbox
    write_report(inbox / "03-青塘镇.xlsx", form, unit=units[0])
    write_report(inbox / "05-龙潭乡.xlsx", form, unit=units[1], values=doubled(form))
    write_report(inbox / "12-县财政局.xlsx", form, unit=units[2], changes={"t3.received.natural": 6})
    return config, run_batch(config)


@pytest.fixture(scope="module", params=FORMS, ids=lambda f: f.id)
def form(request):
    return request.param


@pytest.fixture(scope="module")
def run(tmp_path_factory, form):
    """The small county's run and its summary, shared by the tests of one format (read only)."""
    folder = tmp_path_factory.mktemp(form.id)
    config, result = small_county(folder, form)
    path = write_summary(result, config, folder / "输出" / "汇总表.xlsx")
    return config, result, path


def expected_totals(form) -> dict[str, Decimal]:
    once, twice = expected_values(form), expected_values(form, doubled(form))
    return {key: once[key] + twice[key] for key in once}


# --- the totals ------------------------------------------------------------------------------


def test_totals_are_the_sum_of_the_units_that_passed(run, form):
    _, result, _ = run
    assert [u.status for u in result.units] == ["通过", "通过", "有错误", "未报送"]
    totals = county_totals(result)
    assert totals == expected_totals(form)
    assert totals["t3.received.natural"] == 15  # 5 + 10; 县财政局's 6 is not counted


def test_totals_keep_the_balance_and_the_identities(run, form):
    _, result, _ = run
    totals = county_totals(result)
    checked = {"R1": 0, "I1": 0, "I2": 0, "I3": 0}
    for rule in form.rules:
        if rule.id in checked:
            outcome = evaluate(rule, totals)
            assert outcome is not None and outcome.passed, (rule.id, rule.scope)
            checked[rule.id] += 1
    assert all(checked.values()), checked


def test_summary_sheet_holds_the_totals_as_plain_numbers(run, form):
    _, result, path = run
    wb = openpyxl.load_workbook(path)
    totals = county_totals(result)
    for cell in form.cells:
        destinations = list(wb.defined_names[layout.defined_name(cell.key)].destinations)
        assert len(destinations) == 1 and destinations[0][0] == SUMMARY_SHEET
        value = wb[SUMMARY_SHEET][destinations[0][1].replace("$", "")].value
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (cell.key, value)
        assert Decimal(str(value)) == totals[cell.key], cell.key


# --- roll-up: the summary is a filled template for the county ----------------------------------


def test_reader_reads_the_summary_as_the_county_as_one_unit(run, form):
    config, result, path = run
    submission = read_workbook(path)
    assert submission.form is form
    assert (submission.year, submission.unit_code, submission.unit_name) == (YEAR_OF[form.id], "SLX", "示例县")
    assert submission.marked and submission.by_names
    assert submission.values == county_totals(result)
    assert submission.info == {
        "info.unit_code": "SLX", "info.unit_name": "示例县", "info.year": YEAR_OF[form.id], "info.format": form.document,
    }
    # texts, contact, phone and date have no place: the checks skip them instead of asking for them
    assert not any(key.startswith("text.") for key in submission.places)
    assert not {"info.contact", "info.phone", "info.date"} & set(submission.places)
    assert submission.texts == {}
    check_submission(submission, "县区")
    assert [f.message for f in submission.findings if f.severity == ERROR] == []
    # totals are numbers by design, and the summary's marks tell the reader so: no finding but the
    # warning that this county's summary leaves 县财政局 and 县教育局 out
    assert submission.is_summary
    assert [f.rule for f in submission.findings] == ["partial-summary"]


def test_hidden_marks_name_the_county(run, form):
    _, _, path = run
    wb = openpyxl.load_workbook(path)
    meta = wb[layout.META_SHEET]
    assert meta.sheet_state == "hidden"
    rows = {row[0].value: row[1].value for row in meta.iter_rows()}
    assert rows == {
        "product": "nianbao", "format": form.id, "year": str(YEAR_OF[form.id]), "unit_code": "SLX",
        "unit_name": "示例县", "template_version": layout.TEMPLATE_VERSION, "source": "summary",
        # whom the totals cover, for the level above
        "coverage_units": "4", "coverage_accepted": "2", "coverage_uncovered": "12 县财政局（有错误）；20 县教育局（未报送）",
        "coverage_bottom_units": "4", "coverage_bottom_accepted": "2",
    }


def test_unit_code_falls_back_to_the_county_name(run, tmp_path):
    config, result, _ = run
    path = write_summary(result, dataclasses.replace(config, code=None), tmp_path / "汇总表.xlsx")
    assert read_workbook(path).unit_code == "示例县"


def test_tables_have_the_labels_and_merges_of_the_template(run, form):
    _, _, path = run
    summary = openpyxl.load_workbook(path)[SUMMARY_SHEET]
    template = build_workbook(form, YEAR_OF[form.id])
    merged = {str(r) for r in summary.merged_cells.ranges}
    for table in form.tables:
        first = table.cells[0]
        anchor = summary.parent.defined_names[layout.defined_name(first.key)].destinations
        column, row = openpyxl.utils.cell.coordinate_from_string(next(iter(anchor))[1].replace("$", ""))
        top, left = row - first.row, openpyxl.utils.column_index_from_string(column) - first.col
        for label in table.labels:
            assert summary.cell(top + label.row, left + label.col).value == label.text
        sheet = template[layout.TABLE_SHEETS[table.key]]
        bottom = layout.TABLE_TOP + table.n_rows - 1
        grid = [r for r in sheet.merged_cells.ranges if layout.TABLE_TOP <= r.min_row and r.max_row <= bottom]
        assert grid, table.key
        for r in grid:
            shifted = openpyxl.worksheet.cell_range.CellRange(
                min_col=r.min_col - layout.TABLE_LEFT + left, min_row=r.min_row - layout.TABLE_TOP + top,
                max_col=r.max_col - layout.TABLE_LEFT + left, max_row=r.max_row - layout.TABLE_TOP + top,
            )
            assert str(shifted) in merged, (table.key, str(r))


# --- coverage ----------------------------------------------------------------------------------


def test_coverage_sentence_names_who_is_missing_and_who_failed(run):
    _, result, path = run
    sentence = "名册共 4 个单位，3 个报送了文件，2 个通过校验并计入本表；未报送：县教育局；未通过：县财政局。"
    assert coverage_sentence(result) == sentence
    ws = openpyxl.load_workbook(path)[SUMMARY_SHEET]
    assert ws["A1"].value == f"示例县{result.year}年政府信息公开工作年度报告汇总表"
    assert ws["A2"].value == sentence


def test_coverage_sentence_counts_duplicates_unreadable_and_unknown_files(tmp_path):
    config, _ = small_county(tmp_path, FORM_2021)
    inbox = config.inbox
    (inbox / "20-县教育局.xlsx").write_bytes(b"not a workbook")
    write_report(inbox / "05-龙潭乡（改）.xlsx", FORM_2021, unit=LONGTAN)
    stranger = Unit(code="99", name="某某中心", full_name="某某中心", kind="部门")
    write_report(inbox / "某某中心.xlsx", FORM_2021, unit=stranger)
    result = run_batch(config)
    assert coverage_sentence(result) == (
        "名册共 4 个单位，4 个报送了文件，1 个通过校验并计入本表；"
        "未通过：龙潭乡（重复报送）、县财政局、县教育局（无法读取）；另有 1 个文件无法确定报送单位，未计入。"
    )


# --- the other sheets ----------------------------------------------------------------------------


def test_sheets_in_order_with_comparison_only_when_last_year_is_known(run, form):
    config, result, path = run
    # 指标, 排名, 同类单位比较: issue 11's indicator sheets
    assert openpyxl.load_workbook(path).sheetnames == [
        "汇总", "分单位明细", "报送情况", "问题清单", "图表", "指标", "排名", "同类单位比较", "_nianbao",
    ]
    again = write_summary(result, config, path.with_name("同比.xlsx"), previous={})
    assert openpyxl.load_workbook(again).sheetnames == [
        "汇总", "分单位明细", "报送情况", "问题清单", "同比", "图表", "指标", "排名", "同类单位比较", "_nianbao",
    ]


def test_detail_sheet_has_a_column_per_unit_and_a_row_per_cell(run, form):
    _, result, path = run
    ws = openpyxl.load_workbook(path)[DETAIL_SHEET]
    assert [ws.cell(1, c).value for c in range(1, 4)] == ["表", "行", "列"]
    units = [[ws.cell(r, c).value for r in range(1, 5)] for c in range(4, ws.max_column + 1)]
    assert units == [
        ["03", "青塘镇", "乡镇", "通过"], ["05", "龙潭乡", "乡镇", "通过"],
        ["12", "县财政局", "部门", "有错误"], ["20", "县教育局", "部门", "未报送"],
    ]
    assert ws.max_row == 4 + len(form.cells)
    row = {tuple(ws.cell(r, c).value for c in range(1, 4)): r for r in range(5, ws.max_row + 1)}
    assert row[("三", "（三）不予公开 1.属于国家秘密", "自然人")]
    assert row[("四", "行政诉讼 复议后起诉", "尚未审结")]
    assert row[("二", "第二十条第（一）项 规章", form.table("t2").cells[0].col_label)] == 5
    received = row[("三", "一、本年新收政府信息公开申请数量", "自然人")]
    assert [ws.cell(received, c).value for c in range(4, 8)] == [5, 10, 6, None]
    assert ws.freeze_panes == "D5"
    # printable: A4 landscape, one page wide for a few units, labels and unit headers on every page
    assert (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == ("landscape", 1, 0)
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$4", "$A:$C")
    assert "&P" in ws.oddFooter.center.text and "&A" in ws.oddFooter.center.text


def test_detail_sheet_continues_across_pages_for_many_units():
    from pipeline.summary.detail import pages_across

    assert pages_across(18) == 1
    assert pages_across(40) == 4  # 12 units a page, the labels repeated


def test_status_sheet_lists_every_roster_unit_with_receipt_size_hash_and_counts(run):
    config, result, path = run
    ws = openpyxl.load_workbook(path)[STATUS_SHEET]
    assert [c.value for c in ws[1]] == [
        "单位代码", "单位", "类型", "状态", "文件名", "收到时间", "截止日期后", "大小（KB）", "哈希（前8位）", "错误数", "警告数", "SHA-256",
    ]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    inbox = config.inbox
    failed = result.unit("12")

    def sent(name):
        file = inbox / name
        stamp = dt.datetime.fromtimestamp(file.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        return [name, stamp, None, f"{file.stat().st_size / 1024:.1f}", sha256(file)[:8]]

    assert failed.errors >= 1
    assert rows == [
        ["03", "青塘镇", "乡镇", "通过", *sent("03-青塘镇.xlsx"), 0, 0, sha256(inbox / "03-青塘镇.xlsx")],
        ["05", "龙潭乡", "乡镇", "通过", *sent("05-龙潭乡.xlsx"), 0, 0, sha256(inbox / "05-龙潭乡.xlsx")],
        ["12", "县财政局", "部门", "有错误", *sent("12-县财政局.xlsx"), failed.errors, failed.warnings, sha256(inbox / "12-县财政局.xlsx")],
        ["20", "县教育局", "部门", "未报送", None, None, None, None, None, 1, 0, None],
    ]
    assert ws.column_dimensions["L"].hidden is True  # the full hash is for machines
    assert ws.print_area == "'报送情况'!$A$1:$K$5"


def test_status_sheet_marks_files_received_after_the_deadline(tmp_path, form):
    config, result = small_county(tmp_path, form)
    late_file = config.inbox / "05-龙潭乡.xlsx"
    deadline = dt.date(YEAR_OF[form.id] + 1, 1, 31)
    os.utime(late_file, (dt.datetime(YEAR_OF[form.id] + 1, 2, 3, 9, 30).timestamp(),) * 2)
    os.utime(config.inbox / "03-青塘镇.xlsx", (dt.datetime(YEAR_OF[form.id] + 1, 1, 31, 23, 0).timestamp(),) * 2)
    config = dataclasses.replace(config, deadline=deadline)
    result = run_batch(config)
    ws = openpyxl.load_workbook(write_summary(result, config, tmp_path / "汇总表.xlsx"))[STATUS_SHEET]
    late = {ws.cell(r, 2).value: (ws.cell(r, 6).value, ws.cell(r, 7).value) for r in range(2, ws.max_row + 1)}
    assert late["龙潭乡"] == (f"{YEAR_OF[form.id] + 1}-02-03 09:30", "逾期")
    assert late["青塘镇"] == (f"{YEAR_OF[form.id] + 1}-01-31 23:00", None)  # on the day is in time


def test_findings_sheet_lists_every_finding(run):
    _, result, path = run
    ws = openpyxl.load_workbook(path)["问题清单"]
    assert [c.value for c in ws[1]] == [header for _, header in DISPLAY_COLUMNS]
    rows = display_rows(result.findings)
    assert ws.max_row == 1 + len(rows)
    assert sum(r.count for r in rows) == len(result.findings)
    messages = {ws.cell(r, 10).value for r in range(2, ws.max_row + 1)}
    assert messages == {r.message for r in rows}


def test_comparison_with_last_year(run, tmp_path, form):
    config, result, _ = run
    previous = {"03": {"t3.received.natural": Decimal(3), "t3.received.commercial": Decimal(1),
                       **{f"t3.received.{c}": Decimal(0) for c in ("research", "public_interest", "legal_service", "other_org")},
                       "t3.disclosed.total": Decimal(0), "t4.review.total": Decimal(4)}}
    path = write_summary(result, config, tmp_path / "汇总表.xlsx", previous=previous)
    ws = openpyxl.load_workbook(path)[COMPARISON_SHEET]
    figures = [ws.cell(1, c).value for c in range(4, ws.max_column + 1, 4)]
    expected = ["本年新收", "予以公开", "部分公开", "不予公开", "行政复议总计", "行政诉讼总计"]
    assert figures == expected + (["收费金额（万元）"] if form.id == "gov2021" else [])
    assert [ws.cell(2, c).value for c in range(4, 8)] == ["本年", "上年", "增减", "增减率"]
    rows = {ws.cell(r, 2).value: r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value}

    def block(unit: str, figure: int) -> list:
        return [ws.cell(rows[unit], 4 + figure * 4 + i).value for i in range(4)]

    assert block("青塘镇", 0) == [7, 4, 3, 0.75]  # the total computed from last year's parts
    assert block("青塘镇", 1) == [4, 0, 4, None]  # no rate when last year is 0
    assert block("青塘镇", 4) == [2, 4, -2, -0.5]
    assert block("龙潭乡", 0) == [14, None, None, None]  # no data of last year
    assert block("县财政局", 0) == [None, None, None, None]  # did not pass this year
    # the total compares the same units in both years: only 青塘镇 passed and has last year's data
    assert block("可比单位合计（1 个单位）", 0) == [7, 4, 3, 0.75]
    assert block("可比单位合计（1 个单位）", 4) == [2, 4, -2, -0.5]
    assert ws.cell(rows["青塘镇"], 7).number_format == "0.0%"


def test_charts_of_received_outcomes_and_last_year(run, tmp_path):
    config, result, _ = run

    def charts(path: Path) -> list[str]:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
            return ["".join(re.findall(r"<a:t>([^<]*)</a:t>", archive.read(n).decode())) for n in names]

    without = charts(write_summary(result, config, tmp_path / "a.xlsx"))
    assert [t.split("件")[0] for t in without] == ["各单位本年新收政府信息公开申请数量（", "示例县本年度办理结果分布（"]
    with_previous = charts(write_summary(result, config, tmp_path / "b.xlsx", previous={"03": {}}))
    assert len(with_previous) == 3 and with_previous[1].startswith("本年与上年新收申请数量对比")
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx")["图表"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=3, max_col=3)] == [
        ["单位", "本年新收", "上年新收"], ["青塘镇", 7, None], ["龙潭乡", 14, None],
    ]
    outcomes = [ws.cell(r, 1).value for r in range(5, 12)]
    assert outcomes == ["办理结果", "（一）予以公开", "（二）部分公开", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"]
    assert [ws.cell(r, 2).value for r in range(6, 12)] == [12, 3, 0, 3, 0, 0]


# --- text stays text -----------------------------------------------------------------------------


def test_names_that_look_like_formulas_stay_text(tmp_path):
    odd = (
        Unit(code="01", name="=SUM(A1:A9)", full_name="=SUM(A1:A9)", kind="乡镇"),
        Unit(code="02", name="+8613800000000", full_name="+8613800000000", kind="乡镇"),
        Unit(code="03", name="-1镇", full_name="-1镇", kind="部门"),
        Unit(code="04", name="@某乡", full_name="@某乡", kind="乡镇"),
    )
    config = dataclasses.replace(county(tmp_path, 2025, odd), county="=HYPERLINK(\"x\")县")
    for i, unit in enumerate(odd[:3]):
        write_report(config.inbox / f"{unit.code}.xlsx", FORM_2021, unit=unit,
                     changes={"t3.received.natural": 9} if i == 2 else None)
    result = run_batch(config)
    path = write_summary(result, config, tmp_path / "汇总表.xlsx", previous={"01": {}})
    write_summary_report(result, config, tmp_path / "汇总报告.docx")
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert len(sheets) == 10  # with issue 11's 指标, 排名, 同类单位比较: formula-looking names stay text there too
        for name in sheets:
            assert not re.search(rb"<f[ >/]", archive.read(name)), name
    wb = openpyxl.load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    seen.add(cell.value)
    assert {u.name for u in odd} <= seen
    assert wb[SUMMARY_SHEET]["B5"].value == "=HYPERLINK(\"x\")县"
    assert read_workbook(path).unit_name == "=HYPERLINK(\"x\")县"


# --- files ---------------------------------------------------------------------------------------


def test_same_run_gives_the_same_bytes_and_fixed_dates(run, form, tmp_path):
    config, result, shared = run
    path = tmp_path / "汇总表.xlsx"
    path.write_bytes(shared.read_bytes())
    first = path.read_bytes()
    os.utime(path, (1_000_000_000, 1_000_000_000))
    write_summary(result, config, path)
    assert path.read_bytes() == first
    assert path.stat().st_mtime == 1_000_000_000  # an unchanged summary is not rewritten
    other = write_summary(result, config, path.with_name("again.xlsx"))
    assert other.read_bytes() == first
    props = openpyxl.load_workbook(path).properties
    assert props.created == props.modified == fixed_timestamp(YEAR_OF[form.id])


@needs_office
def test_summary_saved_again_by_libreoffice_reads_the_same(run, tmp_path):
    _, result, path = run
    resaved = convert(path, tmp_path / "libreoffice")
    submission = read_workbook(resaved)
    check_submission(submission, "县区")
    assert submission.by_names and submission.unit_code == "SLX"
    assert submission.values == county_totals(result)
    assert [f.message for f in submission.findings if f.severity == ERROR] == []
    assert [f.rule for f in submission.findings] == ["partial-summary"]  # the coverage marks survive too


# --- 汇总报告.docx --------------------------------------------------------------------------------


def test_summary_report_prints_the_totals_with_the_county_as_unit(run, form, tmp_path):
    import docx

    config, result, _ = run
    path = write_summary_report(result, config, tmp_path / "汇总报告.docx")
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    year = YEAR_OF[form.id]
    assert f"示例县{year}年政府信息公开工作年度报告" in texts
    assert "示例县人民政府" in texts
    assert not any("{{" in t or "{%" in t for t in texts)
    totals = county_totals(result)
    t3 = document.tables[1]
    cells = [c.text for row in t3.rows for c in row.cells]
    assert str(totals["t3.received.natural"]) == "15" and "15" in cells
    assert str(totals["t3.total.total"]) in cells
    context = summary_report_context(result, config)
    assert context["signature_date"] == f"{year + 1}年1月31日"  # no deadline in county.toml
    assert f"{year + 1}年1月31日" in texts
    # section 一 closes with the indicator sentences (实质公开率 …, pipeline/indicators.py)
    overview = [p["text"] for p in context["overview"]]
    assert all(sentence in overview for sentence in indicator_sentences(result, "全县"))
    assert document.core_properties.created.replace(tzinfo=None) == fixed_timestamp(year)
    before = path.read_bytes()
    write_summary_report(result, config, path)
    assert path.read_bytes() == before


def test_summary_report_checks_its_template_unless_the_runs_check_covered_it(run, tmp_path, monkeypatch):
    import pipeline.word.template as template_module

    real, calls = template_module.check_word_template, []
    monkeypatch.setattr(template_module, "check_word_template",
                        lambda *args, **kwargs: calls.append(kwargs["draft"]) or real(*args, **kwargs))
    config, result, _ = run  # a draft: a unit failed, one sent nothing
    write_summary_report(result, config, tmp_path / "a.docx", checked_draft=True)
    assert calls == []  # the run checked the template with the draft mark required
    write_summary_report(result, config, tmp_path / "b.docx", checked_draft=False)
    assert calls == [True]  # the run's check did not ask for the draft mark this report prints
    write_summary_report(result, config, tmp_path / "c.docx")
    assert calls == [True, True]
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "c.docx").read_bytes()


def test_summary_report_is_a_finished_draft_with_coverage_numbers_and_passages_to_complete(run, form):
    config, result, _ = run
    year = YEAR_OF[form.id]
    totals = county_totals(result)
    context = summary_report_context(result, config)
    preface = [p["text"] for p in context["preface"]]
    assert preface[0].startswith("本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和" + form.document)
    assert preface[0].endswith(f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。")
    assert preface[1] == "本报告汇总了名册 4 个单位中通过校验的 2 个单位的数据；未计入：县财政局（有错误）、县教育局（未报送）。"
    overview = context["overview"]
    assert [p["lead"] for p in overview[:3]] == ["（一）主动公开。", "（二）依申请公开。", "（三）行政复议和行政诉讼。"]
    requests = overview[1]["rest"]
    n = lambda key: str(int(totals[key]))  # noqa: E731
    assert requests.startswith(f"全县共收到政府信息公开申请{n('t3.received.total')}件，上年结转{n('t3.carried_in.total')}件；"
                               f"办结{n('t3.total.total')}件，其中予以公开{n('t3.disclosed.total')}件")
    assert f"结转下年度继续办理{n('t3.carried_over.total')}件。" in requests
    assert f"被申请行政复议{n('t4.review.total')}件" in overview[2]["rest"]
    # the indicator sentences close section 一, and are in the context for others to extend
    assert context["indicator_sentences"] and [p["text"] for p in overview[3:]] == context["indicator_sentences"]
    assert context["indicator_sentences"][0].startswith("本年度应办理的申请（本年新收与上年结转）共")
    for name in ("problems", "other"):
        assert context[name][0]["text"].startswith("【待补充】") and "定稿前删除本提示" in context[name][0]["text"]
    assert context["draft"] is True  # 县财政局 failed and 县教育局 sent nothing


def test_summary_report_of_a_complete_county_is_no_draft_and_dated_by_the_deadline(tmp_path, form):
    year = YEAR_OF[form.id]
    config, _ = small_county(tmp_path, form)
    (config.inbox / "12-县财政局.xlsx").unlink()
    config = dataclasses.replace(config, units=ROSTER[:2], deadline=dt.date(year + 1, 1, 20))
    result = run_batch(config)
    context = summary_report_context(result, config)
    assert context["draft"] is False
    assert context["signature_date"] == f"{year + 1}年1月20日"
    assert context["preface"][1]["text"] == "本报告汇总了名册 2 个单位中通过校验的 2 个单位的数据。"


def test_no_summary_report_of_zeros_when_no_unit_passed(tmp_path, form):
    from pipeline.summary import NoAcceptedUnit

    config, _ = small_county(tmp_path, form)
    for path in config.inbox.iterdir():
        if not path.name.startswith("12-"):
            path.unlink()
    result = run_batch(config)
    target = tmp_path / "汇总报告.docx"
    target.write_bytes(b"last run's report")
    with pytest.raises(NoAcceptedUnit) as caught:
        write_summary_report(result, config, target)
    assert not target.exists()  # last run's report does not stand for this one
    assert caught.value.reason == (
        "名册 4 个单位中没有一个通过校验（1 个报送了文件），未生成汇总报告："
        "没有可汇总的数字，全为 0 的报告会被误读为全年无工作。请先处理问题清单中的错误。"
    )


def test_a_summary_for_saving_writes_each_sheet_out_once_complete_with_the_same_bytes(run):
    """With `compact` (what write_summary saves), every sheet's rows are written out to a
    temporary file as soon as the sheet is complete and its cells let go of (a county of thousands
    of units kept them all until the workbook was saved): the bytes are those of the workbook
    kept whole, saved once and saved again (openpyxl writes a second save a little differently)."""
    from pipeline.files import workbook_bytes
    from pipeline.summary import summary_workbook

    config, result, _ = run
    previous = {u.unit.code: dict(u.submission.values) for u in result.passed()}  # 同比 too
    kept = summary_workbook(result, config, previous=previous)
    spooled = summary_workbook(result, config, previous=previous, compact=True)
    assert [ws.title for ws in spooled.worksheets] == [ws.title for ws in kept.worksheets]
    assert all(not ws._cells for ws in spooled.worksheets)
    assert any(ws._cells for ws in kept.worksheets)
    assert workbook_bytes(spooled) == workbook_bytes(kept)
    assert workbook_bytes(spooled) == workbook_bytes(kept)  # the rows written out are kept for another save
