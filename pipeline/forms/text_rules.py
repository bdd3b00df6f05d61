"""The checks that read the narrative, last year's report and the peers, as data (issue 11).

Each entry is a `TextRule`: id, Chinese title, severity, instruction, the texts and cells it reads
and its thresholds. The figures a report quotes in its text are patterns here too: `{n}` stands for
a number (Arabic or Chinese numerals) and each pattern names the cells the number is compared with.
The code that evaluates them is in `pipeline/checks_text.py`, `pipeline/checks_history.py` and
`pipeline/peers.py`.

Only sentences that clearly count applications or decisions are patterns: every quoted figure must
end in 件 right after the number, so "依申请公开信息128条" (information items) never matches.
"""

from __future__ import annotations

from decimal import Decimal

from .spec import ERROR, NOTICE, WARNING, TextRule

NARRATIVE = ("text.preface", "text.overview")
ALL_TEXTS = ("text.preface", "text.overview", "text.problems", "text.other")

# between a verb and its count: words that do not change what is counted
_AMOUNT = r"(?:共|共计|合计|总计|计|为|达|累计)*"

RECEIVED = "t3.received.total"
CARRIED_IN = "t3.carried_in.total"
OUTCOME_TOTAL = "t3.total.total"
CARRIED_OVER = "t3.carried_over.total"
REVIEW = "t4.review.total"
SUITS = ("t4.suit_direct.total", "t4.suit_after_review.total")

# the applications, decisions and cases quoted in 一 (and the preface): shared by both formats
APPLICATION_FIGURES = (
    # "gap" holds what stands between the verb and 申请: only filler words and "自然人" are understood
    ("received", r"(?:收到|新收|受理|接到|接收)(?P<gap>[^，,。；;：:0-9０-９件]{0,20}?)申请" + _AMOUNT + r"{n}件", (RECEIVED,)),
    ("done", r"(?:办结|答复)(?P<gap>[^，,。；;：:0-9０-９件]{0,12}?)" + _AMOUNT + r"{n}件", (OUTCOME_TOTAL,)),
    ("carried_over", r"结转(?:至|到)?下一?年度?(?:继续办理)?的?(?:申请)?" + _AMOUNT + r"{n}件", (CARRIED_OVER,)),
    ("carried_over", r"{n}件[^，,。；;]{0,12}结转(?:至|到)?下一?年", (CARRIED_OVER,)),
    ("review", r"行政复议(?:案件|申请)?" + _AMOUNT + r"{n}件", (REVIEW,)),
    ("suit", r"行政诉讼(?:案件)?" + _AMOUNT + r"{n}件", SUITS),
)

FIGURE_NAMES = {
    "received": "本年新收政府信息公开申请",
    "done": "本年度办理结果（七）总计",
    "carried_over": "结转下年度继续办理",
    "review": "行政复议总计",
    "suit": "行政诉讼总计（未经复议直接起诉＋复议后起诉）",
    "normative_issued": "行政规范性文件本年制发件数",
    "normative_repealed": "行政规范性文件本年废止件数",
    "normative_in_force": "行政规范性文件现行有效件数",
    "normative_made": "规范性文件本年新制作数量",
    "licensing": "行政许可本年处理决定数量",
    "penalty": "行政处罚本年处理决定数量",
    "enforcement": "行政强制本年处理决定数量",
}

# a text that says no application came in
NONE_RECEIVED = (
    r"(?:未|没有|暂未|尚未|均未)(?:收到|接到|受理|接收|发生)(?:过)?(?:任何)?(?:政府信息公开|信息公开|依申请公开)申请",
    r"无(?:政府信息公开|信息公开|依申请公开)申请",
    r"(?:政府信息公开|信息公开|依申请公开)申请(?:数量)?(?:为)?(?:0|０|零)件",
)

STATEMENT_OF_PERIOD = r"统计(?:期限|时限|时段|期间|区间|范围|时间)|数据(?:截至|统计)"

# X3 (2021 format): 现行有效件数 = last year's 现行有效 + this year's 制发 − 废止, for 规章 and 行政规范性
# 文件, compared as 现行有效 + 废止 = 上年现行有效 + 制发. A notice only: a clean-up of the whole stock
# (文件清理) changes the count without a 废止 of the year.
IN_FORCE = TextRule(
    id="X3",
    title="现行有效件数＝上年度现行有效件数＋本年制发件数－本年废止件数",
    severity=NOTICE,
    instruction="请核对现行有效件数；如本年开展了文件清理等，件数变化属正常情况，可不修改。",
    check="in_force",
    cells=tuple(f"t2.{row}.{col}" for row in ("rules", "normative") for col in ("issued", "repealed", "in_force")),
    anchor="t2.normative.in_force",
    source="history",
)

QUOTE_TODO = "请核对文字中引用的数字与表格是否一致，改正其中错误的一方。"


def quoted_figure_rule(figures: tuple[tuple[str, str, tuple[str, ...]], ...]) -> TextRule:
    cells = tuple(dict.fromkeys(k for _, _, keys in APPLICATION_FIGURES + figures for k in keys))
    return TextRule(
        id="T1",
        title="文字中引用的数字与表格一致",
        severity=WARNING,
        instruction=(
            "“一、总体情况”（及引言）中写明的收到、办结、结转申请件数，行政复议、行政诉讼件数，"
            "制发规范性文件、行政许可、行政处罚等件数，应与表二、表三、表四的数字一致。" + QUOTE_TODO
        ),
        check="quoted_numbers",
        texts=NARRATIVE,
        cells=cells + (CARRIED_IN,),
        anchor="text.overview",
        patterns=APPLICATION_FIGURES + figures,
    )


def text_rules(figures: tuple[tuple[str, str, tuple[str, ...]], ...], *, document: str,
               other_notices: tuple[str, ...], in_force: bool = False) -> tuple[TextRule, ...]:
    """The text, history and peer rules of a format. `figures` are its table 二 figures a text quotes;
    `other_notices` the regexes of the other formats' notices (cited by mistake); `in_force`: the format
    has 现行有效件数 (2021), compared with last year's by X3."""
    jumps = tuple(k for _, _, keys in figures for k in keys if k.endswith((".decisions", ".issued", ".made")))
    return (
        quoted_figure_rule(figures),
        TextRule(
            id="T2",
            title="文字所述有无申请与表格一致",
            severity=ERROR,
            instruction="文字写明未收到政府信息公开申请，表三却有本年新收（或文字写明收到申请，表三本年新收为0）。请核对后改正文字或表格。",
            check="none_received",
            texts=ALL_TEXTS,
            cells=(RECEIVED,),
            anchor="text.overview",
            patterns=tuple(("none", p, ()) for p in NONE_RECEIVED) + APPLICATION_FIGURES[:1],
        ),
        TextRule(
            id="T3",
            title="文字说明行政复议、行政诉讼情况",
            severity=NOTICE,
            instruction="表四有行政复议或行政诉讼案件，文字中却没有提及（或写明未发生）。请在“一、总体情况”中简要说明案件情况。",
            check="cases_mentioned",
            texts=ALL_TEXTS,
            cells=(REVIEW,) + SUITS,
            anchor="text.overview",
        ),
        TextRule(
            id="T4",
            title="信息处理费的说明前后一致",
            severity=WARNING,
            instruction="“六、其他需要报告的事项”写明未收取信息处理费，其他部分却写明收取了信息处理费。请核对实际收费情况，统一前后说法。",
            check="fee_consistent",
            texts=ALL_TEXTS,
            anchor="text.other",
        ),
        TextRule(
            id="T5",
            title="统计期限为报告年度1月1日至12月31日",
            severity=WARNING,
            instruction="年度报告的数据统计期限应为报告年度的1月1日至12月31日。请核对文字中写明的统计期限。",
            check="statistics_period",
            texts=ALL_TEXTS,
            anchor="text.preface",
            patterns=(("period", STATEMENT_OF_PERIOD, ()),),
        ),
        TextRule(
            id="T6",
            title="引用的报告格式文件与年度相符",
            severity=NOTICE,
            instruction=f"本年度报告应按{document}规定的格式编制。请改正文字中引用的格式文件名称和文号。",
            check="format_notice",
            texts=ALL_TEXTS,
            anchor="text.preface",
            patterns=tuple(("notice", p, ()) for p in other_notices),
        ),
        TextRule(
            id="T7",
            title="“五、存在的主要问题及改进情况”写明问题和举措",
            severity=ERROR,
            instruction="格式要求这一部分实事求是、明确具体地写明存在的主要问题和改进举措，不能只写“无”或一两句话。请补充。",
            check="problems_substantive",
            texts=("text.problems",),
            anchor="text.problems",
            limits=(("min_chars", Decimal(30)),),
        ),
    ) + ((IN_FORCE,) if in_force else ()) + (
        TextRule(
            id="X4",
            title="主要数字与上年度相比变化幅度异常",
            severity=NOTICE,
            instruction="与上年度报告相比增加到5倍以上或减少到五分之一以下（较大的一年不少于20件）。请核对是否填错；确属实际变化的，可不修改。",
            check="year_over_year",
            cells=(RECEIVED, OUTCOME_TOTAL) + jumps,
            anchor=RECEIVED,
            source="history",
            limits=(("factor", Decimal(5)), ("floor", Decimal(20))),
        ),
        TextRule(
            id="X5",
            title="文字部分与上年度报告雷同",
            severity=WARNING,
            instruction="格式要求“五、存在的主要问题及改进情况”不能敷衍了事、年年雷同。请结合本年度实际情况重新撰写。",
            check="same_as_last_year",
            texts=("text.problems", "text.overview"),
            anchor="text.problems",
            source="history",
            # character 3-gram Jaccard similarity (numbers ignored) at or above which a text is "the same".
            # On the demo county, the same unit's rewritten 五 of 2024 and 2025 score at most 0.12 (other
            # units 0.09, the seed 0.01), while the seed's 五 with 4 of its 14 sentences replaced still
            # scores 0.67: 0.5 leaves a wide margin both ways. 一 repeats the format's headings and the
            # figures' wording every year (rewritten: up to 0.53), a copy with 4 of 30 sentences replaced
            # scores 0.72: 0.7.
            limits=(("similarity.text.problems", Decimal("0.5")), ("similarity.text.overview", Decimal("0.7")),
                    ("min_chars", Decimal(30))),
        ),
        TextRule(
            id="P1",
            title="主要数字与同类单位差异悬殊",
            severity=NOTICE,
            instruction="与本县同类单位（乡镇或部门，至少还有5个通过校验）相比差异悬殊：同类单位中位数超过100而本单位为0，或超过同类单位中位数的10倍（且超过100）。请核对是否填错；确属实际情况的，可不修改。",
            check="peers",
            cells=tuple(k for k in jumps if k.split(".")[1] in ("licensing", "penalty")) + (RECEIVED,),
            anchor=RECEIVED,
            source="peers",
            limits=(("factor", Decimal(10)), ("median", Decimal(100)), ("floor", Decimal(10)), ("min_peers", Decimal(5))),
        ),
    )


__all__ = ["text_rules", "FIGURE_NAMES", "APPLICATION_FIGURES", "NONE_RECEIVED"]
