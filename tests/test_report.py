"""问题清单.xlsx and 问题清单.html: headers, order, text-not-formula, escaping, stable bytes."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from pipeline.files import fixed_timestamp
from pipeline.findings import TYPES, Finding, rule_name
from pipeline.report.display import DISPLAY_COLUMNS, display_rows, short_message
from pipeline.forms import form_for_year
from pipeline.report import findings_workbook, render_findings_html, write_findings_html, write_findings_xlsx

HEADERS = ["单位代码", "单位", "文件", "工作表", "单元格", "行", "列", "规则", "级别", "说明", "期望值", "实际值", "差额", "规则代码"]
TITLE = "2025年度政府信息公开工作年度报告问题清单"


def finding(code, unit, severity, message, *, rule="R1", sheet="三、依申请公开", cell="D30", **kw) -> Finding:
    return Finding(
        unit_code=code,
        unit=unit,
        file=f"{code}-{unit}.xlsx" if code else "不明文件.xlsx",
        sheet=sheet,
        cell=cell,
        row=kw.pop("row", "总计"),
        column=kw.pop("column", "自然人"),
        rule=rule,
        severity=severity,
        message=message,
        **kw,
    )


FINDINGS = [
    finding("05", "城关镇", "提示", "已将全角数字“１２”按 12 读取。", rule="normalized", cell="D7"),
    finding("03", "青塘镇", "警告", "+86 0731 是电话号码，不是数字。", rule="W1", cell="D8"),
    finding("05", "城关镇", "错误", "=SUM(A1) 是公式，请填写数字。", rule="formula-overwritten", cell="D9",
            expected="6", actual="=SUM(A1)", difference="-6"),
    finding("03", "青塘镇", "错误", "勾稽关系不平衡（自然人列），相差 6。", expected="6", actual="0", difference="6"),
    finding("", "未知单位", "错误", "无法确定报送单位。", rule="unknown-unit", sheet="", cell="", row="", column=""),
]


@pytest.fixture
def sheet(tmp_path):
    path = tmp_path / "问题清单.xlsx"
    write_findings_xlsx(FINDINGS, path, title=TITLE, year=2025, rules=form_for_year(2025).rules)
    return openpyxl.load_workbook(path)["问题清单"]


def rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def test_headers_are_the_display_columns_with_the_code_last(sheet):
    assert [c.value for c in sheet[1]] == HEADERS == [header for _, header in DISPLAY_COLUMNS]
    assert sheet.parent.sheetnames == ["问题清单", "说明"]
    assert sheet.parent.active.title == "问题清单"


def test_errors_first_then_warnings_then_notices_by_unit(sheet):
    body = rows(sheet)
    assert len(body) == len(FINDINGS)
    assert [(r[8], r[0], r[4]) for r in body] == [
        ("错误", "03", "D30"),
        ("错误", "05", "D9"),
        ("错误", None, None),  # no unit code sorts after the known units
        ("警告", "03", "D8"),
        ("提示", "05", "D7"),
    ]
    assert body[0] == [
        "03", "青塘镇", "03-青塘镇.xlsx", "三、依申请公开", "D30", "总计", "自然人", "勾稽关系", "错误",
        "勾稽关系不平衡（自然人列），相差 6。", "6", "0", "6", "R1",
    ]
    assert [r[7] for r in body] == ["勾稽关系", "合计公式被改写", "无法确定报送单位", "乡镇填报规章", "已自动规范的输入"]
    assert [r[13] for r in body] == ["R1", "formula-overwritten", "unknown-unit", "W1", "normalized"]


def test_header_frozen_filter_over_used_range_and_widths(sheet):
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:N{len(FINDINGS) + 1}"
    assert sheet.column_dimensions["J"].width == 48
    assert sheet["J2"].alignment.wrap_text is True
    assert sheet.print_title_rows == "$1:$1"
    # A4 landscape fitted to the width; the printed columns are narrow enough for about 9 pt
    assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == ("landscape", 1, 0)
    assert sheet.print_area == f"'问题清单'!$A$1:$M${len(FINDINGS) + 1}"  # 规则代码 is not printed
    printed = sum(sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width for c in range(1, 14))
    assert printed <= 160
    assert "&P" in sheet.oddFooter.center.text


def test_severity_cells_coloured(sheet):
    colours = {row[8].value: row[8].fill for row in sheet.iter_rows(min_row=2)}
    assert colours["错误"].fgColor.rgb == "00FFC7CE"
    assert colours["警告"].fgColor.rgb == "00FFEB9C"
    assert colours["提示"].fill_type is None


def test_values_that_look_like_formulas_stay_text(tmp_path, sheet):
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row if c.value}
    for text in ("=SUM(A1) 是公式，请填写数字。", "=SUM(A1)", "+86 0731 是电话号码，不是数字。", "-6"):
        assert cells[text].data_type == "s"
    with zipfile.ZipFile(tmp_path / "问题清单.xlsx") as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml


def test_guide_sheet_explains_levels_and_each_rule_once(tmp_path, sheet):
    guide = sheet.parent["说明"]
    assert guide["A1"].value == TITLE
    values = [[c.value for c in row] for row in guide.iter_rows()]
    levels = {row[0]: row[1] for row in values if row[0] in ("错误", "警告", "提示")}
    assert levels["错误"] == "必须修改。本单位修改后重新报送，县里复核通过前不能汇总。"
    ids = [row[0] for row in values]
    assert ids.count("R1") == 1  # R1 exists once per column in the form, listed once
    r1 = next(row for row in values if row[0] == "R1")
    assert r1[1] == "勾稽关系：第一项加第二项之和，等于第三项加第四项之和"
    assert r1[2]  # the instruction
    assert ["unknown-unit", TYPES["unknown-unit"], None] in values


def test_dates_fixed_and_bytes_identical(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert write_findings_xlsx(FINDINGS, first, title=TITLE, year=2025) is True
    assert write_findings_xlsx(list(reversed(FINDINGS)), second, title=TITLE, year=2025) is True
    assert first.read_bytes() == second.read_bytes()
    assert write_findings_xlsx(FINDINGS, first, title=TITLE, year=2025) is False  # unchanged: not rewritten
    props = openpyxl.load_workbook(first).properties
    assert props.created == props.modified == fixed_timestamp(2025)


def test_no_findings_gives_a_header_only_list(tmp_path):
    ws = findings_workbook([], title=TITLE)["问题清单"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.max_row == 1
    assert ws.auto_filter.ref == "A1:N1"


def test_rules_may_be_plain_tuples():
    wb = findings_workbook([], title=TITLE, rules=[("X9", "自定义规则", "请核对。")])
    values = [[c.value for c in row] for row in wb["说明"].iter_rows()]
    assert ["X9", "自定义规则", "请核对。"] in values


# --- HTML ------------------------------------------------------------------------------------

UNITS = [("03", "青塘镇", "有错误"), ("04", "大桥乡", "未报送"), ("05", "城关镇", "有错误"), ("06", "县教育局", "通过")]


def test_html_is_chinese_utf8_self_contained(tmp_path):
    path = tmp_path / "问题清单.html"
    write_findings_html(FINDINGS, path, title=TITLE, units=UNITS)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    assert '<meta charset="utf-8">' in page
    assert f"<title>{TITLE}</title>" in page and f"<h1>{TITLE}</h1>" in page
    assert "<style>" in page
    for external in ("<link", "<script", "src=", "http://", "https://"):
        assert external not in page


def test_html_escapes_what_clerks_typed():
    nasty = finding("03", "青塘镇", "错误", "单元格填写了“<script>alert(1)</script>”和“A&B”。", actual="<b>6</b>")
    page = render_findings_html([nasty], title="清单 <i>&</i>")
    assert "<script>" not in page and "<b>6</b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "“A&amp;B”" in page
    assert "&lt;b&gt;6&lt;/b&gt;" in page
    assert "<title>清单 &lt;i&gt;&amp;&lt;/i&gt;</title>" in page


def test_html_groups_by_unit_in_roster_order_with_summary(tmp_path):
    page = render_findings_html(FINDINGS, title=TITLE, units=UNITS)
    headings = [line for line in page.splitlines() if line.startswith("<h2>")]
    assert headings == [
        "<h2>03 青塘镇</h2>",
        "<h2>04 大桥乡</h2>",
        "<h2>05 城关镇</h2>",
        "<h2>06 县教育局</h2>",
        "<h2>未知单位</h2>",  # a file no roster unit was found for comes last
    ]
    summary = page.split("</table>")[0]
    assert (
        '<td><a href="#unit-3">城关镇</a></td>\n<td><span class="status error">有错误</span></td>\n'
        '<td class="num">1</td>\n<td class="num">0</td>\n<td class="num">1</td>' in summary
    )
    assert '<span class="status missing">未报送</span>' in summary
    assert '<span class="status warning">未识别单位</span>' in summary
    assert "共 5 个单位；错误 3 个，警告 1 个，提示 1 个。" in page
    section = page.split('<section id="unit-1">')[1].split("</section>")[0]
    assert "状态：<span class=\"status error\">有错误</span>　错误 1 个，警告 1 个，提示 0 个" in section
    assert "<td>03-青塘镇.xlsx 三、依申请公开!D30</td>\n<td>总计 / 自然人</td>" in section
    # errors first inside a unit
    assert section.index("勾稽关系不平衡") < section.index("+86 0731")
    assert "未发现问题。" in page.split('<section id="unit-4">')[1].split("</section>")[0]


def test_html_units_from_findings_when_no_roster():
    page = render_findings_html(FINDINGS, title=TITLE)
    headings = [line for line in page.splitlines() if line.startswith("<h2>")]
    assert headings == ["<h2>03 青塘镇</h2>", "<h2>05 城关镇</h2>", "<h2>未知单位</h2>"]
    location = page.split("无法确定报送单位。")[0].rsplit("<tr", 1)[1]
    assert "<td>不明文件.xlsx</td>\n<td></td>" in location


def test_html_bytes_are_stable(tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    write_findings_html(FINDINGS, first, title=TITLE, units=UNITS)
    write_findings_html(list(reversed(FINDINGS)), second, title=TITLE, units=UNITS)
    assert first.read_bytes() == second.read_bytes()
    assert write_findings_html(FINDINGS, first, title=TITLE, units=UNITS) is False


# --- findings for people -----------------------------------------------------------------------


def blanks(n: int, *, unit=("03", "青塘镇"), sheet="三、依申请公开", rule="blank") -> list[Finding]:
    """`n` blank cells D7, E7, … as the reader reports them."""
    code, name = unit
    file = f"{code}-{name}.xlsx"
    found = []
    for i in range(n):
        cell = f"{chr(ord('D') + i % 6)}{7 + i // 6}"
        found.append(Finding(
            code, name, file, sheet, cell, "一、本年新收政府信息公开申请数量", "自然人", rule, "错误",
            f"{file} {sheet}!{cell} 一、本年新收政府信息公开申请数量／自然人：单元格为空。无数据请填0。",
        ))
    return found


def test_a_run_of_blank_cells_in_one_sheet_is_one_row_naming_every_cell():
    run = blanks(30)
    (row,) = display_rows(run)
    cells = "、".join(f.cell for f in sorted(run, key=lambda f: (int(f.cell[1:]), f.cell)))
    assert row.message == f"三、依申请公开有 30 个空白单元格：{cells}。无数据请填0。"
    assert (row.cell, row.rule, row.rule_name, row.count) == ("30 处", "blank", "空白单元格", 30)
    assert set(row.findings) == set(run)  # every cell is still there for the return copy


def test_runs_are_grouped_per_sheet_kind_and_unit_and_short_runs_stay_rows():
    found = blanks(5) + blanks(4, sheet="二、主动公开") + blanks(2, unit=("05", "城关镇")) + blanks(3, rule="placeholder")
    rows = display_rows(found)
    assert [(r.unit_code, r.sheet, r.rule, r.count) for r in rows] == [
        ("03", "三、依申请公开", "blank", 5),
        ("03", "三、依申请公开", "placeholder", 3),
        ("03", "二、主动公开", "blank", 4),
        ("05", "三、依申请公开", "blank", 1),
        ("05", "三、依申请公开", "blank", 1),
    ]
    assert len(display_rows(found, group=False)) == len(found)


def test_rule_findings_are_never_grouped():
    r1 = [finding("03", "青塘镇", "错误", f"勾稽关系不平衡（{c}列）。", cell=f"{c}30") for c in "DEFGH"]
    assert len(display_rows(r1)) == 5


def test_short_message_drops_file_sheet_cell_and_label():
    (blank,) = blanks(1)
    assert short_message(blank) == "单元格为空。无数据请填0。"
    r1 = finding("03", "青塘镇", "错误", "03-青塘镇.xlsx 三、依申请公开!D30 勾稽关系不平衡（自然人列）：相差 6。")
    assert short_message(r1) == "勾稽关系不平衡（自然人列）：相差 6。"
    assert short_message(FINDINGS[-1]) == "无法确定报送单位。"


def test_short_message_of_a_cell_that_was_the_subject_leaves_no_dangling_word():
    """Regression: the 说明 of a changed heading read "的表头应为“…”，实际为“（空）”。"."""
    from dataclasses import replace

    heading = replace(
        finding("03", "青塘镇", "错误", "03-青塘镇.xlsx 三、依申请公开!B8 的表头应为“二、上年结转政府信息公开申请数量”，实际为“（空）”。"),
        cell="B8", column="",
    )
    assert short_message(heading) == "表头应为“二、上年结转政府信息公开申请数量”，实际为“（空）”。"


def test_rule_names_are_chinese_for_every_rule_and_type():
    form = form_for_year(2025)
    for rule in form.rules:
        assert rule_name(rule.id) != rule.id and rule_name(rule.id).isascii() is False
    for rule_id in TYPES:
        assert rule_name(rule_id) == TYPES[rule_id]
    assert rule_name("R1") == "勾稽关系"


def test_grouped_row_in_the_xlsx_and_the_html(tmp_path):
    path = tmp_path / "问题清单.xlsx"
    write_findings_xlsx(blanks(30), path, title=TITLE, year=2025)
    body = rows(openpyxl.load_workbook(path)["问题清单"])
    assert len(body) == 1 and body[0][9].startswith("三、依申请公开有 30 个空白单元格：D7、E7、")
    page = render_findings_html(blanks(30), title=TITLE)
    assert page.count('data-rule="blank"') == 1 and "三、依申请公开有 30 个空白单元格" in page


def test_a_message_whose_subject_is_the_file_keeps_a_subject():
    from pipeline.findings import Finding
    from pipeline.report.display import short_message

    def finding(message, file="a.txt", sheet="", cell=""):
        return Finding("", "", file, sheet, cell, "", "", "x", "错误", message)

    assert short_message(finding("a.txt 中找不到政府信息公开工作年度报告的表格。")) == "本文件中找不到政府信息公开工作年度报告的表格。"
    assert short_message(finding("a.txt：a.txt 中找不到表格。")) == "本文件中找不到表格。"
    assert short_message(finding("b.xlsx 是2023年度的模板。", file="b.xlsx")) == "本文件是2023年度的模板。"
    assert short_message(finding("b.xlsx 三、依申请公开!D7 一、本年新收／自然人：单元格为空。无数据请填0。", file="b.xlsx",
                                 sheet="三、依申请公开", cell="D7")) == "一、本年新收／自然人：单元格为空。无数据请填0。"
