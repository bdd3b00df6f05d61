"""Acceptance tests of the checking run (issue 3) on the bundled demo county and the seed example.

The inboxes are built once per module with `build_demo_inbox` (2024 clean, 2025 with the planted
mistakes of examples/demo-county/data/2025.yaml, the seed's 青塘镇 2019), checked with `run_batch`
exactly as `nianbao demo` does (2025 with the 2024 run's accepted values as last year's data), and
the outputs written once with `write_outputs`. Every expected 说明 is written out in full here, so a
change of wording is a deliberate change of these tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pipeline.batch import run_batch
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.demo import DEMO_COUNTY, SEED_EXAMPLE, build_demo_inbox
from pipeline.office import convert, find_soffice
from pipeline.report.display import display_rows
from pipeline.outputs import write_outputs
from pipeline.store import text_records

ERROR, WARNING, NOTICE = "错误", "警告", "提示"
T2, T3, T4, INFO = "二、主动公开", "三、依申请公开", "四、复议诉讼", "基本信息"
S1, S5, S6 = "一、总体情况", "五、问题及改进", "六、其他事项"  # the text sheets
T1_TODO = "请核对文字中引用的数字与表格是否一致，改正其中错误的一方。"

R1_TODO = "请核对本年新收、上年结转、各项办理结果和结转下年度继续办理的数量，使本列收支平衡。"
PLACEHOLDER_TODO = "无数据请填0，不要用“/”“-”“无”等符号代替。"

STATUS_2025 = {
    "01": "通过", "02": "有错误", "03": "有错误", "04": "通过", "05": "重复", "06": "通过",
    "07": "有错误", "08": "通过", "09": "有错误", "10": "未报送", "11": "通过", "12": "通过",
    "13": "通过", "14": "通过", "15": "通过", "16": "通过", "17": "通过", "18": "有错误",
}
CLEAN_2025 = ("01", "16")  # no mistake planted, no text or notice case either


# --- building and running once per module ----------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file below `folder`: relative path → (sha256, mtime in ns)."""
    return {
        str(p.relative_to(folder)): (sha256(p), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def inboxes(tmp_path_factory):
    """The three inboxes, built once, with a snapshot of their files taken before anything reads them."""
    root = tmp_path_factory.mktemp("demo-run")
    folders = {"2024": root / "2024年收件箱", "2025": root / "2025年收件箱", "seed": root / "2019年收件箱"}
    build_demo_inbox(DEMO_COUNTY, 2024, folders["2024"])
    build_demo_inbox(DEMO_COUNTY, 2025, folders["2025"])
    build_demo_inbox(SEED_EXAMPLE, 2019, folders["seed"])
    before = {name: snapshot(folder) for name, folder in folders.items()}
    return folders, before, root


@pytest.fixture(scope="module")
def config_2025(inboxes):
    folders, _, root = inboxes
    config = load_config(DEMO_COUNTY / "county.toml")
    return dataclasses.replace(config, inbox=folders["2025"], output=root / "结果2025")


@pytest.fixture(scope="module")
def config_2024(inboxes):
    folders, _, root = inboxes
    config = load_config(DEMO_COUNTY / "county.toml")
    return dataclasses.replace(config, year=2024, inbox=folders["2024"], output=root / "结果2024")


@pytest.fixture(scope="module")
def config_seed(inboxes):
    folders, _, root = inboxes
    config = load_config(SEED_EXAMPLE / "county.toml")
    return dataclasses.replace(config, inbox=folders["seed"], output=root / "结果2019")


@pytest.fixture(scope="module")
def run_2024(config_2024):
    return run_batch(config_2024)


@pytest.fixture(scope="module")
def previous(run_2024):
    """Last year's data as `nianbao demo` passes it: the values of the 2024 run's passed units."""
    return {u.unit.code: u.submission.values for u in run_2024.passed()}


@pytest.fixture(scope="module")
def previous_texts(run_2024):
    """Last year's texts as `nianbao demo` passes them: texts.csv of the 2024 run, by unit code."""
    texts: dict[str, dict[str, str]] = {}
    for record in text_records(run_2024):
        texts.setdefault(record.unit_code, {})[record.key] = record.text
    return texts


@pytest.fixture(scope="module")
def run_2025(config_2025, previous, previous_texts):
    return run_batch(config_2025, previous_by_unit=previous, previous_texts=previous_texts)


@pytest.fixture(scope="module")
def run_seed(config_seed):
    return run_batch(config_seed)


@pytest.fixture(scope="module")
def outputs_2025(run_2025, config_2025, inboxes):
    folder = inboxes[2] / "输出2025"
    written = write_outputs(run_2025, config_2025, folder=folder)
    return folder, written


def findings_at(result, code: str, rule: str, cell: str):
    return [f for f in result.unit(code).findings if f.rule == rule and f.cell == cell]


def fields_of(finding) -> tuple:
    return (finding.unit_code, finding.unit, finding.file, finding.rule, finding.severity, finding.sheet,
            finding.cell, finding.message, finding.expected, finding.actual, finding.difference)


# --- every planted mistake of 2025.yaml yields exactly its finding ------------------------------------


@dataclass(frozen=True)
class Expected:
    id: str
    unit: str  # code
    name: str
    rule: str
    severity: str
    sheet: str
    cell: str
    message: str
    expected: str = ""
    actual: str = ""
    difference: str = ""
    file: str = ""  # default: "<code>-<name>.xlsx"

    def fields(self) -> tuple:
        file = self.file if self.file else f"{self.unit}-{self.name}.xlsx"
        return (self.unit, self.name, file, self.rule, self.severity, self.sheet, self.cell, self.message,
                self.expected, self.actual, self.difference)


def _dash(cell: str, column: str) -> Expected:
    return Expected(
        f"02-dash-{column}", "02", "白沙镇", "placeholder", ERROR, T4, cell,
        f"02-白沙镇.xlsx 四、复议诉讼!{cell} 未经复议直接起诉／{column}：填写的是“-”。{PLACEHOLDER_TODO}",
        actual="-",
    )


def _slash(cell: str, column: str) -> Expected:
    return Expected(
        f"03-slash-{column}", "03", "柳溪镇", "placeholder", ERROR, T2, cell,
        f"03-柳溪镇.xlsx 二、主动公开!{cell} 规章／{column}：填写的是“/”。{PLACEHOLDER_TODO}",
        actual="/",
    )


PLANTED = [
    Expected(
        "02-blank-t3.received.research", "02", "白沙镇", "blank", ERROR, T3, "F7",
        "02-白沙镇.xlsx 三、依申请公开!F7 一、本年新收政府信息公开申请数量／科研机构：单元格为空。无数据请填0。",
    ),
    _dash("F7", "结果维持"),
    _dash("G7", "结果纠正"),
    _dash("H7", "其他结果"),
    _dash("I7", "尚未审结"),
    _slash("B6", "本年制发件数"),
    _slash("C6", "本年废止件数"),
    _slash("D6", "现行有效件数"),
    Expected(
        "03-unit_text-6件", "03", "柳溪镇", "unit-in-number", ERROR, T3, "D9",
        "03-柳溪镇.xlsx 三、依申请公开!D9 （一）予以公开／自然人：填写的是“6件”，数字单元格中不能带单位或文字，请改为 6。",
        expected="6", actual="6件",
    ),
    Expected(
        "07-balance-R1-自然人列", "07", "石门镇", "R1", ERROR, T3, "D30",
        "07-石门镇.xlsx 三、依申请公开!D30 勾稽关系不平衡（自然人列）：本年新收 11 ＋ 上年结转 0 ＝ 11，"
        f"办理结果总计 8 ＋ 结转下年度 1 ＝ 9，相差 2。{R1_TODO}",
        expected="9", actual="11", difference="2",
    ),
    Expected(
        "07-balance-R1-总计列", "07", "石门镇", "R1", ERROR, T3, "J30",
        "07-石门镇.xlsx 三、依申请公开!J30 勾稽关系不平衡（总计列）：本年新收 12 ＋ 上年结转 0 ＝ 12，"
        f"办理结果总计 9 ＋ 结转下年度 1 ＝ 10，相差 2。{R1_TODO}",
        expected="10", actual="12", difference="2",
    ),
    Expected(
        "07-wrong_total-I3-行政复议", "07", "石门镇", "I3", ERROR, T4, "E7",
        "07-石门镇.xlsx 四、复议诉讼!E7 行政复议总计与各项结果之和不符（行政复议）：总计 3，"
        "结果维持、结果纠正、其他结果、尚未审结之和 2，相差 1。"
        "请核对行政复议的各项结果，使总计等于结果维持、结果纠正、其他结果、尚未审结之和。",
        expected="2", actual="3", difference="1",
    ),
    Expected(
        "07-wrong_total-formula-overwritten", "07", "石门镇", "formula-overwritten", WARNING, T4, "E7",
        "07-石门镇.xlsx 四、复议诉讼!E7 行政复议／总计：合计公式被改写为数字 3。"
        "合计应由模板自动计算，请使用下发的模板，不要改写合计。",
        actual="3",
    ),
    Expected(
        "09-old_format-wrong-format", "09", "龙泉乡", "wrong-format", ERROR, "", "",
        "09-龙泉乡.xlsx 使用的是2020年度的旧版模板（国办公开办函〔2019〕60号《中华人民共和国政府信息公开工作年度报告格式（试行）》），"
        "2025年度应使用国办公开办函〔2021〕30号《中华人民共和国政府信息公开工作年度报告格式》。"
        "请用县里下发的2025年度模板重新填写。",
        expected="国办公开办函〔2021〕30号", actual="国办公开办函〔2019〕60号",
    ),
    Expected(
        "10-missing", "10", "杏花镇", "missing", ERROR, "", "",
        "10 杏花镇 未报送年度报告文件。请催报，收到后放入收件箱重新运行。",
        file="-",
    ),
    Expected(
        "11-township_rules-W1", "11", "东坪镇", "W1", WARNING, T2, "B6",
        "11-东坪镇.xlsx 二、主动公开!B6 乡镇填报了规章：规章各项合计 4，应为 0。"
        "规章只由省级和设区的市级人民政府制定，乡镇一般应填0；请核对是否把规范性文件填入了“规章”行。",
        expected="0", actual="4", difference="4",
    ),
    # issue 11: the text, history and peer cases of examples/README.md
    Expected(
        "02-T2-none-received", "02", "白沙镇", "T2", ERROR, S1, "A7",
        "02-白沙镇.xlsx 一、总体情况!A7 一、总体情况写明“未收到政府信息公开申请”，表三本年新收政府信息公开申请总计为 2。"
        "请核对后改正文字或表格。",
        expected="0", actual="2",
    ),
    Expected(
        "03-T7-problems-无", "03", "柳溪镇", "T7", ERROR, S5, "A4",
        "03-柳溪镇.xlsx 五、问题及改进!A4 五、存在的主要问题及改进情况只有“无。”（1 字），"
        "格式要求写明存在的主要问题和改进举措（本县要求不少于30字）。请补充。",
        expected="不少于30字", actual="1",
    ),
    Expected(
        "04-X3-in-force", "04", "松岭乡", "X3", NOTICE, T2, "D7",
        "04-松岭乡.xlsx 二、主动公开!D7 现行有效件数与上年度现行有效件数及本年制发、废止件数不符（行政规范性文件）："
        "本年现行有效件数 2 ＋ 本年废止件数 0 ＝ 2，上年度现行有效件数 3 ＋ 本年制发件数 1 ＝ 4，相差 2。"
        "请核对现行有效件数；如本年开展了文件清理等，件数变化属正常情况，可不修改。",
        expected="4", actual="2", difference="-2",
    ),
    Expected(
        "06-X5-copied-problems", "06", "桃源乡", "X5", WARNING, S5, "A4",
        "06-桃源乡.xlsx 五、问题及改进!A4 五、存在的主要问题及改进情况与本单位上年度报告的同一部分高度相似（相似度 100%，"
        "达到50%即提示），例如“下一步将通过村民微信群同步推送公开信息，及时收集群众意见建议”。"
        "格式要求不能敷衍了事、年年雷同，请结合本年度实际情况重新撰写。",
        expected="低于50%", actual="100%",
    ),
    Expected(
        "07-T1-received", "07", "石门镇", "T1", WARNING, S1, "A7",
        f"07-石门镇.xlsx 一、总体情况!A7 一、总体情况写明“收到申请10件”（10 件），表中本年新收政府信息公开申请为 12，相差 2。{T1_TODO}",
        expected="12", actual="10", difference="-2",
    ),
    Expected(
        "07-T1-review", "07", "石门镇", "T1", WARNING, S1, "A7",
        f"07-石门镇.xlsx 一、总体情况!A7 一、总体情况写明“行政复议2件”（2 件），表中行政复议总计为 3，相差 1。{T1_TODO}",
        expected="3", actual="2", difference="-1",
    ),
    Expected(
        "08-P1-licensing", "08", "枫林镇", "P1", NOTICE, T2, "B10",
        "08-枫林镇.xlsx 二、主动公开!B10 行政许可／本年处理决定数量为 420，是同类单位中位数 17 的 24.7 倍（本县乡镇共 8 个通过校验）。"
        "请核对是否填错；确属实际情况的，可不修改。",
        expected="17", actual="420",
    ),
    Expected(
        "08-X4-licensing", "08", "枫林镇", "X4", NOTICE, T2, "B10",
        "08-枫林镇.xlsx 二、主动公开!B10 行政许可／本年处理决定数量本年为 420，上年度为 28，是上年度的 15 倍。"
        "请核对是否填错；确属实际变化的，可不修改。",
        expected="28", actual="420", difference="392",
    ),
    Expected(
        "12-T1-penalty", "12", "南岗乡", "T1", WARNING, S1, "A7",
        f"12-南岗乡.xlsx 一、总体情况!A7 一、总体情况写明“行政处罚决定5件”（5 件），表中行政处罚本年处理决定数量为 3，相差 2。{T1_TODO}",
        expected="3", actual="5", difference="2",
    ),
    Expected(
        "13-T4-fee", "13", "竹园乡", "T4", WARNING, S6, "A4",
        "13-竹园乡.xlsx 六、其他事项!A4 六、其他需要报告的事项写明“未收取信息处理费”，"
        "一、总体情况却写明“收到自然人申请2件，予以公开1件，收取信息处理费100元”。请核对实际收费情况，统一前后说法。",
    ),
    Expected(
        "14-T5-period", "14", "梅溪镇", "T5", WARNING, S1, "A4",
        "14-梅溪镇.xlsx 一、总体情况!A4 引言写明的统计期限为“2025年1月1日至2025年11月30日”，"
        "2025年度报告应为2025年1月1日至2025年12月31日。请核对统计期限和数据。",
        expected="2025年1月1日至2025年12月31日", actual="2025年1月1日至2025年11月30日",
    ),
    Expected(
        "15-T6-format", "15", "示例县发改局", "T6", NOTICE, S1, "A4",
        "15-示例县发改局.xlsx 一、总体情况!A4 引言引用了“《中华人民共和国政府信息公开工作年度报告格式（试行）》”，"
        "本年度报告的格式依据是国办公开办函〔2021〕30号《中华人民共和国政府信息公开工作年度报告格式》。请改正引用的文件。",
        expected="国办公开办函〔2021〕30号", actual="格式（试行）",
    ),
    Expected(
        "17-T3-suit", "17", "示例县自然资源局", "T3", NOTICE, S1, "A7",
        "17-示例县自然资源局.xlsx 一、总体情况!A7 表四行政诉讼总计为 1 件，文字部分没有提及。请在“一、总体情况”中简要说明案件情况。",
        actual="1",
    ),
    Expected(
        "18-unit_text-1.5万元", "18", "示例县行政审批局", "unit-in-number", ERROR, T2, "B17",
        "18-示例县行政审批局.xlsx 二、主动公开!B17 行政事业性收费／本年收费金额（单位：万元）：填写的是“1.5万元”，"
        "数字单元格中不能带单位或文字，请改为 1.5。",
        expected="1.5", actual="1.5万元",
    ),
    Expected(
        "18-fullwidth-１２", "18", "示例县行政审批局", "normalized", NOTICE, T2, "D7",
        "18-示例县行政审批局.xlsx 二、主动公开!D7 行政规范性文件／现行有效件数：原值“１２”：全角数字已转为半角，按 12 读取。",
        expected="12", actual="１２",
    ),
    Expected(
        "18-thousands-1,200", "18", "示例县行政审批局", "normalized", NOTICE, T2, "B10",
        "18-示例县行政审批局.xlsx 二、主动公开!B10 行政许可／本年处理决定数量：原值“1,200”：去掉了千位分隔符，按 1200 读取。",
        expected="1200", actual="1,200",
    ),
]


@pytest.mark.parametrize("planted", PLANTED, ids=[p.id for p in PLANTED])
def test_planted_mistake_yields_its_finding(run_2025, planted):
    found = findings_at(run_2025, planted.unit, planted.rule, planted.cell)
    # one finding per planted case; a cell may hold two (07's text quotes two wrong figures)
    same_place = [p for p in PLANTED if (p.unit, p.rule, p.cell) == (planted.unit, planted.rule, planted.cell)]
    assert len(found) == len(same_place), [f.message for f in run_2025.unit(planted.unit).findings]
    actual = [fields_of(f) for f in found]
    if planted.file == "-":  # a missing unit has no file
        actual = [a[:2] + ("-",) + a[3:] for a in actual]
        assert found[0].file == ""
    assert actual.count(planted.fields()) == 1, actual


def test_duplicate_files_are_both_listed_and_neither_is_used(run_2025, inboxes):
    folders = inboxes[0]
    unit = run_2025.unit("05")
    names = ["05-云台镇.xlsx", "05-云台镇（修改后）.xlsx"]
    assert unit.status == "重复"
    assert unit.submission is None
    assert [s.file.name for s in unit.files] == names
    first, second = (folders["2025"] / n for n in names)
    listing = (
        f"05-云台镇.xlsx（{first.stat().st_size} 字节，修改于 2026-01-22 17:00，SHA-256 {sha256(first)[:12]}…）；"
        f"05-云台镇（修改后）.xlsx（{second.stat().st_size} 字节，修改于 2026-01-26 17:00，SHA-256 {sha256(second)[:12]}…）"
    )
    message = (
        f"05 云台镇 报送了 2 个文件：{listing}。在删除多余的文件之前，这些文件都不会被采用。"
        "请保留最终版本，把其余文件移出收件箱后重新运行。"
    )
    # one finding per file and nothing else: the files' own contents are not checked
    assert sorted(fields_of(f) for f in unit.findings) == [
        ("05", "云台镇", name, "duplicate", ERROR, "", "", message, "", "", "") for name in names
    ]


def test_old_template_is_read_as_the_2019_format(run_2025):
    submission = run_2025.unit("09").submission
    assert (submission.form.id, submission.year) == ("gov2019", 2020)


def test_unit_statuses_2025(run_2025):
    assert {u.unit.code: u.status for u in run_2025.units} == STATUS_2025
    assert run_2025.unmatched == []
    assert run_2025.has_errors


# The (unit, rule, severity, sheet, cell) of every finding of the 2025 run, with multiplicity.
EXPECTED_2025 = Counter(
    [(p.unit, p.rule, p.severity, p.sheet, p.cell) for p in PLANTED]
    + [("05", "duplicate", ERROR, "", "")] * 2
)
def test_whole_2025_run_yields_exactly_the_expected_findings(run_2025):
    found = Counter((f.unit_code, f.rule, f.severity, f.sheet, f.cell) for f in run_2025.findings)
    assert found == EXPECTED_2025
    assert Counter(f for u in run_2025.units for f in u.findings) == Counter(run_2025.findings)


# "6件" is refused but the rules read it as the 6 it quotes, so the column still balances: the
# planted mistake yields only its own finding, not an R1 imbalance as well.
def test_refused_number_does_not_also_unbalance_its_column(run_2025):
    found = [(f.rule, f.cell) for f in run_2025.unit("03").findings]
    assert sorted(found) == sorted(
        [("placeholder", "B6"), ("placeholder", "C6"), ("placeholder", "D6"), ("unit-in-number", "D9"), ("T7", "A4")]
    )


def test_clean_units_have_no_findings(run_2025):
    for code in CLEAN_2025:
        unit = run_2025.unit(code)
        assert (code, unit.status, unit.findings) == (code, "通过", [])
        assert unit.submission is not None and unit.submission.file.name == unit.files[0].file.name


def test_township_rules_is_a_warning_only(run_2025):
    unit = run_2025.unit("11")
    assert unit.status == "通过"
    assert [(f.rule, f.severity) for f in unit.findings] == [("W1", WARNING)]


def test_2024_run_is_fully_clean(run_2024):
    assert [u.status for u in run_2024.units] == ["通过"] * 18
    assert run_2024.findings == []
    assert run_2024.unmatched == []


# --- cross-year ----------------------------------------------------------------------------------


def test_last_year_data_adds_no_finding(run_2025, previous):
    """Every 2024 unit passed and serves as last year's data; its 结转 agrees with 2025's 上年结转."""
    assert sorted(previous) == [f"{i:02d}" for i in range(1, 19)]
    assert previous["14"]["t3.carried_over.natural"] == 1  # nonzero 结转 (05, 14, 16, 17) are compared by X1 in 2025
    assert not [f for f in run_2025.findings if f.rule in ("X1", "X2")]


def test_altered_last_year_carry_over_yields_X1(config_2025, previous, inboxes):
    altered = dict(previous)
    altered["14"] = {**previous["14"], "t3.carried_over.natural": Decimal(3)}
    result = run_batch(config_2025, previous_by_unit=altered, paths=[inboxes[0]["2025"] / "14-梅溪镇.xlsx"])
    unit = result.unit("14")
    assert unit.status == "有错误"
    assert [fields_of(f) for f in unit.findings if f.rule != "T5"] == [(  # T5: 14's planted statistics period
        "14", "梅溪镇", "14-梅溪镇.xlsx", "X1", ERROR, T3, "D8",
        "14-梅溪镇.xlsx 三、依申请公开!D8 上年结转与上年度报告的结转下年度不一致（自然人列）："
        "本年报告上年结转 1，上年报告结转下年度 3，相差 2。"
        "“上年结转”应与上一年度报告的“结转下年度继续办理”一致，请按上年报告填写；如上年数据确有更正，请附说明。",
        "3", "1", "-2",
    )]


# --- the seed: 青塘镇 2019 ---------------------------------------------------------------------------

SEED_FILE = "01-青塘镇.xlsx"
PARTIAL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
SEED_COLUMNS = [("D", "自然人"), ("E", "商业企业"), ("F", "科研机构"), ("G", "社会公益组织"), ("H", "法律服务机构"), ("I", "其他")]


def _seed(rule, severity, sheet, cell, message, expected="", actual="", difference=""):
    return ("01", "青塘镇", SEED_FILE, rule, severity, sheet, cell, message, expected, actual, difference)


SEED_R1 = [
    _seed(
        "R1", ERROR, T3, f"{col}28",
        f"01-青塘镇.xlsx 三、依申请公开!{col}28 勾稽关系不平衡（{label}列）：本年新收 0 ＋ 上年结转 0 ＝ 0，"
        f"办理结果总计 6 ＋ 结转下年度 0 ＝ 6，相差 6。{R1_TODO}",
        "6", "0", "-6",
    )
    for col, label in (("I", "其他"), ("J", "总计"))
]
SEED_BLANKS = [
    _seed("blank", ERROR, T3, f"{col}10", f"01-青塘镇.xlsx 三、依申请公开!{col}10 {PARTIAL}／{label}：单元格为空。无数据请填0。")
    for col, label in SEED_COLUMNS
]
SEED_W2 = _seed(
    "W2", WARNING, T3, "J7",
    "01-青塘镇.xlsx 三、依申请公开!J7 本年新收为0，但有办理结果（总计列）：办理结果总计 6，应为 0。"
    "本年未收到申请却有办理结果，请核对“本年新收”；如办理的全部是上年结转的申请，属正常情况，可不修改。",
    "0", "6", "6",
)
SEED_W3 = _seed(
    "W3", WARNING, T3, "J27",
    "01-青塘镇.xlsx 三、依申请公开!J27 “其他处理”占比偏高（总计列）：“其他处理”合计 6，超过办理结果总计的五分之一 1.2。"
    "“其他处理”原则上只用于极少数特殊情况，本单位超过办理结果总计的五分之一；请核对能否归入法定处理方式。",
    "1.2", "6", "4.8",
)
# the published report names no contact and no phone
SEED_INFO = [
    _seed("info-missing", WARNING, INFO, "B7", "01-青塘镇.xlsx 基本信息!B7 “联系人”没有填写。请在“基本信息”表中补充。"),
    _seed("info-missing", WARNING, INFO, "B8", "01-青塘镇.xlsx 基本信息!B8 “联系电话”没有填写。请在“基本信息”表中补充。"),
]


@pytest.mark.parametrize("expected", SEED_R1, ids=["R1-其他列", "R1-总计列"])
def test_seed_unbalanced_columns(run_seed, expected):
    assert [fields_of(f) for f in findings_at(run_seed, "01", "R1", expected[6])] == [expected]


def test_seed_blank_partial_row(run_seed):
    blanks = [fields_of(f) for f in run_seed.unit("01").findings if f.rule == "blank"]
    assert sorted(blanks) == sorted(SEED_BLANKS)


def test_seed_warnings(run_seed):
    assert [fields_of(f) for f in findings_at(run_seed, "01", "W2", "J7")] == [SEED_W2]
    assert [fields_of(f) for f in findings_at(run_seed, "01", "W3", "J27")] == [SEED_W3]


def test_seed_yields_exactly_these_findings(run_seed):
    unit = run_seed.unit("01")
    assert unit.status == "有错误"
    assert run_seed.form.id == "gov2019"
    assert sorted(fields_of(f) for f in run_seed.findings) == sorted(SEED_R1 + SEED_BLANKS + [SEED_W2, SEED_W3] + SEED_INFO)


# --- outputs ----------------------------------------------------------------------------------------

HEADERS = ["单位代码", "单位", "文件", "工作表", "单元格", "行", "列", "规则", "级别", "说明", "期望值", "实际值", "差额", "规则代码"]
RETURNED = ["02-白沙镇.xlsx", "03-柳溪镇.xlsx", "07-石门镇.xlsx", "09-龙泉乡.xlsx", "18-示例县行政审批局.xlsx"]


def test_findings_workbook_has_one_row_per_finding_or_run_of_one_kind(outputs_2025, run_2025):
    folder, written = outputs_2025
    assert written["问题清单（Excel）"] == folder / "问题清单.xlsx"
    assert (folder / "问题清单.html").is_file()
    ws = openpyxl.load_workbook(folder / "问题清单.xlsx").worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    shown = display_rows(run_2025.findings)
    as_cells = lambda r: tuple(v if v != "" else None for v in (  # noqa: E731
        r.unit_code, r.unit, r.file, r.sheet, r.cell, r.row, r.column, r.rule_name, r.severity, r.message,
        r.expected, r.actual, r.difference, r.rule))
    assert Counter(rows[1:]) == Counter(as_cells(r) for r in shown)
    assert sum(r.count for r in shown) == len(run_2025.findings)  # every finding is behind a row
    levels = [r[8] for r in rows[1:]]
    assert levels == sorted(levels, key=[ERROR, WARNING, NOTICE].index)  # errors first
    assert ws.freeze_panes == "A2"


def fields_of_row(f) -> tuple:
    return (f.unit_code, f.unit, f.file, f.sheet, f.cell, f.row, f.column, f.rule, f.severity, f.message,
            f.expected, f.actual, f.difference)


def test_one_return_copy_per_unit_with_errors(outputs_2025, run_2025, config_2025):
    folder, _ = outputs_2025
    failed = [u for u in config_2025.units if run_2025.unit(u.code).status == "有错误"]
    assert sorted(f"{u.code}-{u.name}.xlsx" for u in failed) == RETURNED
    assert sorted(p.name for p in (folder / "退回修改").iterdir()) == RETURNED


def _assert_marked_up(path: Path, unit) -> None:
    """Every finding with a cell has its message in that cell's comment; 退回意见 lists them all."""
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "退回意见"
    # one row per finding, or per run of one kind in one sheet; every finding is behind one row
    ws = wb["退回意见"]
    headers = [c.value for c in ws[2]]
    listed = [r[headers.index("说明")] for r in ws.iter_rows(min_row=3, values_only=True) if r[headers.index("说明")]]
    assert sorted(listed) == sorted(r.message for r in display_rows(unit.findings))
    assert "单位" not in headers and "文件" not in headers
    for finding in unit.findings:
        if finding.cell:
            comment = wb[finding.sheet][finding.cell].comment
            assert comment is not None, (path.name, finding.cell)
            assert f"【{finding.severity}】{finding.message}" in comment.text.replace("\r\n", "\n")


def test_return_copies_carry_comments_and_opinion_sheet(outputs_2025, run_2025):
    folder, _ = outputs_2025
    for name in RETURNED:
        unit = run_2025.unit(name[:2])
        _assert_marked_up(folder / "退回修改" / name, unit)
    wb = openpyxl.load_workbook(folder / "退回修改" / "07-石门镇.xlsx")
    assert wb[T3]["D30"].fill.fgColor.rgb[-6:] == "FFC7CE"  # red for an error
    assert wb[T4]["E7"].fill.fgColor.rgb[-6:] == "FFC7CE"  # the error wins over the warning


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) 未安装：无法检查退回修改的文件在 LibreOffice 中打开后批注仍在")
def test_return_copy_survives_libreoffice(outputs_2025, run_2025, tmp_path):
    folder, _ = outputs_2025
    converted = convert(folder / "退回修改" / "07-石门镇.xlsx", tmp_path, "xlsx")
    _assert_marked_up(converted, run_2025.unit("07"))


def test_write_outputs_again_changes_nothing(outputs_2025, run_2025, config_2025):
    folder, written = outputs_2025
    old = 946_684_800_000_000_000  # 2000-01-01: a rewrite could not keep this time
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))
    before = snapshot(folder)
    assert write_outputs(run_2025, config_2025, folder=folder) == written
    assert snapshot(folder) == before
    assert all(mtime == old for _, mtime in before.values())


def test_no_input_file_changes(inboxes, run_2024, run_2025, run_seed, outputs_2025, config_seed):
    folders, before, root = inboxes
    write_outputs(run_seed, config_seed, folder=root / "输出2019")
    for name, folder in folders.items():
        assert snapshot(folder) == before[name], name


# --- the command line -------------------------------------------------------------------------------


def test_cli_run_prints_the_unit_table_and_exits_1(inboxes, tmp_path, monkeypatch, capsys):
    folders, before, _ = inboxes
    text = (DEMO_COUNTY / "county.toml").read_text(encoding="utf-8")
    for key, value in (("inbox", folders["2025"]), ("output", tmp_path / "结果"), ("history", tmp_path / "历年数据")):
        text, n = re.subn(rf'^{key} = ".*"', f"{key} = {str(value)!r}", text, count=1, flags=re.M)
        assert n == 1, key
    config = tmp_path / "county.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["run", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line)]
        if len(cells) > 3 and re.fullmatch(r"\d\d", cells[1]):
            rows[cells[1]] = (cells[2], cells[3])
    roster = {u.code: u.name for u in load_config(DEMO_COUNTY / "county.toml").units}
    assert rows == {code: (roster[code], status) for code, status in STATUS_2025.items()}
    assert (tmp_path / "结果" / "2025" / "问题清单.xlsx").is_file()
    assert sorted(p.name for p in (tmp_path / "结果" / "2025" / "退回修改").iterdir()) == RETURNED
    assert snapshot(folders["2025"]) == before["2025"]


def test_cli_check_of_a_clean_unit_exits_0(inboxes, capsys):
    assert main(["check", str(inboxes[0]["2025"] / "01-青石镇.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "01-青石镇.xlsx：0 个错误，0 个警告" in out
    assert "未发现问题，可以报送。" in out
