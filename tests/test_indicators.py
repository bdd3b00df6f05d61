"""Indicators for superiors: exact figures per unit and for the county, the ranking, the sheets of
汇总表.xlsx and the sentences of 汇总报告."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from helpers import FORM_2019, FORM_2021, county
from pipeline.batch import FAILED, PASSED, RunResult, UnitResult
from pipeline.config import Unit
from pipeline.findings import Finding
from pipeline.indicators import (
    INDICATOR_SHEET, PEERS_SHEET, RANKING_SHEET, indicator_sentences, indicator_table, percent, ranking, rate,
)
from pipeline.summary import summary_report_context, summary_workbook
from pipeline.workbook.reader import FileInfo, Submission


def unit_result(code: str, values: dict[str, object], *, form=FORM_2021, status=PASSED, kind="乡镇") -> UnitResult:
    inputs = {c.key: Decimal(0) for c in form.input_cells}
    inputs.update({k: Decimal(str(v)) for k, v in values.items()})
    sub = Submission(FileInfo(Path(f"{code}.xlsx"), 0, dt.datetime(2026, 1, 20), ""), form=form, year=2025,
                     values=form.with_totals(inputs))
    return UnitResult(Unit(code, f"单位{code}", f"单位{code}", kind), status, sub, [sub], [])


def run(*units: UnitResult, form=FORM_2021, findings=()) -> RunResult:
    return RunResult(2025, form, list(units), [], list(findings))


A = {"t3.received.natural": 7, "t3.disclosed.natural": 4, "t3.partial.natural": 2, "t3.refused_secret.natural": 1,
     "t4.review.upheld": 2, "t4.review.corrected": 1, "t2.fees.amount": "0.1"}
B = {"t3.received.natural": 3, "t3.disclosed.natural": 1, "t3.unable_not_held.natural": 2,
     "t4.suit_direct.corrected": 1, "t2.fees.amount": "0.2"}
C = {"t3.received.natural": 0}  # nothing to divide


def test_indicator_table_is_exact_per_unit_and_for_the_county():
    table = indicator_table(run(unit_result("01", A), unit_result("02", B), unit_result("03", C)))
    rows = {r["unit_code"]: r for r in table.to_dict("records")}
    assert rows["01"]["实质公开率"] == Decimal("0.8571")  # 6 / 7, half-up
    assert rows["01"]["不予公开率"] == Decimal("0.1429")
    assert rows["01"]["复议纠错率"] == Decimal("0.3333") and rows["01"]["诉讼纠错率"] is None
    assert rows["02"]["实质公开率"] == Decimal("0.3333") and rows["02"]["诉讼纠错率"] == Decimal("1.0000")
    assert rows["03"]["实质公开率"] is None and rows["03"]["outcomes"] == 0
    county = rows[""]
    assert county["unit"] == "全县合计"
    assert (county["实质公开率.numerator"], county["实质公开率.denominator"]) == (Decimal(7), Decimal(10))
    assert county["实质公开率"] == Decimal("0.7000")
    assert county["收费金额（万元）"] == Decimal("0.3")  # 0.1 + 0.2 exactly, not 0.30000000000000004
    assert isinstance(county["收费金额（万元）"], Decimal)


def test_failed_units_are_not_counted():
    table = indicator_table(run(unit_result("01", A), unit_result("02", B, status=FAILED)))
    assert list(table["unit_code"]) == ["01", ""]
    assert table.iloc[-1]["实质公开率"] == Decimal("0.8571")


def test_rate_and_percent():
    assert rate(Decimal(2), Decimal(3)) == Decimal("0.6667")
    assert rate(Decimal(1), Decimal(0)) is None
    assert (percent(Decimal("0.6889")), percent(Decimal("1.0000")), percent(None)) == ("68.89%", "100%", "—")


def test_ranking_high_first_ties_by_outcomes_and_no_rank_without_applications():
    d = {"t3.received.natural": 14, "t3.disclosed.natural": 12, "t3.partial.natural": 0, "t3.refused_secret.natural": 2}
    ranked = ranking(run(unit_result("01", A), unit_result("02", B), unit_result("03", C), unit_result("04", d)))
    assert [(r["rank"], r["unit_code"]) for r in ranked.to_dict("records")] == [(1, "04"), (2, "01"), (3, "02"), (None, "03")]


def test_ranking_of_a_table_made_before_is_the_ranking():
    result = run(unit_result("01", A), unit_result("02", B), unit_result("03", C))
    assert ranking(result, indicator_table(result)).equals(ranking(result))


def test_a_unit_that_passed_without_any_indicator_cell_is_still_a_row():
    # the table reads only the cells the indicators use; a unit is listed all the same
    other = unit_result("02", {})
    other.submission.values = {"t2.rules.issued": Decimal(1)}
    table = indicator_table(run(unit_result("01", A), other))
    rows = {r["unit_code"]: r for r in table.to_dict("records")}
    assert list(table["unit_code"]) == ["01", "02", ""]
    assert rows["02"]["outcomes"] == 0 and rows["02"]["实质公开率"] is None


def test_2019_format_has_no_fee_amount():
    table = indicator_table(run(unit_result("01", A | {"t2.fees.amount": 0}, form=FORM_2019), form=FORM_2019))
    assert "收费金额（万元）" not in table.columns


def test_sentences():
    peer = Finding("02", "单位02", "02.xlsx", "", "", "", "", "P1", "提示", "……")
    result = run(unit_result("01", A), unit_result("02", B), unit_result("03", C), findings=[peer])
    assert indicator_sentences(result) == [
        "全县通过校验的3个单位本年度办结政府信息公开申请10件，其中予以公开和部分公开7件，实质公开率为70%；不予公开1件，不予公开率为10%。",
        "因政府信息公开被申请行政复议3件，其中结果纠正1件，复议纠错率为33.33%。",
        "因政府信息公开被提起行政诉讼1件，其中结果纠正1件，诉讼纠错率为100%。",
        "各单位行政事业性收费本年收费金额合计0.3万元。",
        "办结申请的2个单位中，实质公开率最高的是单位01（85.71%），最低的是单位02（33.33%），排名见汇总表“排名”表。",
        "与本县同类单位相比差异悬殊、需要核实的数字有1项（单位02），详见汇总表“同类单位比较”表。",
    ]
    assert indicator_sentences(run(unit_result("03", C)))[:3] == [
        "全县通过校验的1个单位本年度没有办结的政府信息公开申请，不计算实质公开率和不予公开率。",
        "本年度没有因政府信息公开引起的行政复议案件，不计算复议纠错率。",
        "本年度没有因政府信息公开引起的行政诉讼案件，不计算诉讼纠错率。",
    ]


def test_summary_workbook_has_the_indicator_sheets_with_definitions(tmp_path):
    result = run(unit_result("03", A), unit_result("05", B))
    wb = summary_workbook(result, county(tmp_path))
    assert {INDICATOR_SHEET, RANKING_SHEET, PEERS_SHEET} <= set(wb.sheetnames)
    ws = wb[INDICATOR_SHEET]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert "实质公开率" in cells and "指标定义" in cells
    assert any(isinstance(v, str) and v.startswith("（予以公开＋部分公开）÷ 本年度办理结果（七）总计") for v in cells)
    row = next(r for r in ws.iter_rows() if r[0].value == "03")
    rate_cell = row[[c.value for c in ws[1]].index("实质公开率")]
    assert (rate_cell.value, rate_cell.number_format) == (0.8571, "0.00%")
    ranking_rows = [[c.value for c in r] for r in wb[RANKING_SHEET].iter_rows(min_row=2, max_row=3)]
    assert [r[:3] for r in ranking_rows] == [[1, "03", "单位03"], [2, "05", "单位05"]]


def test_summary_report_overview_holds_the_sentences(tmp_path):
    result = run(unit_result("03", A), unit_result("05", B))
    context = summary_report_context(result, county(tmp_path))
    overview = [p["text"] for p in context["overview"]]
    # section 一 of the summary report closes with the indicator sentences
    assert overview[-len(indicator_sentences(result)):] == indicator_sentences(result)


def test_no_unit_passed(tmp_path):
    result = run(unit_result("01", A, status=FAILED))
    table = indicator_table(result)
    assert list(table["unit_code"]) == [""] and table.iloc[0]["实质公开率"] is None
    assert ranking(result).empty
    assert indicator_sentences(result)[0] == "全县通过校验的0个单位本年度没有办结的政府信息公开申请，不计算实质公开率和不予公开率。"
    assert INDICATOR_SHEET in summary_workbook(result, county(tmp_path)).sheetnames


def test_wrapped_headers_get_a_row_tall_enough(tmp_path):
    # "实质公开率分子" in a 9-character column wraps to two lines: printed in a one-line row it ran
    # over the first unit's row
    from pipeline.workbook.cells import wrapped_lines

    wb = summary_workbook(run(unit_result("03", A), unit_result("05", B)), county(tmp_path))
    for name in (INDICATOR_SHEET, RANKING_SHEET, PEERS_SHEET):
        ws = wb[name]
        lines = max(wrapped_lines(c.value, ws.column_dimensions[c.column_letter].width) for c in ws[1] if c.value)
        height = ws.row_dimensions[1].height
        assert lines == 1 and height is None or height >= 14.0 * lines, (name, lines, height)
    assert wb[INDICATOR_SHEET].row_dimensions[1].height >= 28
