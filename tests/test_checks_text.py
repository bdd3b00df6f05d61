"""The checks of the narrative against the tables and the format (T1–T7), each firing and not firing,
on submissions built in code (the same Submission a workbook or a published document gives)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from helpers import FORM_2019, FORM_2021
from pipeline.checks import check_submission
from pipeline.checks_text import run_text_rules
from pipeline.textnumbers import parse_number
from pipeline.workbook.reader import FileInfo, Submission

NAME = "03-青塘镇.xlsx"
SIX = "2025年，本机关未收取信息处理费。"
FIVE = "一是公开内容不够全面，部分栏目更新不及时；二是政策解读形式单一。下一步将加强业务培训，按月检查栏目更新情况。"


def submission(texts: dict[str, str], values: dict[str, int] | None = None, *, form=FORM_2021, year=2025) -> Submission:
    inputs = {c.key: Decimal(0) for c in form.input_cells}
    inputs.update({k: Decimal(v) for k, v in (values or {}).items()})
    sub = Submission(FileInfo(Path(NAME), 0, dt.datetime(2026, 1, 20), ""), form=form, year=year,
                     values=form.with_totals(inputs))
    sub.texts = {"text.problems": FIVE, "text.other": SIX if form is FORM_2021 else "无。", **texts}
    return sub


def found(sub: Submission, *rules: str) -> list[tuple[str, str, str]]:
    run_text_rules(sub)
    return [(f.rule, f.severity, f.message) for f in sub.findings if not rules or f.rule in rules]


def overview(text: str, values: dict[str, int] | None = None, **kw) -> list[tuple[str, str, str]]:
    return found(submission({"text.overview": text}, values, **kw))


# --- numerals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token, value", [
    ("六", 6), ("十二", 12), ("一百零五", 105), ("两", 2), ("二十", 20), ("一千零一", 1001), ("三万五千", 35000),
    ("12", 12), ("1,200", 1200), ("１２", 12), ("二〇二五", 2025), ("二三", None), ("三五", None),
])
def test_numerals(token, value):
    assert parse_number(token) == value


# --- T1 -----------------------------------------------------------------------------------------------------


def test_t1_received_mismatch_arabic():
    assert overview("全年收到政府信息公开申请12件，均已按时答复。", {"t3.received.natural": 10, "t3.disclosed.natural": 10}) == [(
        "T1", "警告",
        f"{NAME} 一、总体情况写明“收到政府信息公开申请12件”（12 件），表中本年新收政府信息公开申请为 10，相差 2。"
        "请核对文字中引用的数字与表格是否一致，改正其中错误的一方。",
    )]


@pytest.mark.parametrize("text, count", [
    ("全年共受理政府信息公开申请十二件。", 12),
    ("本年度新收依申请公开申请一百零五件。", 105),
    ("全年收到群众提出的政府信息公开申请两件。", 2),
    ("收到申请六件。", 6),
    ("全年收到政府信息公开申请共计1,200件。", 1200),
])
def test_t1_chinese_numerals_agree(text, count):
    assert overview(text, {"t3.received.natural": count, "t3.disclosed.natural": count}) == []


def test_t1_chinese_numerals_disagree():
    messages = overview("收到申请六件。", {"t3.received.natural": 5, "t3.disclosed.natural": 5})
    assert [(r, s) for r, s, _ in messages] == [("T1", "警告")]
    assert "“收到申请六件”（6 件），表中本年新收政府信息公开申请为 5，相差 1" in messages[0][2]


def test_t1_information_items_are_not_applications():
    """"依申请公开信息128条" counts information items: it must not be compared with table 三."""
    text = "全年主动公开政府信息1,024条，依申请公开信息128条，公开率100%。"
    assert overview(text, {"t3.received.natural": 5, "t3.disclosed.natural": 5}) == []


def test_t1_a_part_of_the_applications_is_not_compared_with_the_total():
    values = {"t3.received.natural": 3, "t3.received.commercial": 2, "t3.disclosed.natural": 3, "t3.disclosed.commercial": 2}
    assert overview("收到涉及征地补偿的申请3件。", values) == []
    assert overview("全年收到自然人提出的政府信息公开申请3件。", values) == []  # the 自然人 column
    assert [m[0] for m in overview("全年收到自然人提出的政府信息公开申请4件。", values)] == ["T1"]


def test_t1_received_with_carried_in_when_the_sentence_says_so():
    values = {"t3.received.natural": 10, "t3.carried_in.natural": 2, "t3.disclosed.natural": 12}
    assert overview("全年受理政府信息公开申请12件（含上年结转2件）。", values) == []
    messages = overview("全年受理政府信息公开申请13件（含上年结转2件）。", values)
    assert "表中本年新收政府信息公开申请为 12，相差 1" in messages[0][2]


def test_t1_done_carried_over_review_suit_and_table_two():
    values = {
        "t3.received.natural": 6, "t3.disclosed.natural": 4, "t3.carried_over.natural": 2,
        "t4.review.upheld": 1, "t4.suit_direct.upheld": 1, "t2.normative.issued": 2, "t2.licensing.decisions": 41,
    }
    agree = ("收到申请6件，办结4件，结转下年度继续办理2件。发生行政复议1件，行政诉讼1件。"
             "制发行政规范性文件2件，作出行政许可决定四十一件。")
    assert overview(agree, values) == []
    disagree = ("收到申请6件，办结5件，结转下年度继续办理1件。发生行政复议2件，行政诉讼两件。"
                "制发行政规范性文件3件，作出行政许可决定40件。")
    messages = [m[2] for m in overview(disagree, values)]
    assert len(messages) == 6
    for part in ("表中本年度办理结果（七）总计为 4", "表中结转下年度继续办理为 2", "表中行政复议总计为 1",
                 "表中行政诉讼总计（未经复议直接起诉＋复议后起诉）为 1", "表中行政规范性文件本年制发件数为 2",
                 "表中行政许可本年处理决定数量为 41"):
        assert any(part in m for m in messages), part


def test_t1_reads_the_preface_too():
    sub = submission({"text.preface": "本年度共收到政府信息公开申请9件。", "text.overview": "2025年，本镇推进政务公开。"},
                     {"t3.received.natural": 8, "t3.disclosed.natural": 8})
    assert [(m[0], m[2].split(" ")[1][:4]) for m in found(sub)] == [("T1", "引言写明")]


# --- T2 -----------------------------------------------------------------------------------------------------


def test_t2_text_says_none_while_the_table_counts_some():
    assert overview("本年度未收到政府信息公开申请。", {"t3.received.natural": 3, "t3.disclosed.natural": 3}) == [(
        "T2", "错误",
        f"{NAME} 一、总体情况写明“未收到政府信息公开申请”，表三本年新收政府信息公开申请总计为 3。请核对后改正文字或表格。",
    )]


def test_t2_text_says_some_while_the_table_counts_none():
    assert overview("全年收到政府信息公开申请3件。") == [(
        "T2", "错误",
        f"{NAME} 一、总体情况写明“收到政府信息公开申请3件”（3 件），表三本年新收政府信息公开申请总计却为 0。请核对后改正文字或表格。",
    )]


def test_t2_agreeing_and_narrowed_statements_do_not_fire():
    assert overview("本年度暂未接到政府信息公开申请。") == []
    assert overview("本年度无政府信息公开申请。") == []
    values = {"t3.received.natural": 3, "t3.disclosed.natural": 3}
    assert overview("全年收到申请3件，未收到涉及商业秘密的政府信息公开申请。", values) == []


# --- T3 -----------------------------------------------------------------------------------------------------


def test_t3_cases_not_mentioned():
    messages = overview("2025年，本局推进政务公开。", {"t4.review.corrected": 1})
    assert messages == [(
        "T3", "提示",
        f"{NAME} 表四行政复议总计为 1 件，文字部分没有提及。请在“一、总体情况”中简要说明案件情况。",
    )]


def test_t3_cases_denied():
    messages = overview("全年未发生政府信息公开行政复议和行政诉讼。", {"t4.suit_after_review.pending": 1})
    assert messages == [(
        "T3", "提示",
        f"{NAME} 表四行政诉讼总计为 1 件，文字部分却写明“全年未发生政府信息公开行政复议和行政诉讼”。请在“一、总体情况”中简要说明案件情况。",
    )]


def test_t3_cases_mentioned():
    values = {"t4.review.upheld": 1, "t4.suit_direct.upheld": 1, "t4.suit_after_review.upheld": 1}
    rules = [m[0] for m in overview("发生行政复议1件；行政诉讼2件（未经复议直接起诉1件），结果维持。", values)]
    assert rules == []  # "未经复议" is no denial; 行政复议 1 and 行政诉讼 2 agree with table 四
    assert overview("收到行政复议申请1件；复议后起诉1件，未经复议直接起诉1件。", values) == []


# --- T4 -----------------------------------------------------------------------------------------------------


def test_t4_fee_said_none_but_charged_elsewhere():
    sub = submission({"text.overview": "全年依申请公开收取信息处理费200元。"})
    assert found(sub) == [(
        "T4", "警告",
        f"{NAME} 六、其他需要报告的事项写明“未收取信息处理费”，一、总体情况却写明“全年依申请公开收取信息处理费200元”。"
        "请核对实际收费情况，统一前后说法。",
    )]


def test_t4_consistent_fee_statements():
    assert found(submission({"text.overview": "全年未收取信息处理费。"})) == []
    assert found(submission({"text.overview": "全年不收取信息处理费。", "text.other": "无。"})) == []


# --- T5 -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, year", [
    ("本报告所列数据的统计期限自2025年1月1日起至2025年12月31日止。", 2025),
    ("本报告统计期限为2025年1月1日至12月31日。", 2025),
    ("本报告中所列数据统计期限为二〇二五年一月一日至十二月三十一日。", 2025),
    ("本报告信息数据统计期限为：2019年01月01日——2019年12月31日。", 2019),
    ("2025年1月1日至2025年6月30日，本镇开展了专项整治。", 2025),  # not a statement of the period
    ("本报告数据统计截至2025年12月31日。", 2025),
])
def test_t5_period_right(text, year):
    form = FORM_2019 if year == 2019 else FORM_2021
    assert found(submission({"text.preface": text}, form=form, year=year), "T5") == []


@pytest.mark.parametrize("text, period", [
    ("本报告统计期限为2025年1月1日至2025年11月30日。", "2025年1月1日至2025年11月30日"),
    ("本报告统计期限为2024年1月1日至12月31日。", "2024年1月1日至12月31日"),
    ("数据统计期限自2024年12月1日起至2025年11月30日止。", "2024年12月1日起至2025年11月30日"),
    ("本报告数据统计截至2025年11月30日。", "截至2025年11月30日"),
])
def test_t5_period_wrong(text, period):
    assert found(submission({"text.preface": text}), "T5") == [(
        "T5", "警告",
        f"{NAME} 引言写明的统计期限为“{period}”，2025年度报告应为2025年1月1日至2025年12月31日。请核对统计期限和数据。",
    )]


# --- T6 -----------------------------------------------------------------------------------------------------


def test_t6_wrong_format_notice():
    text = "本报告根据《中华人民共和国政府信息公开工作年度报告格式（试行）》编制。"
    messages = found(submission({"text.preface": text}), "T6")
    assert [(r, s) for r, s, _ in messages] == [("T6", "提示")]
    assert "本年度报告的格式依据是国办公开办函〔2021〕30号《中华人民共和国政府信息公开工作年度报告格式》" in messages[0][2]
    assert found(submission({"text.preface": "本报告按国办公开办函〔2021〕30号要求编制。"}), "T6") == []
    old = submission({"text.preface": "本报告按国办公开办函〔2021〕30号要求编制。"}, form=FORM_2019, year=2020)
    assert [m[0] for m in found(old, "T6")] == ["T6"]


# --- T7 -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, chars", [("无", 1), ("无。", 1), ("暂无。", 2), ("工作人员业务水平有待提高，下一步加强学习。", 19)])
def test_t7_problems_not_substantive(text, chars):
    messages = found(submission({"text.problems": text}), "T7")
    assert [(r, s) for r, s, _ in messages] == [("T7", "错误")]
    assert f"（{chars} 字），格式要求写明存在的主要问题和改进举措（本县要求不少于30字）" in messages[0][2]


def test_t7_substantive_or_empty():
    assert found(submission({"text.problems": FIVE}), "T7") == []
    sub = submission({"text.problems": ""})
    sub.places = {}
    assert found(sub, "T7") == []  # an empty 五 is text-missing, once


def test_text_rules_run_from_check_submission():
    sub = submission({"text.problems": "无"})
    check_submission(sub, "乡镇")
    assert "T7" in [f.rule for f in sub.findings]


def test_no_narrative_no_text_findings():
    """A county's 汇总表 read by the city has tables but no texts: nothing to compare (T3 fired before)."""
    sub = submission({}, {"t4.review.upheld": 2, "t4.suit_direct.upheld": 1})
    sub.texts = {}
    assert found(sub) == []
