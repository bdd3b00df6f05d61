"""The new rules as spec entries end to end: listed in the template's 填报说明 and the 问题清单's
说明 sheet, and last year's texts.csv reaching the 年年雷同 check through `nianbao run`."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from helpers import COUNTY_TOML, FORM_2019, FORM_2021, QINGTANG, write_county_toml, write_report
from pipeline.cli import main
from pipeline.report.findings_xlsx import findings_workbook
from pipeline.workbook.template import build_workbook

NEW_RULES = ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "X4", "X5", "P1")  # and X3 (after T7) in the 2021 format


@pytest.mark.parametrize("form, year", [(FORM_2019, 2020), (FORM_2021, 2025)], ids=["gov2019", "gov2021"])
def test_text_rules_are_spec_entries_listed_in_the_guide(form, year):
    assert [r.id for r in form.text_rules] == list(NEW_RULES[:7]) + ["X3"] * (form is FORM_2021) + list(NEW_RULES[7:])
    for rule in form.text_rules:
        assert rule.title and rule.instruction and rule.severity in ("错误", "警告", "提示")
        assert rule.anchor in {t.key for t in form.texts} or form.has_cell(rule.anchor)
        assert all(form.has_cell(k) for k in rule.cells), rule.id
    wb = build_workbook(form, year)
    heads = [c.value for c in wb["填报说明"]["A"] if c.value]
    text = "\n".join(str(c.value) for c in wb["填报说明"]["B"] if c.value)
    for rule in form.text_rules:
        assert f"{rule.id}（{rule.severity}）" in heads
        assert rule.title in text
    assert ("X3（提示）" in heads) == (form is FORM_2021)
    assert "文字部分与上年度报告雷同（与上年度报告核对）" in text
    assert "主要数字与同类单位差异悬殊（与本县同类单位比较）" in text


def test_findings_workbook_explains_the_new_rules():
    wb = findings_workbook([], title="问题清单", rules=FORM_2021.rules + FORM_2021.text_rules)
    rows = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True) if r[0]}
    assert rows["T1"] == "文字中引用的数字与表格一致"
    assert rows["X5"] == "文字部分与上年度报告雷同"


def test_run_compares_the_text_with_last_years_texts_csv(tmp_path, capsys):
    last = tmp_path / "2024年"
    write_report(last / "收件箱" / "03.xlsx", FORM_2021, year=2024, unit=QINGTANG)
    assert main(["run", "--config", str(write_county_toml(last, 2024))]) == 0
    assert (last / "输出" / "2024" / "texts.csv").is_file()

    this = tmp_path / "2025年"
    (this / "收件箱").mkdir(parents=True)
    toml = COUNTY_TOML.format(year=2025).replace('output = "输出"\n', f'output = "输出"\nhistory = {str(last / "输出")!r}\n')
    (this / "county.toml").write_text(toml, encoding="utf-8")
    # the same 五 as last year; 上年结转 as last year's 结转下年度 (X1)
    write_report(this / "收件箱" / "03.xlsx", FORM_2021, year=2025, unit=QINGTANG,
                 changes={"t3.carried_in.natural": 2, "t3.received.natural": 4})
    assert main(["run", "--config", str(this / "county.toml")]) == 0  # a warning, not an error
    ws = openpyxl.load_workbook(this / "输出" / "2025" / "问题清单.xlsx")["问题清单"]
    header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=3))]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    x5 = [r for r in rows if r.get("规则代码") == "X5"]
    # both 五 and 一 are last year's, word for word (the year aside)
    assert sorted((r["工作表"], r["单元格"], r["级别"]) for r in x5) == [("一、总体情况", "A7", "警告"), ("五、问题及改进", "A4", "警告")]
    assert any("五、存在的主要问题及改进情况与本单位上年度报告的同一部分高度相似（相似度 100%" in r["说明"] for r in x5)
