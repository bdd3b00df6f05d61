"""Roll-up: a city runs the same pipeline over its counties' 汇总表.xlsx and gets their sum.

Counties made with the test helpers (both formats), then the bundled demo: 示例县 (the demo county's
2025 inbox with its planted mistakes) and the generated 样板县 under the fictional 示例市."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from helpers import FINANCE, FORM_2019, FORM_2021, LONGTAN, QINGTANG, YEAR_OF, consistent_inputs, county, write_report
from pipeline.batch import run_batch
from pipeline.config import CountyConfig, Unit, load_config
from pipeline.demo import DEMO_COUNTY, build_demo_inbox, load_year
from pipeline.forms.spec import ERROR, evaluate
from pipeline.rollup_demo import CITY_EXAMPLE, SAMPLE_COUNTY, SAMPLE_SOURCES, build_city_demo, city_folders, scaled
from pipeline.coverage import Coverage, coverage_from_marks
from pipeline.summary import SUMMARY_NAME, county_totals, coverage_sentence, with_totals, write_summary
from pipeline.workbook.reader import read_workbook


def county_run(folder: Path, form, name: str, code: str | None, factor: int) -> tuple[CountyConfig, object]:
    """A county of two townships reporting consistent numbers (× factor, and × factor + 1)."""
    config = dataclasses.replace(county(folder, YEAR_OF[form.id], (QINGTANG, LONGTAN)), county=name, code=code)
    for unit, times in ((QINGTANG, factor), (LONGTAN, factor + 1)):
        values = {k: v * times for k, v in consistent_inputs(form).items()}
        write_report(config.inbox / f"{unit.code}.xlsx", form, unit=unit, values=values)
    return config, run_batch(config)


def city_config(folder: Path, year: int, units: tuple[Unit, ...]) -> CountyConfig:
    inbox = folder / "各县区汇总表"
    inbox.mkdir(parents=True, exist_ok=True)
    return CountyConfig(
        county="示例市", year=year, inbox=inbox, output=folder / "输出", history=None, deadline=None,
        units=units, path=folder / "county.toml", code="SLS",
    )


def cellwise_sum(*totals: dict[str, Decimal]) -> dict[str, Decimal]:
    return {key: sum((t[key] for t in totals), Decimal(0)) for key in totals[0]}


def assert_rules_hold(form, totals) -> None:
    for rule in form.rules:
        if rule.id in ("R1", "I1", "I2", "I3"):
            outcome = evaluate(rule, totals)
            assert outcome is not None and outcome.passed, (rule.id, rule.scope)


@pytest.mark.parametrize("form", (FORM_2019, FORM_2021), ids=lambda f: f.id)
def test_city_summary_is_the_sum_of_the_county_summaries(tmp_path, form):
    year = YEAR_OF[form.id]
    first, first_result = county_run(tmp_path / "甲县", form, "甲县", "JX", 1)
    second, second_result = county_run(tmp_path / "乙县", form, "乙县", "YX", 3)
    city = city_config(tmp_path / "市", year, (
        Unit("JX", "甲县", "甲县人民政府", "县区"), Unit("YX", "乙县", "乙县人民政府", "县区"),
    ))
    write_summary(first_result, first, city.inbox / "甲县汇总表.xlsx")
    write_summary(second_result, second, city.inbox / "乙县汇总表.xlsx")

    result = run_batch(city)

    assert [(u.unit.code, u.status) for u in result.units] == [("JX", "通过"), ("YX", "通过")]
    assert [f.message for f in result.findings if f.severity == ERROR] == []
    assert {u.unit.code: u.submission.values for u in result.units} == {
        "JX": county_totals(first_result), "YX": county_totals(second_result),
    }
    expected = cellwise_sum(county_totals(first_result), county_totals(second_result))
    assert county_totals(result) == expected
    assert expected["t3.received.natural"] == 5 * (1 + 2 + 3 + 4)
    assert_rules_hold(form, expected)

    path = write_summary(result, city, tmp_path / "市" / SUMMARY_NAME)
    submission = read_workbook(path)
    assert (submission.unit_code, submission.unit_name, submission.year) == ("SLS", "示例市", year)
    assert submission.values == expected
    # the counties' units are counted too, at the bottom level
    assert coverage_sentence(result) == "名册共 2 个单位，2 个报送了文件，2 个通过校验并计入本表；覆盖乡镇和部门 4/4。"


def partial_county(folder: Path, *, complete: bool) -> tuple[CountyConfig, object]:
    """甲县 with 青塘镇, 龙潭乡 and 县财政局 on its roster; 县财政局 sends nothing unless `complete`."""
    form = FORM_2021
    config = dataclasses.replace(county(folder, 2025, (QINGTANG, LONGTAN, FINANCE)), county="甲县", code="JX")
    for unit in (QINGTANG, LONGTAN, FINANCE) if complete else (QINGTANG, LONGTAN):
        write_report(config.inbox / f"{unit.code}.xlsx", form, unit=unit)
    return config, run_batch(config)


def test_the_summary_states_its_coverage_in_the_hidden_marks(tmp_path):
    config, result = partial_county(tmp_path / "甲县", complete=False)
    path = write_summary(result, config, tmp_path / SUMMARY_NAME)
    marks = read_workbook(path).marks
    assert marks["source"] == "summary"
    assert {k: marks[k] for k in marks if k.startswith("coverage_")} == {
        "coverage_units": "3", "coverage_accepted": "2", "coverage_uncovered": "12 县财政局（未报送）",
        "coverage_bottom_units": "3", "coverage_bottom_accepted": "2",
    }
    assert coverage_from_marks(marks) == Coverage(3, 2, ("12 县财政局（未报送）",), 3, 2)


def test_a_partial_county_gets_a_warning_and_shows_as_partial_until_it_resends(tmp_path):
    city = city_config(tmp_path / "市", 2025, (
        Unit("JX", "甲县", "甲县人民政府", "县区"), Unit("YX", "乙县", "乙县人民政府", "县区"),
    ))
    partial, partial_result = partial_county(tmp_path / "甲县", complete=False)
    second, second_result = county_run(tmp_path / "乙县", FORM_2021, "乙县", "YX", 1)
    write_summary(partial_result, partial, city.inbox / "甲县汇总表.xlsx")
    write_summary(second_result, second, city.inbox / "乙县汇总表.xlsx")

    result = run_batch(city)
    (warning,) = [f for f in result.findings if f.rule == "partial-summary"]
    assert (warning.unit_code, warning.severity) == ("JX", "警告")
    assert warning.message == (
        "甲县汇总表.xlsx 甲县的汇总表只汇总了名册 3 个单位中通过校验的 2 个（乡镇和部门 2/3），未计入：12 县财政局（未报送）。"
        "本级汇总中甲县的数字不完整。请甲县补齐后重新报送汇总表。"
    )
    assert [u.status for u in result.units] == ["通过", "通过"]  # the totals it has are sound
    from pipeline.terminal import next_steps

    assert next_steps(result) == [
        "甲县的汇总表不完整（2/3 个乡镇和部门）：请其补齐后重新报送汇总表。",
        "汇总报告是草稿（页眉标注草稿）：有单位的汇总不完整。补齐后重新运行；定稿前补写第五、六部分中标注【待补充】的内容。",
    ]
    path = write_summary(result, city, tmp_path / "市" / SUMMARY_NAME)
    status = openpyxl.load_workbook(path)["报送情况"]
    assert [(status.cell(r, 2).value, status.cell(r, 4).value) for r in (2, 3)] == [("甲县", "部分"), ("乙县", "通过")]
    assert coverage_sentence(result) == (
        "名册共 2 个单位，2 个报送了文件，2 个通过校验并计入本表；部分汇总：甲县；覆盖乡镇和部门 4/5。"
    )
    city_marks = read_workbook(path).marks
    assert (city_marks["coverage_bottom_units"], city_marks["coverage_bottom_accepted"]) == ("5", "4")

    # 甲县 re-sends a complete summary: the warning is gone
    complete, complete_result = partial_county(tmp_path / "甲县完整", complete=True)
    write_summary(complete_result, complete, city.inbox / "甲县汇总表.xlsx")
    again = run_batch(city)
    assert "partial-summary" not in {f.rule for f in again.findings}
    assert coverage_sentence(again).endswith("；覆盖乡镇和部门 5/5。")


def test_the_city_summary_report_speaks_of_the_city_and_its_counties(demo):
    from pipeline.summary import summary_report_context

    _, city, city_result, _ = demo
    context = summary_report_context(city_result, city)
    assert "由示例市政府信息公开工作主管部门汇总本市各县（市、区）的年度报告编制。" in context["preface"][0]["text"]
    assert context["overview"][1]["rest"].startswith("全市共收到政府信息公开申请")
    assert context["problems"][0]["text"].startswith("【待补充】请在此填写本市政府信息公开工作")
    # 示例县 covers 11 of its 18 units: the city's totals are partial, its report a draft that says so
    assert context["draft"] is True
    assert context["preface"][1]["text"] == "本报告汇总了名册 2 个单位中通过校验的 2 个单位的数据；示例县的汇总未覆盖其全部单位。"


def test_a_unit_report_is_never_taken_for_a_partial_summary(tmp_path):
    config, result = partial_county(tmp_path / "甲县", complete=False)
    assert "partial-summary" not in {f.rule for f in result.findings}


def test_a_county_without_code_is_found_by_its_name_with_a_warning(tmp_path):
    config, result = county_run(tmp_path / "甲县", FORM_2021, "甲县", None, 1)
    city = city_config(tmp_path / "市", 2025, (Unit("JX", "甲县", "甲县人民政府", "县区"),))
    write_summary(result, config, city.inbox / "甲县汇总表.xlsx")
    city_result = run_batch(city)
    assert city_result.units[0].status == "通过"
    assert "unit-by-name" in {f.rule for f in city_result.findings}


def test_the_city_example_config_lists_counties():
    city = load_config(CITY_EXAMPLE / "county.toml")
    assert [(u.code, u.name, u.kind) for u in city.units] == [("SLX", "示例县", "县区"), ("YBX", "样板县", "县区")]
    sample = load_config(SAMPLE_COUNTY / "county.toml")
    assert sample.code == "YBX" and sorted(u.code for u in sample.units) == sorted(SAMPLE_SOURCES)


# --- the bundled demo --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """示例县's 2025 run on the demo inbox (planted mistakes included), its summary, and the city demo."""
    folder = tmp_path_factory.mktemp("demo")
    config = dataclasses.replace(load_config(DEMO_COUNTY / "county.toml"), code="SLX")
    build_demo_inbox(DEMO_COUNTY, 2025, folder / "示例县收件箱")
    config = dataclasses.replace(config, inbox=folder / "示例县收件箱", output=folder / "示例县结果")
    county_result = run_batch(config)
    summary = write_summary(county_result, config, folder / "示例县汇总表.xlsx")
    city, city_result = build_city_demo(folder / "out", county_summary=summary)
    return county_result, city, city_result, folder / "out"


def test_demo_county_coverage(demo):
    county_result = demo[0]
    assert coverage_sentence(county_result) == (
        "名册共 18 个单位，17 个报送了文件，11 个通过校验并计入本表；未报送：杏花镇；"
        "未通过：白沙镇、柳溪镇、云台镇（重复报送）、石门镇、龙泉乡、示例县行政审批局。"
    )


def sample_totals() -> dict[str, Decimal]:
    """样板县's totals from the example data: each unit's clean 2025 numbers × its factor."""
    data = load_year(DEMO_COUNTY, 2025)
    form = data.form
    units = []
    for source, factor in SAMPLE_SOURCES.values():
        values = scaled(data.units[source].values, factor)
        units.append(with_totals(form, {k: Decimal(str(v)) for k, v in values.items()}))
    return cellwise_sum(*units)


def test_demo_city_sums_the_two_counties(demo):
    county_result, city, city_result, out = demo
    folders = city_folders(out)
    assert city.inbox == folders["city_inbox"]
    assert [(u.unit.code, u.status) for u in city_result.units] == [("SLX", "通过"), ("YBX", "通过")]
    assert [f.message for f in city_result.findings if f.severity == ERROR] == []
    sample = run_batch(dataclasses.replace(load_config(SAMPLE_COUNTY / "county.toml"), inbox=folders["sample_inbox"]))
    assert [u.status for u in sample.units] == ["通过"] * len(SAMPLE_SOURCES)
    assert county_totals(sample) == sample_totals()

    expected = cellwise_sum(county_totals(county_result), sample_totals())
    assert_rules_hold(city_result.form, expected)
    summary = read_workbook(folders["city_results"] / SUMMARY_NAME)
    assert (summary.unit_code, summary.unit_name) == ("SLS", "示例市")
    assert summary.values == expected
    assert summary.values["t2.fees.amount"] == county_totals(county_result)["t2.fees.amount"] + sample_totals()["t2.fees.amount"]


def test_demo_city_files_are_stable(demo):
    *_, out = demo
    folders = city_folders(out)
    before = {p.name: p.read_bytes() for p in folders["city_inbox"].iterdir()}
    city_summary = (folders["city_results"] / SUMMARY_NAME).read_bytes()
    build_city_demo(out, county_summary=folders["city_inbox"] / "SLX-示例县-汇总表.xlsx")
    assert {p.name: p.read_bytes() for p in folders["city_inbox"].iterdir()} == before
    assert (folders["city_results"] / SUMMARY_NAME).read_bytes() == city_summary


def test_the_city_run_writes_no_report_per_county_and_exits_0(demo, capsys):
    """A county's 汇总表 carries no narrative or date: the county publishes its own report, so the
    city's run renders none for it (and does not fail for the missing 落款日期)."""
    from pipeline.word import render_reports

    _, city, city_result, out = demo
    assert render_reports(city_result, city, out_dir=out / "城市报告") == {}
    assert not (out / "城市报告" / "报告").exists() or list((out / "城市报告" / "报告").iterdir()) == []
    # the only finding: 示例县 covers 11 of its 18 units (a warning, not an error)
    assert [(u.unit.code, [f.rule for f in u.findings]) for u in city_result.units] == [("SLX", ["partial-summary"]), ("YBX", [])]


def test_the_demo_city_says_that_the_demo_county_is_partial(demo):
    *_, out = demo
    status = openpyxl.load_workbook(city_folders(out)["city_results"] / SUMMARY_NAME)["报送情况"]
    assert [(status.cell(r, 2).value, status.cell(r, 4).value) for r in (2, 3)] == [("示例县", "部分"), ("样板县", "通过")]
    coverage = openpyxl.load_workbook(city_folders(out)["city_results"] / SUMMARY_NAME)["汇总"]["A2"].value
    assert coverage.endswith("；部分汇总：示例县；覆盖乡镇和部门 19/26。")
