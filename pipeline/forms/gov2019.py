"""国办公开办函〔2019〕60号：《中华人民共和国政府信息公开工作年度报告格式（试行）》.

Applies to the reports on 2019 and 2020. Labels are verbatim from the notice's template.
"""

from .common import (
    PREFACE,
    PROBLEMS,
    Block,
    Column,
    balance_rules,
    carry_over_rules,
    identity_rules,
    project_count_rules,
    single,
    table2,
    table3,
    table4,
    standard_sections,
    warning_rules,
)
from .outcomes import SHARED_OUTCOMES
from .spec import CellKind, Form, TextField
from .text_rules import text_rules

PROJECT_COLUMNS = (
    Column("prev_items", "上一年项目数量"),
    Column("change", "本年增/减", CellKind.SIGNED),
    Column("decisions", "处理决定数量"),
)

T2 = table2(
    (
        Block(
            "第二十条第（一）项",
            (
                Column("made", "本年新制作数量"),
                Column("published", "本年新公开数量"),
                Column("public_total", "对外公开总数量"),
            ),
            (("rules", "规章"), ("normative", "规范性文件")),
        ),
        Block("第二十条第（五）项", PROJECT_COLUMNS, (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"))),
        Block("第二十条第（六）项", PROJECT_COLUMNS, (("penalty", "行政处罚"), ("enforcement", "行政强制"))),
        Block("第二十条第（八）项", PROJECT_COLUMNS[:2], (("fees", "行政事业性收费"),)),
        Block(
            "第二十条第（九）项",
            (Column("projects", "采购项目数量"), Column("amount", "采购总金额", CellKind.AMOUNT)),
            (("procurement", "政府集中采购"),),
        ),
    )
)

T3 = table3(SHARED_OUTCOMES + (single("other", "（六）其他处理"),))
T4 = table4()

PROJECT_ROWS = {
    "licensing": "行政许可",
    "other_services": "其他对外管理服务事项",
    "penalty": "行政处罚",
    "enforcement": "行政强制",
    "fees": "行政事业性收费",
}

FORM = Form(
    id="gov2019",
    name="中华人民共和国政府信息公开工作年度报告格式（试行）",
    document="国办公开办函〔2019〕60号",
    first_year=2019,
    last_year=2020,
    sections=standard_sections(),
    tables=(T2, T3, T4),
    texts=(
        PREFACE,
        TextField("text.overview", "一", "一、总体情况",
                  hint="主要报告本机关政府信息公开工作总体情况，包括主动公开、依申请公开、政府信息管理、平台建设、监督保障等方面。"),
        PROBLEMS,
        TextField("text.other", "六", "六、其他需要报告的事项",
                  hint="本机关认为需要报告的其他事项，以及其他有关文件专门要求通过年度报告予以报告的事项；没有请填“无。”。"),
    ),
    rules=tuple(
        balance_rules()
        + identity_rules((T2, T3, T4))
        + carry_over_rules()
        + project_count_rules(tuple(PROJECT_ROWS), PROJECT_ROWS)
        + warning_rules(("t2.rules.made", "t2.rules.published", "t2.rules.public_total"), ("other",))
    ),
    text_rules=text_rules(
        (
            ("normative_made", r"(?:新)?制作(?:行政)?规范性文件(?:共|共计|计)*{n}件", ("t2.normative.made",)),
            ("licensing", r"行政许可(?:处理)?决定(?:共|共计|计)*{n}件", ("t2.licensing.decisions",)),
            ("penalty", r"行政处罚(?:处理)?决定(?:共|共计|计)*{n}件", ("t2.penalty.decisions",)),
            ("enforcement", r"行政强制(?:处理)?决定(?:共|共计|计)*{n}件", ("t2.enforcement.decisions",)),
        ),
        document="国办公开办函〔2019〕60号",
        other_notices=(r"〔2021〕30号", r"\[2021\]30号"),
    ),
)
