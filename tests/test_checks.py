"""The checks on a read workbook: the form's rules, the texts and the basic information, each with
the exact 说明 a clerk reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from helpers import (
    FORM_2019, FORM_2021, GOOD_INFO, T3_COLUMNS, good_texts, needs_office, write_report,
)
from pipeline.checks import check_submission
from pipeline.forms.spec import ERROR, WARNING
from pipeline.office import convert, find_soffice
from pipeline.workbook.reader import read_workbook

T3 = "三、依申请公开"
NAME = "03-青塘镇.xlsx"
PARTIAL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


def checked(path: Path, unit_kind: str | None = "乡镇", previous=None):
    submission = read_workbook(path)
    check_submission(submission, unit_kind, previous)
    return submission


def summary(findings):
    return [(f.severity, f.rule, f.sheet, f.cell, f.message) for f in findings]


def errors(submission):
    return [f for f in submission.findings if f.severity == ERROR]


# --- the seed: 青塘镇 2019 -------------------------------------------------------------------------


def seed_values() -> dict[str, object]:
    """shared/seeds/000_0b900a435422d60b.txt as a clerk would have typed it: every number 0 except
    （六）其他处理 in the 其他 column, 6; the 部分公开 row left blank."""
    values: dict[str, object] = {c.key: 0 for c in FORM_2019.input_cells}
    values["t3.other.other_org"] = 6
    for col in T3_COLUMNS[:-1]:
        values[f"t3.partial.{col}"] = None
    return values


R1_MESSAGE = (
    "03-青塘镇.xlsx 三、依申请公开!{cell} 勾稽关系不平衡（{column}列）：本年新收 0 ＋ 上年结转 0 ＝ 0，"
    "办理结果总计 6 ＋ 结转下年度 0 ＝ 6，相差 6。请核对本年新收、上年结转、各项办理结果和结转下年度继续办理的数量，使本列收支平衡。"
)
SEED_FINDINGS = [
    (ERROR, "blank", T3, f"{col}10", f"03-青塘镇.xlsx 三、依申请公开!{col}10 {PARTIAL}／{label}：单元格为空。无数据请填0。")
    for col, label in zip("DEFGHI", ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"))
] + [
    (ERROR, "R1", T3, "I28", R1_MESSAGE.format(cell="I28", column="其他")),
    (ERROR, "R1", T3, "J28", R1_MESSAGE.format(cell="J28", column="总计")),
    (WARNING, "W2", T3, "J7",
     "03-青塘镇.xlsx 三、依申请公开!J7 本年新收为0，但有办理结果（总计列）：办理结果总计 6，应为 0。"
     "本年未收到申请却有办理结果，请核对“本年新收”；如办理的全部是上年结转的申请，属正常情况，可不修改。"),
    (WARNING, "W3", T3, "J27",
     "03-青塘镇.xlsx 三、依申请公开!J27 “其他处理”占比偏高（总计列）：“其他处理”合计 6，超过办理结果总计的五分之一 1.2。"
     "“其他处理”原则上只用于极少数特殊情况，本单位超过办理结果总计的五分之一；请核对能否归入法定处理方式。"),
]


@pytest.fixture(scope="module")
def seed_files(tmp_path_factory):
    """The seed as openpyxl writes it, and (when LibreOffice is installed) as an office suite saves it."""
    folder = tmp_path_factory.mktemp("seed")
    written = write_report(folder / "openpyxl" / NAME, FORM_2019, values=seed_values())
    resaved = convert(written, folder / "libreoffice", "xlsx") if find_soffice() else None
    return written, resaved


def test_seed_message_of_the_other_column(seed_files):
    (finding,) = [f for f in checked(seed_files[0]).findings if f.cell == "I28"]
    assert finding.message == (
        "03-青塘镇.xlsx 三、依申请公开!I28 勾稽关系不平衡（其他列）：本年新收 0 ＋ 上年结转 0 ＝ 0，"
        "办理结果总计 6 ＋ 结转下年度 0 ＝ 6，相差 6。请核对本年新收、上年结转、各项办理结果和结转下年度继续办理的数量，使本列收支平衡。"
    )
    assert (finding.rule, finding.severity, finding.row, finding.column) == ("R1", ERROR, "（七）总计", "其他")
    assert (finding.expected, finding.actual, finding.difference) == ("6", "0", "-6")


def test_seed_findings_from_a_file_without_saved_results(seed_files):
    submission = checked(seed_files[0])
    assert summary(submission.findings) == SEED_FINDINGS


@needs_office
def test_seed_findings_after_an_office_suite_saved_it(seed_files):
    submission = checked(seed_files[1])
    assert summary(submission.findings) == SEED_FINDINGS


def test_seed_as_a_department_has_the_same_findings(seed_files):
    # W1 (乡镇 only) does not apply to the seed anyway: its 规章 row is 0
    assert summary(checked(seed_files[0], "部门").findings) == SEED_FINDINGS


# --- a clean report ------------------------------------------------------------------------------


@pytest.mark.parametrize("form", [FORM_2019, FORM_2021], ids=lambda f: f.id)
@pytest.mark.parametrize("unit_kind", ["乡镇", "部门", None])
def test_a_clean_consistent_report_has_no_finding(tmp_path, form, unit_kind):
    submission = checked(write_report(tmp_path / NAME, form), unit_kind)
    assert submission.findings == []


def test_check_without_a_form_does_nothing(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(b"not a workbook")
    submission = read_workbook(path)
    before = list(submission.findings)
    check_submission(submission, "乡镇")
    assert submission.findings == before


# --- rule messages -------------------------------------------------------------------------------


def test_balance_and_identity_messages(tmp_path):
    path = write_report(tmp_path / NAME, FORM_2021, changes={"t3.received.natural": 6, "t4.review.total": 3})
    assert summary(errors(checked(path))) == [
        (ERROR, "R1", T3, "D30",
         "03-青塘镇.xlsx 三、依申请公开!D30 勾稽关系不平衡（自然人列）：本年新收 6 ＋ 上年结转 1 ＝ 7，办理结果总计 4 ＋ 结转下年度 2 ＝ 6，"
         "相差 1。请核对本年新收、上年结转、各项办理结果和结转下年度继续办理的数量，使本列收支平衡。"),
        (ERROR, "R1", T3, "J30",
         "03-青塘镇.xlsx 三、依申请公开!J30 勾稽关系不平衡（总计列）：本年新收 8 ＋ 上年结转 1 ＝ 9，办理结果总计 6 ＋ 结转下年度 2 ＝ 8，"
         "相差 1。请核对本年新收、上年结转、各项办理结果和结转下年度继续办理的数量，使本列收支平衡。"),
        (ERROR, "I3", "四、复议诉讼", "E7",
         "03-青塘镇.xlsx 四、复议诉讼!E7 行政复议总计与各项结果之和不符（行政复议）：总计 3，结果维持、结果纠正、其他结果、尚未审结之和 2，"
         "相差 1。请核对行政复议的各项结果，使总计等于结果维持、结果纠正、其他结果、尚未审结之和。"),
    ]


def test_township_rules_warning_only_for_townships(tmp_path):
    path = write_report(tmp_path / NAME, FORM_2021, changes={"t2.rules.issued": 1, "t2.rules.in_force": 1})
    assert summary(checked(path, "乡镇").findings) == [(
        WARNING, "W1", "二、主动公开", "B6",
        "03-青塘镇.xlsx 二、主动公开!B6 乡镇填报了规章：规章各项合计 2，应为 0。"
        "规章只由省级和设区的市级人民政府制定，乡镇一般应填0；请核对是否把规范性文件填入了“规章”行。",
    )]
    assert checked(path, "部门").findings == []


# --- texts and basic information -----------------------------------------------------------------


def test_text_missing(tmp_path):
    texts = good_texts(FORM_2019, 2019) | {"text.overview": "", "text.problems": "  \n "}
    submission = checked(write_report(tmp_path / NAME, FORM_2019, texts=texts))
    assert summary(submission.findings) == [
        (ERROR, "text-missing", "一、总体情况", "A7",
         "03-青塘镇.xlsx 一、总体情况!A7 “一、总体情况”没有填写。请按格式要求填写这一部分的文字。"),
        (ERROR, "text-missing", "五、问题及改进", "A4",
         "03-青塘镇.xlsx 五、问题及改进!A4 “五、存在的主要问题及改进情况”没有填写。请按格式要求填写这一部分的文字。"),
    ]
    assert submission.findings[0].row == "一、总体情况"


def test_the_preface_is_optional(tmp_path):
    texts = good_texts(FORM_2021, 2025) | {"text.preface": ""}
    assert checked(write_report(tmp_path / NAME, FORM_2021, texts=texts)).findings == []


def test_text_too_long(tmp_path):
    texts = good_texts(FORM_2021, 2025) | {"text.overview": "公开" * 501}
    # T3 (issue 11): this 一 does not mention the report's 行政复议 cases; a notice of its own
    (finding,) = [f for f in checked(write_report(tmp_path / NAME, FORM_2021, texts=texts)).findings if f.rule != "T3"]
    assert (finding.severity, finding.rule, finding.message) == (
        WARNING, "text-too-long",
        "03-青塘镇.xlsx 一、总体情况!A7 “一、总体情况”共 1002 字，超过格式要求的原则上不超过1000字。请精简。",
    )
    assert (finding.expected, finding.actual, finding.difference) == ("1000", "1002", "2")


def test_2021_other_matters_without_the_fee_statement(tmp_path):
    texts = good_texts(FORM_2021, 2025) | {"text.other": "无。"}
    assert summary(checked(write_report(tmp_path / NAME, FORM_2021, texts=texts)).findings) == [(
        WARNING, "text-missing", "六、其他事项", "A4",
        "03-青塘镇.xlsx 六、其他事项!A4 “六、其他需要报告的事项”中没有说明信息处理费的收取情况。格式要求在此专门报告，未收取的也请写明。",
    )]


def test_2019_other_matters_need_no_fee_statement(tmp_path):
    texts = good_texts(FORM_2019, 2019) | {"text.other": "无。"}
    assert checked(write_report(tmp_path / NAME, FORM_2019, texts=texts)).findings == []


def test_2021_blank_other_matters_is_an_error(tmp_path):
    texts = good_texts(FORM_2021, 2025) | {"text.other": ""}
    findings = checked(write_report(tmp_path / NAME, FORM_2021, texts=texts)).findings
    assert (ERROR, "text-missing", "六、其他事项", "A4",
            "03-青塘镇.xlsx 六、其他事项!A4 “六、其他需要报告的事项”没有填写。请按格式要求填写这一部分的文字。") in summary(findings)


def test_2021_blank_other_matters_is_reported_once(tmp_path):
    texts = good_texts(FORM_2021, 2025) | {"text.other": ""}
    findings = checked(write_report(tmp_path / NAME, FORM_2021, texts=texts)).findings
    assert len([f for f in findings if f.cell == "A4" and f.sheet == "六、其他事项"]) == 1


def test_info_missing(tmp_path):
    info = GOOD_INFO | {"info.contact": None, "info.phone": "   "}
    submission = checked(write_report(tmp_path / NAME, FORM_2021, info=info))
    assert summary(submission.findings) == [
        (WARNING, "info-missing", "基本信息", "B7", "03-青塘镇.xlsx 基本信息!B7 “联系人”没有填写。请在“基本信息”表中补充。"),
        (WARNING, "info-missing", "基本信息", "B8", "03-青塘镇.xlsx 基本信息!B8 “联系电话”没有填写。请在“基本信息”表中补充。"),
    ]
    assert [f.row for f in submission.findings] == ["联系人", "联系电话"]


def test_info_date_missing(tmp_path):
    info = GOOD_INFO | {"info.date": None}
    assert summary(checked(write_report(tmp_path / NAME, FORM_2019, info=info)).findings) == [
        (ERROR, "info-missing", "基本信息", "B9", "03-青塘镇.xlsx 基本信息!B9 “落款日期”没有填写。年度报告的落款需要这个日期。请在“基本信息”表中补充。"),
    ]


DATE_AT = "03-青塘镇.xlsx 基本信息!B9 “落款日期”"


@pytest.mark.parametrize("written, severity, message", [
    ("明年", ERROR, f"{DATE_AT}填写的“明年”不是有效的日期。请填写报告实际的落款日期，如 2026/1/20。"),
    ("2026年2月30日", ERROR, f"{DATE_AT}填写的“2026年2月30日”不是有效的日期。请填写报告实际的落款日期，如 2026/1/20。"),
    ("=TODAY()", ERROR, f"{DATE_AT}中是公式“=TODAY()”。落款日期是报告签署的那一天，公式的结果会随打开文件的日期变化，"
                        "或文件中没有保存计算结果。请直接填写日期，如 2026/1/20。"),
    (dt.datetime(2019, 1, 1), ERROR, f"{DATE_AT}是2019年1月1日，早于报告所属的2025年度，可能沿用了往年的报告。"
                                     "请改为本年度报告实际的落款日期，如 2026/1/20。"),
    ("2025/6/30", WARNING, f"{DATE_AT}是2025年6月30日，在2025年度结束之前。年度报告统计全年的情况，一般在次年1月落款。请核对日期。"),
])
def test_a_signature_date_that_is_no_day_of_the_year_after_is_named(tmp_path, written, severity, message):
    """Regression: "明年", "2026年2月30日", "=TODAY()" and a 2019 date were printed as the 落款 of a
    2025 report without a finding."""
    info = GOOD_INFO | {"info.date": written}
    findings = [f for f in checked(write_report(tmp_path / NAME, FORM_2021, info=info)).findings if f.rule == "info-date"]
    assert summary(findings) == [(severity, "info-date", "基本信息", "B9", message)]


@pytest.mark.parametrize("written", [
    dt.datetime(2026, 1, 20), "2026年1月20日", "2026.1.20", "20260120", dt.datetime(2027, 3, 1),
    # as clerks type it and published reports print it (a review found these refused)
    "二〇二六年一月二十日", "2026年元月20日", "2026年1月20号", "２０２６．１．２０", "2026-01-20 00:00:00",
])
def test_a_signature_date_of_the_year_after_or_later_is_no_finding(tmp_path, written):
    """A later year is no finding either: a county may enter an earlier year's reports long after."""
    info = GOOD_INFO | {"info.date": written}
    assert "info-date" not in {f.rule for f in checked(write_report(tmp_path / NAME, FORM_2021, info=info)).findings}


def test_a_signature_date_saved_by_chinese_excel_with_its_built_in_format_id_is_a_date(tmp_path):
    """Regression (a review): Excel in a Chinese locale saves 'yyyy"年"m"月"d"日"' as the built-in
    format 31, with no code in styles.xml; the reader took the cell for the number 46042."""
    import re
    import zipfile

    path = write_report(tmp_path / "made.xlsx", FORM_2021, info=GOOD_INFO | {"info.date": dt.datetime(2026, 1, 20)})
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    styles = parts["xl/styles.xml"].decode("utf-8")
    custom = re.search(r'<numFmt numFmtId="(\d+)" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"\s*/>', styles)
    styles = styles.replace(custom.group(0), "").replace(f'numFmtId="{custom.group(1)}"', 'numFmtId="31"')
    parts["xl/styles.xml"] = styles.encode("utf-8")
    with zipfile.ZipFile(tmp_path / NAME, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    submission = checked(tmp_path / NAME)
    assert submission.info["info.date"] == dt.datetime(2026, 1, 20)
    assert "info-date" not in {f.rule for f in submission.findings}


def test_the_run_s_year_not_the_file_s_judges_the_signature_date(tmp_path):
    """A file of last year's template is wrong-year already; its date is judged against this year's
    report (signed in the year after this one), not against the year the file says."""
    from pipeline.batch import run_batch
    from helpers import QINGTANG, county

    config = county(tmp_path, units=(QINGTANG,))
    write_report(config.inbox / NAME, FORM_2021, year=2024, info=GOOD_INFO | {"info.date": dt.datetime(2026, 1, 20)})
    rules = {f.rule for f in run_batch(config).findings}
    assert "wrong-year" in rules and "info-date" not in rules


# --- across years --------------------------------------------------------------------------------


def last_year_2021(**carried_over) -> dict[str, int]:
    previous = {f"t3.carried_over.{col}": 0 for col in T3_COLUMNS}
    previous.update({f"t3.carried_over.{col}": n for col, n in carried_over.items()})
    previous["t3.carried_over.total"] = sum(n for col, n in previous.items() if not col.endswith(".total"))
    return previous


def test_carried_in_agrees_with_last_year(tmp_path):
    path = write_report(tmp_path / NAME, FORM_2021)
    assert checked(path, previous=last_year_2021(natural=1)).findings == []


def test_carried_in_differs_from_last_year(tmp_path):
    path = write_report(tmp_path / NAME, FORM_2021)
    submission = checked(path, previous=last_year_2021(natural=3))
    assert summary(submission.findings) == [
        (ERROR, "X1", T3, "D8",
         "03-青塘镇.xlsx 三、依申请公开!D8 上年结转与上年度报告的结转下年度不一致（自然人列）：本年报告上年结转 1，上年报告结转下年度 3，"
         "相差 2。“上年结转”应与上一年度报告的“结转下年度继续办理”一致，请按上年报告填写；如上年数据确有更正，请附说明。"),
        (ERROR, "X1", T3, "J8",
         "03-青塘镇.xlsx 三、依申请公开!J8 上年结转与上年度报告的结转下年度不一致（总计列）：本年报告上年结转 1，上年报告结转下年度 3，"
         "相差 2。“上年结转”应与上一年度报告的“结转下年度继续办理”一致，请按上年报告填写；如上年数据确有更正，请附说明。"),
    ]
    assert [(f.expected, f.actual, f.difference) for f in submission.findings] == [("3", "1", "-2")] * 2


def test_cross_year_rules_need_last_year(tmp_path):
    path = write_report(tmp_path / NAME, FORM_2021)
    assert checked(path, previous=None).findings == []
    assert checked(path, previous={}).findings == []  # last year's report lacks the numbers: nothing to compare


def test_project_count_differs_from_last_year(tmp_path):
    path = write_report(tmp_path / NAME, FORM_2019)
    previous = {"t2.licensing.prev_items": 400, "t2.licensing.change": -18}
    assert summary(checked(path, previous=previous).findings) == [(
        ERROR, "X2", "二、主动公开", "B10",
        "03-青塘镇.xlsx 二、主动公开!B10 上一年项目数量与上年度报告不一致（行政许可）：本年报告上一年项目数量 396，"
        "上年报告上一年项目数量 400 ＋ 上年报告本年增/减 -18 ＝ 382，相差 14。“上一年项目数量”应等于上一年度报告的上一年项目数量加本年增/减，请核对。",
    )]
    assert checked(path, previous={"t2.licensing.prev_items": 414, "t2.licensing.change": -18}).findings == []
