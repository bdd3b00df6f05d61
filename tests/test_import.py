"""`nianbao import`: published reports of past years into the history; `nianbao check` on them."""

from __future__ import annotations

import csv
import re
import dataclasses
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.reading import read_path

from pipeline.batch import run_batch
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.demo import DEMO_COUNTY, HANDMADE_2024, SEED_EXAMPLE, build_demo_inbox, build_published_year
from pipeline.published.importing import FINDINGS_NAME, import_reports
from pipeline.store import load_dataset, load_previous, load_texts

SEED_TEXT = SEED_EXAMPLE / "原始报告.txt"

COUNTY_TOML = """\
county = "示例县"
year = 2020
inbox = "收件箱"
history = "历年数据"

[[units]]
code = "01"
name = "青塘镇"
full_name = "青塘镇人民政府"
kind = "乡镇"

[[units]]
code = "02"
name = "白沙镇"
kind = "乡镇"
"""


@pytest.fixture
def county_dir(tmp_path) -> Path:
    (tmp_path / "收件箱").mkdir()
    (tmp_path / "county.toml").write_text(COUNTY_TOML, encoding="utf-8")
    reports = tmp_path / "已发布"
    reports.mkdir()
    (reports / "青塘镇年报.txt").write_bytes(SEED_TEXT.read_bytes())
    (reports / "通知.txt").write_text("关于召开会议的通知", encoding="utf-8")
    (reports / "柳溪镇2019年政府信息公开工作年度报告.txt").write_bytes(
        SEED_TEXT.read_bytes().decode("utf-8").replace("青塘镇", "柳溪镇").encode("utf-8"))
    return tmp_path


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_import_writes_history_flags_failed_values_and_lists_unmatched(county_dir, capsys, monkeypatch):
    monkeypatch.chdir(county_dir)
    code = main(["import", "--config", "county.toml", "已发布"])
    out = capsys.readouterr().out
    assert code == 1  # two files could not be imported
    assert "2019年度：导入 1 个单位的报告（青塘镇）" in out
    assert "以下文件未导入：" in out and "通知.txt" in out and "柳溪镇2019年政府信息公开工作年度报告.txt：" in out
    # the reason a file was left out is why it was left out (not its first table error), and the errors
    # counted for the year are those of the imported reports only
    assert "柳溪镇2019年政府信息公开工作年度报告.txt：柳溪镇2019年政府信息公开工作年度报告.txt 无法确定是名册中的哪个单位" in out
    imported_errors = re.search(r"2019年度：导入 1 个单位的报告（青塘镇）；报告中发现 (\d+) 个错误", out).group(1)
    assert int(imported_errors) == sum(1 for f in read_path(county_dir / "已发布" / "青塘镇年报.txt").findings if f.is_error) + 2  # + the seed's two R1 errors (其他, 总计)
    folder = county_dir / "历年数据" / "2019"
    data = rows(folder / "data.csv")
    assert {r["unit_code"] for r in data} == {"01"} and len(data) == 198
    by_key = {r["key"]: r for r in data}
    assert by_key["t3.total.other_org"]["value"] == "6" and by_key["t3.total.other_org"]["flags"] == "R1"
    assert by_key["t3.partial.natural"]["flags"] == "blank-as-zero"
    assert by_key["t3.received.other_org"]["flags"] == "R1" and by_key["t3.received.natural"]["flags"] == ""
    assert by_key["t2.rules.made"]["flags"] == ""
    assert by_key["t3.carried_over.total"]["source"] == "青塘镇年报.txt｜表2｜四、结转下半年度继续办理｜总计"
    assert load_dataset(folder / "data.csv")["01"]["t3.total.total"] == Decimal(6)
    assert load_texts(folder / "texts.csv")["01"]["text.other"] == "无。"
    import openpyxl

    ws = openpyxl.load_workbook(folder / FINDINGS_NAME).active
    listed = [(r[0], r[2], r[7], r[13]) for r in ws.iter_rows(min_row=2, values_only=True)]  # 规则 and 规则代码
    assert ("01", "青塘镇年报.txt", "勾稽关系", "R1") in listed
    assert (None, "柳溪镇2019年政府信息公开工作年度报告.txt", "无法确定报送单位", "unknown-unit") in listed


def test_import_is_byte_identical_when_run_again(county_dir, monkeypatch):
    monkeypatch.chdir(county_dir)
    main(["import", "--config", "county.toml", "已发布"])
    folder = county_dir / "历年数据" / "2019"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    main(["import", "--config", "county.toml", "已发布"])
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before


def test_import_never_overwrites_a_run_dataset(county_dir, capsys, monkeypatch):
    monkeypatch.chdir(county_dir)
    folder = county_dir / "历年数据" / "2019"
    folder.mkdir(parents=True)
    (folder / "data.csv").write_text("unit_code,unit_name,year,format,key,table,row_label,column_label,value\n", encoding="utf-8-sig")
    assert main(["import", "--config", "county.toml", "已发布/青塘镇年报.txt"]) == 2
    assert "导入不会覆盖它" in capsys.readouterr().err


def test_import_without_history_is_a_usage_error(county_dir, capsys, monkeypatch):
    monkeypatch.chdir(county_dir)
    (county_dir / "county.toml").write_text(COUNTY_TOML.replace('history = "历年数据"\n', ""), encoding="utf-8")
    assert main(["import", "--config", "county.toml", "已发布"]) == 2
    assert "没有 history" in capsys.readouterr().err


def test_next_year_checks_carry_over_against_the_imported_report(county_dir, monkeypatch):
    monkeypatch.chdir(county_dir)
    main(["import", "--config", "county.toml", "已发布/青塘镇年报.txt"])
    config = load_config(county_dir / "county.toml")
    previous = load_previous(config)
    assert previous["01"]["t3.carried_over.natural"] == 0


def test_check_accepts_a_published_report(capsys):
    assert main(["check", "--json", str(SEED_TEXT)]) == 1
    findings = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(f["rule"], f["column"]) for f in findings if f["rule"] == "R1"] == [("R1", "其他"), ("R1", "总计")]
    assert list(findings[0]) == ["unit_code", "unit", "file", "sheet", "cell", "row", "column", "rule", "severity",
                                 "message", "expected", "actual", "difference"]


def test_demo_imports_last_years_published_reports_and_checks_carry_over(tmp_path):
    """As `nianbao demo`: the 2024 reports published as Word (three hand-made with drifts) are
    imported, and the 2025 run finds the same carry-over errors as with the 2024 run's own data."""
    config = load_config(DEMO_COUNTY / "county.toml")
    inbox_2024, inbox_2025 = tmp_path / "2024", tmp_path / "2025"
    build_demo_inbox(DEMO_COUNTY, 2024, inbox_2024)
    build_demo_inbox(DEMO_COUNTY, 2025, inbox_2025)
    earlier = run_batch(dataclasses.replace(config, year=2024, inbox=inbox_2024))
    published = build_published_year(earlier, config, tmp_path / "已发布")
    assert len(published) == 18 and sum(p.name.startswith(tuple("0123456789")) for p in published) == 18 - len(HANDMADE_2024)
    this_year = dataclasses.replace(config, inbox=inbox_2025, history=tmp_path / "导入")
    imported = import_reports(this_year, [tmp_path / "已发布"])
    assert sorted(u.code for u, _ in imported.imported[2024]) == sorted(u.code for u in config.units)
    assert imported.unmatched == [] and imported.duplicates == []
    previous = load_previous(this_year)
    own = {u.unit.code: u.submission.values for u in earlier.passed()}
    for code, values in own.items():
        carried = {k: v for k, v in values.items() if k.startswith("t3.carried_over.")}
        assert {k: previous[code][k] for k in carried} == carried, code
    with_import = run_batch(this_year, previous_by_unit=previous)
    with_own = run_batch(this_year, previous_by_unit=own)
    assert with_import.findings == with_own.findings
    # and a carry-over that differs from what was published is caught
    changed = dict(previous["01"])  # a dataset's units are read-only (store.UnitValues)
    changed["t3.carried_over.natural"] += 1
    previous = {**previous, "01": changed}
    altered = run_batch(this_year, previous_by_unit=previous)
    assert [(f.unit_code, f.rule, f.column) for f in altered.findings if f.rule == "X1"] == [
        ("01", "X1", "自然人")]


def test_run_with_a_published_report_in_the_inbox_writes_no_marked_up_copy(county_dir):
    """A published report that fails is listed in 问题清单; it is no workbook to mark up and send back."""
    from pipeline.outputs import RETURNS_DIR, write_outputs

    config = load_config(county_dir / "county.toml")
    config = dataclasses.replace(config, year=2019, output=county_dir / "输出")
    (config.inbox / "青塘镇年报.txt").write_bytes(SEED_TEXT.read_bytes())
    result = run_batch(config)
    assert result.unit("01").status == "有错误" and result.unit("01").submission.medium == "txt"
    assert {f.rule for f in result.unit("01").findings} >= {"R1", "unit-by-name"}
    written = write_outputs(result, config)
    assert not (county_dir / "输出" / "2019" / RETURNS_DIR).exists()
    assert written["问题清单（Excel）"].is_file()
