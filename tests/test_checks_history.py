"""The checks against last year (X3 现行有效件数, X4 jumps, X5 年年雷同) and against peers (P1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from helpers import FORM_2019, FORM_2021
from hypothesis import given, settings
from hypothesis import strategies as st
from pipeline.batch import PASSED, RunResult, UnitResult
from pipeline.checks import check_submission
from pipeline.checks_history import most_similar_passage, similarity
from pipeline.config import Unit
from pipeline.peers import add_peer_findings, peer_findings
from pipeline.workbook.reader import FileInfo, Submission

NAME = "03-青塘镇.xlsx"
FIVE_2024 = (
    "一是村级公开栏更新不及时，部分村的内容仍依赖镇里督促；二是政策解读形式单一，图解和音视频解读较少。"
    "下一步，我镇将建立村级公开内容月度抽查制度，并结合广播开展政策宣讲。"
)
FIVE_2025 = (
    "一是依申请公开答复文书格式不统一，个别告知书援引条款不准确；二是网站栏目分类与新版目录衔接不够。"
    "下一步将制作答复文书范本并组织集中培训，年内完成栏目梳理和历史信息归档。"
)


def submission(values: dict[str, int] | None = None, texts: dict[str, str] | None = None, *, form=FORM_2021,
               name: str = NAME) -> Submission:
    inputs = {c.key: Decimal(0) for c in form.input_cells}
    inputs.update({k: Decimal(v) for k, v in (values or {}).items()})
    sub = Submission(FileInfo(Path(name), 0, dt.datetime(2026, 1, 20), ""), form=form, year=2025,
                     values=form.with_totals(inputs))
    sub.texts = {"text.overview": "2025年，本镇推进政务公开。", "text.problems": FIVE_2025,
                 "text.other": "2025年，本机关未收取信息处理费。", **(texts or {})}
    return sub


def last_year(values: dict[str, int] | None = None) -> dict[str, Decimal]:
    return submission(values).values


def rules_found(sub: Submission, *rules: str) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.message) for f in sub.findings if f.rule in rules]


# --- X3 -----------------------------------------------------------------------------------------------------


def test_x3_in_force_follows_last_year():
    previous = last_year({"t2.normative.in_force": 9})
    sub = submission({"t2.normative.issued": 2, "t2.normative.repealed": 1, "t2.normative.in_force": 10})
    check_submission(sub, "乡镇", previous)
    assert rules_found(sub, "X3") == []


def test_x3_in_force_off_is_a_notice():
    previous = last_year({"t2.normative.in_force": 9})
    sub = submission({"t2.normative.issued": 2, "t2.normative.repealed": 1, "t2.normative.in_force": 12})
    check_submission(sub, "乡镇", previous)
    assert rules_found(sub, "X3") == [(
        "X3", "提示",
        f"{NAME} 现行有效件数与上年度现行有效件数及本年制发、废止件数不符（行政规范性文件）："
        "本年现行有效件数 12 ＋ 本年废止件数 1 ＝ 13，上年度现行有效件数 9 ＋ 本年制发件数 2 ＝ 11，相差 2。"
        "请核对现行有效件数；如本年开展了文件清理等，件数变化属正常情况，可不修改。",
    )]


def test_x3_not_without_last_year_nor_in_the_2019_format():
    sub = submission({"t2.normative.in_force": 12})
    check_submission(sub, "乡镇", None)
    assert rules_found(sub, "X3") == []
    assert "X3" not in {r.id for r in FORM_2019.rules + FORM_2019.text_rules}


# --- X4 -----------------------------------------------------------------------------------------------------


def test_x4_jump_up_and_down():
    previous = last_year({"t3.received.natural": 5, "t3.disclosed.natural": 5, "t2.licensing.decisions": 200})
    sub = submission({"t3.received.natural": 40, "t3.disclosed.natural": 40, "t2.licensing.decisions": 30})
    check_submission(sub, "乡镇", previous)
    found = rules_found(sub, "X4")
    assert [m for _, _, m in found] == [
        f"{NAME} 一、本年新收政府信息公开申请数量／总计本年为 40，上年度为 5，是上年度的 8 倍。请核对是否填错；确属实际变化的，可不修改。",
        f"{NAME} （七）总计／总计本年为 40，上年度为 5，是上年度的 8 倍。请核对是否填错；确属实际变化的，可不修改。",
        f"{NAME} 行政许可／本年处理决定数量本年为 30，上年度为 200，不到上年度的五分之一（0.2 倍）。请核对是否填错；确属实际变化的，可不修改。",
    ]
    assert {s for _, s, _ in found} == {"提示"}


def test_x4_small_numbers_and_moderate_changes_do_not_fire():
    previous = last_year({"t3.received.natural": 0, "t3.disclosed.natural": 0, "t2.licensing.decisions": 30})
    sub = submission({"t3.received.natural": 3, "t3.disclosed.natural": 3, "t2.licensing.decisions": 10})
    check_submission(sub, "乡镇", previous)
    assert rules_found(sub, "X4") == []


# --- X5 -----------------------------------------------------------------------------------------------------


def test_x5_copied_section_five():
    copied = FIVE_2024.replace("下一步，", "2025年，")
    sub = submission(texts={"text.problems": copied})
    check_submission(sub, "乡镇", None, previous_texts={"text.problems": FIVE_2024})
    found = rules_found(sub, "X5")
    assert len(found) == 1
    rule, severity, message = found[0]
    assert (rule, severity) == ("X5", "警告")
    assert message.startswith(f"{NAME} 五、存在的主要问题及改进情况与本单位上年度报告的同一部分高度相似（相似度 89%，")
    assert "达到50%即提示），例如“一是村级公开栏更新不及时" in message


def test_x5_rewritten_text_does_not_fire():
    sub = submission()
    check_submission(sub, "乡镇", None, previous_texts={"text.problems": FIVE_2024})
    assert rules_found(sub, "X5") == []
    assert similarity(FIVE_2025, FIVE_2024) < 0.2


def test_x5_numbers_do_not_make_texts_differ():
    assert similarity("2024年，本镇收到申请5件，全部按时答复，未发生行政复议。",
                      "2025年，本镇收到申请12件，全部按时答复，未发生行政复议。") == 1.0
    assert most_similar_passage("全新的一句话。" + FIVE_2024, FIVE_2024).startswith("下一步，我镇将建立")


def test_x5_overview_needs_a_higher_similarity():
    a = "（一）主动公开。全年制发行政规范性文件1件。（二）依申请公开。全年新收申请5件，予以公开3件。（三）政府信息管理。修订保密审查办法。"
    b = "（一）主动公开。全年制发行政规范性文件2件。（二）依申请公开。全年新收申请7件，予以公开6件。（三）政府信息管理。开展历史信息清理和归档。"
    sub = submission(texts={"text.overview": b})
    check_submission(sub, "乡镇", None, previous_texts={"text.overview": a})
    assert 0.5 <= similarity(a, b) < 0.7
    assert rules_found(sub, "X5") == []


# --- P1 -----------------------------------------------------------------------------------------------------


def run_of(received: dict[str, int], kinds: dict[str, str] | None = None) -> RunResult:
    units = []
    for code, count in received.items():
        kind = (kinds or {}).get(code, "乡镇")
        sub = submission({"t3.received.natural": count, "t3.disclosed.natural": count}, name=f"{code}.xlsx")
        sub.unit_code = code
        units.append(UnitResult(Unit(code, f"单位{code}", f"单位{code}", kind), PASSED, sub, [sub], []))
    return RunResult(2025, FORM_2021, units, [], [])


def test_p1_far_above_the_peers():
    result = run_of({"01": 5, "02": 6, "03": 4, "04": 8, "05": 5, "06": 150})
    found = [(f.unit_code, f.rule, f.severity, f.message) for f in peer_findings(result)]
    assert found == [(
        "06", "P1", "提示",
        "06.xlsx 一、本年新收政府信息公开申请数量／总计为 150，是同类单位中位数 5 的 30 倍（本县乡镇共 6 个通过校验）。"
        "请核对是否填错；确属实际情况的，可不修改。",
    )]
    add_peer_findings(result)
    assert [f.rule for f in result.unit("06").findings] == ["P1"]
    assert [f.rule for f in result.findings] == ["P1"]


def test_p1_zero_where_peers_have_many():
    result = run_of({"01": 150, "02": 160, "03": 140, "04": 180, "05": 0, "06": 170})
    found = [(f.unit_code, f.message) for f in peer_findings(result)]
    assert found == [("05", "05.xlsx 一、本年新收政府信息公开申请数量／总计为 0，本单位为0，而同类单位的中位数为 160"
                             "（本县乡镇共 6 个通过校验）。请核对是否填错；确属实际情况的，可不修改。")]


def test_p1_only_among_enough_peers_of_the_same_kind():
    # 30 times the median, but not above 100: small numbers are not compared
    assert peer_findings(run_of({"01": 1, "02": 1, "03": 0, "04": 2, "05": 1, "06": 30})) == []
    # a department is not a township's peer, and four peers are too few
    kinds = {"06": "部门", "07": "部门", "08": "部门", "09": "部门", "10": "部门"}
    result = run_of({"01": 5, "02": 6, "03": 4, "04": 8, "05": 5, "06": 900, "07": 5, "08": 5, "09": 5, "10": 5}, kinds)
    assert [f.unit_code for f in peer_findings(result)] == []


def test_p1_remembered_by_what_it_compares(tmp_path, monkeypatch):
    """With the run's cache, the same values give the remembered notices without comparing (nor
    importing pandas) again; another value is compared afresh."""
    import pipeline.peers as peers

    received = {"01": 5, "02": 6, "03": 4, "04": 8, "05": 5, "06": 150}
    first = run_of(received)
    add_peer_findings(first, cache=tmp_path)
    assert [f.unit_code for f in first.findings] == ["06"]

    def not_again(result):
        raise AssertionError("compared again")

    monkeypatch.setattr(peers, "peer_findings", not_again)
    again = run_of(received)
    add_peer_findings(again, cache=tmp_path)
    assert again.findings == first.findings
    assert [f.rule for f in again.unit("06").findings] == ["P1"]

    monkeypatch.undo()
    changed = run_of({**received, "06": 7, "05": 0})
    add_peer_findings(changed, cache=tmp_path)
    assert [f.unit_code for f in changed.findings] == []
    assert len(list((tmp_path / peers.PEERS).iterdir())) == 1  # only the last comparison is kept


def test_p1_remembered_notices_name_the_file_they_are_about(tmp_path):
    received = {"01": 5, "02": 6, "03": 4, "04": 8, "05": 5, "06": 150}
    add_peer_findings(run_of(received), cache=tmp_path)
    renamed = run_of(received)
    renamed.unit("06").submission.file = FileInfo(Path("06-改名.xlsx"), 0, dt.datetime(2026, 1, 20), "")
    add_peer_findings(renamed, cache=tmp_path)
    assert [f.file for f in renamed.findings] == ["06-改名.xlsx"]
    assert renamed.findings[0].message.startswith("06-改名.xlsx ")


_DECIMALS = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False) | st.sampled_from(
    [Decimal("0"), Decimal("0.00"), Decimal("5"), Decimal("5.0"), Decimal("5.00")])  # equal, written differently


@settings(max_examples=300, deadline=None)
@given(st.lists(_DECIMALS, max_size=12))
def test_the_median_of_the_others_is_what_statistics_median_gives(values):
    """P1 compares each unit with the median of the other units of its kind, worked out from one sort:
    the very numbers (digits and exponent) statistics.median gives for each unit's others."""
    import statistics

    from pipeline.peers import medians_of_others

    expected = [statistics.median(values[:i] + values[i + 1:]) if len(values) > 1 else None for i in range(len(values))]
    assert [repr(m) for m in medians_of_others(values)] == [repr(m) for m in expected]
