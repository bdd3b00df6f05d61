"""The demo county and the seed example: consistent data, planted mistakes, deterministic files."""

from __future__ import annotations

import datetime as dt
import functools
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pipeline.config import load_config
from pipeline.demo import (
    DEFAULT_OUT,
    DEMO_COUNTY,
    EXAMPLES,
    SEED_EXAMPLE,
    DemoDataError,
    build_demo_inbox,
    demo_folders,
    expand_values,
    load_year,
    run_demo,
    with_totals,
)
from pipeline.files import FIXED_ZIP_TIME
from pipeline.forms import evaluate, form_for_year
from pipeline.forms.common import APPLICANTS, T3_COLUMNS
from pipeline.office import convert, find_soffice
from pipeline.workbook import layout
from pipeline.workbook.fill import fill_workbook, target_cell
from pipeline.workbook.template import build_workbook

SEED_TEXT = SEED_EXAMPLE / "原始报告.txt"  # a copy of the published report the example was typed from
SHARED_SEED = Path("/work/shared/seeds/000_0b900a435422d60b.txt")
FORM_2021 = form_for_year(2025)
FORM_2019 = form_for_year(2019)

# Every planted mistake of the 2025 inbox: (unit code, type, cell key, value written). The YAML must
# plant exactly these, and each must be found in the returned workbook.
PLANTED = [
    ("02", "blank", "t3.received.research", None),
    ("02", "dash", "t4.suit_direct.upheld", "-"),
    ("02", "dash", "t4.suit_direct.corrected", "-"),
    ("02", "dash", "t4.suit_direct.other", "-"),
    ("02", "dash", "t4.suit_direct.pending", "-"),
    ("03", "slash", "t2.rules.issued", "/"),
    ("03", "slash", "t2.rules.repealed", "/"),
    ("03", "slash", "t2.rules.in_force", "/"),
    ("03", "unit_text", "t3.disclosed.natural", "6件"),
    ("07", "balance", "t3.received.natural", 11),
    ("07", "wrong_total", "t4.review.total", 3),
    ("11", "township_rules", "t2.rules.issued", 2),
    ("11", "township_rules", "t2.rules.in_force", 2),
    ("18", "fullwidth", "t2.normative.in_force", "１２"),
    ("18", "thousands", "t2.licensing.decisions", "1,200"),
    ("18", "unit_text", "t2.fees.amount", "1.5万元"),
]
FILE_MISTAKES = [("05", "duplicate"), ("09", "old_format"), ("10", "missing")]

INBOX_2025 = [
    "01-青石镇.xlsx", "02-白沙镇.xlsx", "03-柳溪镇.xlsx", "04-松岭乡.xlsx", "05-云台镇.xlsx",
    "05-云台镇（修改后）.xlsx", "06-桃源乡.xlsx", "07-石门镇.xlsx", "08-枫林镇.xlsx", "09-龙泉乡.xlsx",
    "11-东坪镇.xlsx", "12-南岗乡.xlsx", "13-竹园乡.xlsx", "14-梅溪镇.xlsx", "15-示例县发改局.xlsx",
    "16-示例县市场监管局.xlsx", "17-示例县自然资源局.xlsx", "18-示例县行政审批局.xlsx",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """run_demo once for the whole module; returns (out_dir, printed text)."""
    out = tmp_path_factory.mktemp("demo")
    capture = pytest.MonkeyPatch()
    import io

    from rich.console import Console

    buffer = io.StringIO()
    capture.setattr("rich.console.Console", lambda **kw: Console(file=buffer, width=200, **kw))
    try:
        assert run_demo(out) == 0
    finally:
        capture.undo()
    return out, buffer.getvalue()


@pytest.fixture(scope="module")
def inbox_2025(demo) -> Path:
    return demo_folders(demo[0])["inbox_2025"]


@pytest.fixture(scope="module")
def data_2024():
    return load_year(DEMO_COUNTY, 2024)


@pytest.fixture(scope="module")
def data_2025():
    return load_year(DEMO_COUNTY, 2025)


@functools.lru_cache(maxsize=None)
def _load(path: Path, mtime: float):
    return openpyxl.load_workbook(path)


def read(path: Path, form=FORM_2021, key: str | None = None):
    """A returned workbook (loaded once per test run; tests only look at it)."""
    wb = _load(path, path.stat().st_mtime)
    return wb if key is None else target_cell(wb, form, key)


# --- the example files ---------------------------------------------------------------------------


def test_demo_county_roster():
    config = load_config(DEMO_COUNTY / "county.toml")
    assert (config.county, config.year, config.deadline) == ("示例县", 2025, dt.date(2026, 1, 31))
    assert [u.code for u in config.units] == [f"{i:02d}" for i in range(1, 19)]
    assert [u.kind for u in config.units].count("乡镇") == 14
    assert [u.kind for u in config.units].count("部门") == 4
    assert config.unit("01").full_name == "青石镇人民政府"
    assert config.unit("15").full_name == "示例县发展和改革局"
    # the config points at the folders run_demo writes by default
    assert config.inbox == demo_folders(DEFAULT_OUT)["inbox_2025"]


def test_everything_is_marked_as_example_data(data_2024, data_2025):
    assert "示例数据" in (DEMO_COUNTY / "county.toml").read_text(encoding="utf-8")
    for year in (2024, 2025):
        assert (DEMO_COUNTY / "data" / f"{year}.yaml").read_text(encoding="utf-8").startswith("# 示例数据")
    for data in (data_2024, data_2025):
        for report in data.units.values():
            assert report.texts["text.preface"].startswith("【示例数据】"), report.code
    assert "示例数据" in (EXAMPLES / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("year", [2024, 2025])
def test_every_unit_balances_in_every_column(year):
    """The stored data is clean: R1 per column and the identities hold once totals are computed."""
    data = load_year(DEMO_COUNTY, year)
    assert len(data.units) == 18
    for report in data.units.values():
        values = with_totals(data.form, report.values)
        evaluations = [evaluate(rule, values) for rule in data.form.rules_for(cross_year=False) if rule.id[0] in "RI"]
        failed = [(e.rule.id, e.rule.scope) for e in evaluations if e is not None and not e.passed]
        assert failed == [], report.code
        assert all(e is not None for e in evaluations), report.code


def test_carried_in_2025_equals_carried_over_2024(data_2024, data_2025):
    for code, report in data_2025.units.items():
        last = data_2024.units[code]
        for col, _ in T3_COLUMNS[:-1]:
            assert report.values[f"t3.carried_in.{col}"] == last.values[f"t3.carried_over.{col}"], (code, col)
        current = with_totals(data_2025.form, report.values)
        previous = with_totals(data_2024.form, last.values)
        for rule in data_2025.form.rules_for(cross_year=True):
            assert evaluate(rule, current, previous).passed, (code, rule.scope)
    # some units really carry applications over, so the check is not trivially 0 = 0
    assert sum(r.values["t3.carried_in.natural"] for r in data_2025.units.values()) == 5


def test_yaml_plants_exactly_the_listed_mistakes(data_2024, data_2025):
    assert all(not r.mistakes for r in data_2024.units.values())
    planted = [
        (code, m.type, m.cell, m.value)
        for code, report in data_2025.units.items()
        for m in report.mistakes
        if m.cell is not None
    ]
    assert planted == PLANTED
    files = [(code, m.type) for code, r in data_2025.units.items() for m in r.mistakes if m.cell is None]
    assert files == FILE_MISTAKES
    assert all(m.note for r in data_2025.units.values() for m in r.mistakes)
    clean = [code for code, r in data_2025.units.items() if not r.mistakes]
    assert len(clean) == 10


def test_readme_lists_every_planted_mistake(data_2025):
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for code, kind, cell, value in PLANTED:
        row = next(line for line in readme.splitlines() if line.startswith(f"| {code} ") and f"（{kind}" in line)
        assert f"`{cell}`" in row
        assert (f"`{value}`" if value is not None else "空白") in row
    for code, kind in FILE_MISTAKES:
        assert any(line.startswith(f"| {code} ") and f"（{kind}）" in line for line in readme.splitlines())


def test_balance_mistake_really_breaks_the_balance(data_2025):
    report = data_2025.units["07"]
    typed = {k: v for k, v in report.returned_values.items() if not data_2025.form.cell(k).is_total}
    assert typed["t3.received.natural"] == 11
    values = with_totals(data_2025.form, typed)
    failed = {
        rule.scope
        for rule in data_2025.form.rules
        if rule.id == "R1" and not evaluate(rule, values).passed
    }
    assert failed == {"自然人列", "总计列"}


def test_compact_rows_are_checked():
    with pytest.raises(DemoDataError, match="应有 6 个数"):
        expand_values(FORM_2021, {"t3": {"received": [1, 2]}})
    with pytest.raises(DemoDataError, match="没有可填写的“total”行"):
        expand_values(FORM_2021, {"t3": {"total": [0] * 6}})
    assert expand_values(FORM_2021, {"t2": {"licensing": 5}})["t2.licensing.decisions"] == 5


# --- the seed example ----------------------------------------------------------------------------


def test_seed_example_numbers():
    data = load_year(SEED_EXAMPLE, 2019)
    assert data.form.id == "gov2019"
    report = data.units["01"]
    assert report.name == "青塘镇"
    values = report.values
    assert values["t3.other.other_org"] == 6
    assert [values[f"t3.partial.{c}"] for c, _ in APPLICANTS] == [None] * 6
    others = {k: v for k, v in values.items() if k != "t3.other.other_org" and not k.startswith("t3.partial.")}
    assert set(others.values()) == {0}
    assert len(values) == len(FORM_2019.input_cells)
    totals = with_totals(data.form, values)
    assert totals["t3.other.total"] == totals["t3.total.total"] == 6
    assert report.info == {"info.date": dt.date(2020, 1, 13)}
    assert report.texts["text.other"] == "无。"
    config = load_config(SEED_EXAMPLE / "county.toml")
    assert [(u.name, u.full_name, u.kind) for u in config.units] == [("青塘镇", "青塘镇人民政府", "乡镇")]


def test_seed_narrative_is_verbatim():
    seed = SEED_TEXT.read_text(encoding="utf-8")
    if SHARED_SEED.exists():
        assert seed == SHARED_SEED.read_text(encoding="utf-8")
    texts = load_year(SEED_EXAMPLE, 2019).units["01"].texts
    assert texts["text.preface"].startswith("青塘镇根据《中华人民共和国政府信息公开条例》")
    assert texts["text.overview"].splitlines()[1] == "（一）加强组织领导，政务公开工作机制逐步健全完善"
    assert len(texts["text.overview"].splitlines()) == 9
    assert texts["text.problems"].splitlines()[0] == "（一）工作中存在的问题"
    for key in ("text.preface", "text.overview", "text.problems", "text.other"):
        for line in texts[key].splitlines():
            assert line and line == line.strip(" \u3000") and "bookmark" not in line
            assert line in seed, (key, line)


def test_seed_inbox_workbook(demo):
    (path,) = sorted(demo_folders(demo[0])["seed_inbox"].glob("*.xlsx"))
    assert path.name == "01-青塘镇.xlsx"
    wb = read(path)
    assert wb["_nianbao"]["B2"].value == "gov2019"
    assert target_cell(wb, FORM_2019, "t3.other.other_org").value == 6
    assert target_cell(wb, FORM_2019, "t3.partial.natural").value is None
    assert target_cell(wb, FORM_2019, "t3.other.total").value.startswith("=SUM(")
    assert target_cell(wb, FORM_2019, "info.date").value == dt.datetime(2020, 1, 13)
    assert target_cell(wb, FORM_2019, "text.other").value == "无。"


# --- the built inboxes ---------------------------------------------------------------------------


def test_run_demo_writes_templates_and_inboxes(demo):
    out, printed = demo
    folders = demo_folders(out)
    templates = sorted(p.name for p in folders["templates"].glob("*.xlsx"))
    assert len(templates) == 19 and "空白模板.xlsx" in templates and "10-杏花镇.xlsx" in templates
    assert len(list(folders["inbox_2024"].glob("*.xlsx"))) == 18
    assert sorted(p.name for p in folders["inbox_2025"].glob("*.xlsx")) == sorted(INBOX_2025)
    assert "示例数据已生成" in printed
    assert "2025年收件箱（植入常见填报错误）：18 个文件" in printed
    assert str(folders["inbox_2025"]) in printed
    # the 2025 templates carry over last year's 结转下年度
    wb = read(folders["templates"] / "17-示例县自然资源局.xlsx")
    assert target_cell(wb, FORM_2021, "t3.carried_in.natural").value == 2


@pytest.mark.parametrize("code,kind,key,value", PLANTED, ids=[f"{p[0]}-{p[1]}-{p[2]}" for p in PLANTED])
def test_planted_mistake_is_in_the_returned_workbook(inbox_2025, code, kind, key, value):
    (path,) = [inbox_2025 / n for n in INBOX_2025 if n.startswith(f"{code}-")]
    cell = read(path, key=key)
    assert cell.value == value
    if isinstance(value, str):
        assert cell.data_type == "s"
    elif value is not None:
        assert cell.data_type == "n"  # also where a total formula was overwritten


def test_clean_unit_holds_its_data_and_formulas(inbox_2025, data_2025):
    wb = read(inbox_2025 / "16-示例县市场监管局.xlsx")
    report = data_2025.units["16"]
    for key, value in report.values.items():
        assert target_cell(wb, FORM_2021, key).value == value, key
    for cell in FORM_2021.cells:
        if cell.is_total:
            assert str(target_cell(wb, FORM_2021, cell.key).value).startswith("=SUM("), cell.key
    for key, text in report.texts.items():
        assert target_cell(wb, FORM_2021, key).value == text
    assert target_cell(wb, FORM_2021, "info.contact").value == "梁晓红"
    assert target_cell(wb, FORM_2021, "info.unit_code").value == "16"


def test_duplicate_files_differ_slightly(inbox_2025):
    first, second = inbox_2025 / "05-云台镇.xlsx", inbox_2025 / "05-云台镇（修改后）.xlsx"
    pairs = {
        "t3.received.natural": (4, 5),
        "t3.disclosed.natural": (3, 4),
        "t2.penalty.decisions": (19, 21),
        "info.date": (dt.datetime(2026, 1, 22), dt.datetime(2026, 1, 26)),
        "t3.received.commercial": (1, 1),
    }
    for key, expected in pairs.items():
        assert (read(first, key=key).value, read(second, key=key).value) == expected, key
    assert second.stat().st_mtime > first.stat().st_mtime


def test_missing_unit_has_no_file(inbox_2025):
    assert not list(inbox_2025.glob("10-*"))
    assert not list(inbox_2025.glob("*杏花镇*"))


def test_old_format_unit_returned_the_2019_template(inbox_2025, data_2025):
    wb = read(inbox_2025 / "09-龙泉乡.xlsx")
    meta = {row[0].value: row[1].value for row in wb["_nianbao"].iter_rows()}
    assert (meta["format"], meta["year"], meta["unit_code"]) == ("gov2019", "2020", "09")
    values = data_2025.units["09"].values
    for key in ("t2.licensing.decisions", "t3.received.natural", "t3.disclosed.natural", "t3.unable_not_held.natural"):
        assert target_cell(wb, FORM_2019, key).value == values[key]
    assert target_cell(wb, FORM_2019, "t2.rules.made").value == 0  # only in the old format
    assert target_cell(wb, FORM_2019, "t3.other.natural").value == 0
    assert target_cell(wb, FORM_2019, "text.overview").value == data_2025.units["09"].texts["text.overview"]


def test_inbox_is_byte_identical_when_built_again(inbox_2025, tmp_path):
    again = build_demo_inbox(DEMO_COUNTY, 2025, tmp_path)
    assert [p.name for p in again] == INBOX_2025
    for path in again:
        assert path.read_bytes() == (inbox_2025 / path.name).read_bytes(), path.name
    with zipfile.ZipFile(again[0]) as archive:
        assert {i.date_time for i in archive.infolist()} == {FIXED_ZIP_TIME}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z" in core and core.count("2026-01-01T00:00:00Z") == 2
    assert not list(tmp_path.glob(".~*")), "temporary files left behind"


# --- fill_workbook -------------------------------------------------------------------------------


def test_fill_writes_text_as_text_and_overwrites_totals(tmp_path):
    wb = build_workbook(FORM_2021, 2025)
    fill_workbook(
        wb,
        FORM_2021,
        {"t3.received.natural": "=1+1", "t3.total.total": 7, "t2.fees.amount": Decimal("1.25"), "t3.carried_in.natural": None},
        {"text.other": "=SUM(A1)是文字"},
        {"info.contact": "=王", "info.date": dt.date(2026, 1, 20)},
    )
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    wb = openpyxl.load_workbook(path)
    cells = {k: target_cell(wb, FORM_2021, k) for k in ("t3.received.natural", "text.other", "info.contact")}
    assert {k: (c.value, c.data_type) for k, c in cells.items()} == {
        "t3.received.natural": ("=1+1", "s"),
        "text.other": ("=SUM(A1)是文字", "s"),
        "info.contact": ("=王", "s"),
    }
    assert target_cell(wb, FORM_2021, "t3.total.total").value == 7
    assert target_cell(wb, FORM_2021, "t2.fees.amount").value == 1.25
    assert target_cell(wb, FORM_2021, "t3.carried_in.natural").value is None
    assert target_cell(wb, FORM_2021, "info.date").value == dt.datetime(2026, 1, 20)


def test_fill_uses_defined_names_and_falls_back_to_layout():
    wb = build_workbook(FORM_2021, 2025)
    name = layout.defined_name("t3.received.natural")
    del wb.defined_names[name]
    fill_workbook(wb, FORM_2021, {"t3.received.natural": 4}, {}, {})
    place = layout.locate(FORM_2021, "t3.received.natural")
    assert wb[place.sheet].cell(place.row, place.col).value == 4
    # a defined name that points elsewhere wins over the layout
    wb2 = build_workbook(FORM_2021, 2025)
    wb2.defined_names[layout.defined_name("t4.review.upheld")].attr_text = "'四、复议诉讼'!$A$20"
    fill_workbook(wb2, FORM_2021, {"t4.review.upheld": 9}, {}, {})
    assert wb2["四、复议诉讼"]["A20"].value == 9
    with pytest.raises(KeyError):
        fill_workbook(wb2, FORM_2021, {"t2.rules.made": 1}, {}, {})


# --- LibreOffice ---------------------------------------------------------------------------------


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice（soffice）未安装：跳过重新计算公式的测试")
def test_totals_recalculate_in_libreoffice(inbox_2025, data_2025, tmp_path):
    converted = convert(inbox_2025 / "17-示例县自然资源局.xlsx", tmp_path / "converted")
    wb = openpyxl.load_workbook(converted, data_only=True)
    expected = with_totals(FORM_2021, data_2025.units["17"].values)
    for cell in FORM_2021.cells:
        if cell.is_total:
            assert target_cell(wb, FORM_2021, cell.key).value == expected[cell.key], cell.key
    assert expected["t3.total.total"] == 27 and expected["t2.fees.amount"] == 78.35


def test_the_demo_says_when_a_county_summary_is_partial(demo):
    _, printed = demo
    # 示例县 passes at city level, but its own summary leaves 7 of its 18 units out
    assert "收到 2 个县的汇总表，2 个通过校验（其中 1 个县的汇总未覆盖全部乡镇和部门，报送情况中标为“部分”）" in printed
