"""Roll-up: a city runs the same pipeline over its counties' 汇总表.xlsx and gets their sum.

Counties made with the test helpers (both formats), then the bundled demo: 示例县 (the demo county's
2025 inbox with its planted mistakes) and the generated 样板县 under the fictional 示例市."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from helpers import FORM_2019, FORM_2021, LONGTAN, QINGTANG, YEAR_OF, consistent_inputs, county, write_report
from pipeline.batch import run_batch
from pipeline.config import CountyConfig, Unit, load_config
from pipeline.demo import DEMO_COUNTY, build_demo_inbox, load_year
from pipeline.forms.spec import ERROR, evaluate
from pipeline.rollup_demo import CITY_EXAMPLE, SAMPLE_COUNTY, SAMPLE_SOURCES, build_city_demo, city_folders, scaled
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
    assert coverage_sentence(result) == "名册共 2 个单位，2 个报送了文件，2 个通过校验并计入本表。"


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
    assert all(u.findings == [] for u in city_result.units)
