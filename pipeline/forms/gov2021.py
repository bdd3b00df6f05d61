"""国办公开办函〔2021〕30号：《中华人民共和国政府信息公开工作年度报告格式》.

Applies to the reports on 2021 and later. Labels are verbatim from the notice's template.
"""

from .common import (
    PREFACE,
    PROBLEMS,
    Block,
    Column,
    OutcomeGroup,
    balance_rules,
    carry_over_rules,
    identity_rules,
    table2,
    table3,
    table4,
    standard_sections,
    warning_rules,
)
from .outcomes import SHARED_OUTCOMES
from .spec import CellKind, Form, TextField
from .text_rules import text_rules

DECISIONS = (Column("decisions", "本年处理决定数量"),)

T2 = table2(
    (
        Block(
            "第二十条第（一）项",
            (
                Column("issued", "本年制发件数"),
                Column("repealed", "本年废止件数"),
                Column("in_force", "现行有效件数"),
            ),
            (("rules", "规章"), ("normative", "行政规范性文件")),
        ),
        Block("第二十条第（五）项", DECISIONS, (("licensing", "行政许可"),)),
        Block("第二十条第（六）项", DECISIONS, (("penalty", "行政处罚"), ("enforcement", "行政强制"))),
        Block(
            "第二十条第（八）项",
            (Column("amount", "本年收费金额（单位：万元）", CellKind.AMOUNT_WAN),),
            (("fees", "行政事业性收费"),),
        ),
    )
)

OTHER_ROWS = (
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "3.其他"),
)

T3 = table3(SHARED_OUTCOMES + (OutcomeGroup("（六）其他处理", OTHER_ROWS),))
T4 = table4()

FORM = Form(
    id="gov2021",
    name="中华人民共和国政府信息公开工作年度报告格式",
    document="国办公开办函〔2021〕30号",
    first_year=2021,
    last_year=None,
    sections=standard_sections(),
    tables=(T2, T3, T4),
    texts=(
        PREFACE,
        TextField("text.overview", "一", "一、总体情况", max_chars=1000,
                  hint="重在聚焦主题、简明客观，篇幅原则上不超过一千字；包括主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障等方面。"),
        PROBLEMS,
        TextField("text.other", "六", "六、其他需要报告的事项",
                  hint="（文字描述，收取信息处理费情况在此处报告。）",
                  prefill="{year}年，本机关未收取信息处理费。"),
    ),
    rules=tuple(
        balance_rules()
        + identity_rules((T2, T3, T4))
        + carry_over_rules()
        + warning_rules(("t2.rules.issued", "t2.rules.repealed", "t2.rules.in_force"), tuple(k for k, _ in OTHER_ROWS))
    ),
    text_rules=text_rules(
        (
            ("normative_issued", r"制发(?:行政)?规范性文件(?:共|共计|计)*{n}件", ("t2.normative.issued",)),
            ("normative_repealed", r"废止(?:行政)?规范性文件(?:共|共计|计)*{n}件", ("t2.normative.repealed",)),
            ("normative_in_force", r"现行有效的?(?:行政)?规范性文件(?:共|共计|计)*{n}件", ("t2.normative.in_force",)),
            ("licensing", r"行政许可(?:处理)?(?:决定)?(?:共|共计|计)*{n}件", ("t2.licensing.decisions",)),
            ("penalty", r"行政处罚(?:处理)?(?:决定)?(?:共|共计|计)*{n}件", ("t2.penalty.decisions",)),
            ("enforcement", r"行政强制(?:处理)?(?:决定)?(?:共|共计|计)*{n}件", ("t2.enforcement.decisions",)),
        ),
        document="国办公开办函〔2021〕30号",
        other_notices=(r"格式（试行）", r"〔2019〕60号", r"\[2019\]60号"),
        in_force=True,
    ),
)
