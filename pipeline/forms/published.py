"""What the official format says about a report as published, beyond its tables: as data.

The rules here only make sense for a published document (a Word file, a web page, text copied out of
either): a workbook has no title, no headings and no section order of its own. The label variants
are what real published reports print instead of the official labels (reference §8, issue 10); the
shared label matching (`pipeline/published/labels.py`) reads them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import ERROR, WARNING


@dataclass(frozen=True)
class DocumentRule:
    id: str
    title: str  # Chinese, listed on the 说明 sheet of 问题清单
    severity: str
    instruction: str  # what the unit should do


WRONG_FORMAT = DocumentRule(
    "D1", "年度报告使用了与报告年度不符的格式", ERROR,
    "2019、2020年度报告用国办公开办函〔2019〕60号格式（试行），2021年度起用国办公开办函〔2021〕30号格式；请按报告年度适用的格式重新制作表格。",
)
SECTIONS = DocumentRule(
    "D2", "正文应依次为六个部分，使用规定的标题", ERROR,
    "年度报告正文应依次为“一、总体情况”至“六、其他需要报告的事项”六个部分，标题与格式一致；请补齐、删并或调整顺序。",
)
TITLE = DocumentRule(
    "D3", "标题应为“<机关名称><年度>年（度）政府信息公开工作年度报告”", WARNING,
    "年度报告的标题应写明机关名称和报告年度，例如“青塘镇2024年政府信息公开工作年度报告”。",
)
DOCUMENT_RULES = (WRONG_FORMAT, SECTIONS, TITLE)

# Headings real reports use for a section, besides the official one (reference §2: the notice's own
# explanatory text names some sections longer; pre-2019 reports had other wordings).
SECTION_VARIANTS = {
    "二": ("主动公开政府信息情况", "行政机关主动公开政府信息情况"),
    "三": ("收到和处理政府信息公开申请情况", "行政机关收到和处理政府信息公开申请情况"),
    "四": (
        "政府信息公开行政复议、行政诉讼情况",
        "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "因政府信息公开申请行政复议、提起行政诉讼的情况",
    ),
    "五": ("存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况"),
}

# Words printed instead of the official ones, inside any label: (as printed, official).
LABEL_DRIFT = (
    ("钩稽", "勾稽"),
    ("先行有效", "现行有效"),
    ("其他法律和行政法规禁止公开", "其他法律行政法规禁止公开"),
    ("不再受理", "不再处理"),
    ("结转下半年度", "结转下年度"),
    ("行政法复议", "行政复议"),
)

# Whole labels printed instead of the official one of the format in force: (as printed, official).
LABEL_ALIASES = (
    ("规范性文件", "行政规范性文件"),
)

# Finding types of reading a published report: id → Chinese title (listed with findings.TYPES).
FINDING_TYPES = {
    "label-variant": "表头或标题写法与格式不同",
    "blank-as-zero": "空白按0读取",
    "placeholder-as-zero": "符号按0读取",
    "unit-removed": "数字中的单位已去掉",
    "unit-converted": "金额已换算为万元",
    "extra-values": "一行中的数字多于格式",
    "missing-values": "一行中的数字少于格式",
    "value-missing": "缺少数值",
    "row-missing": "缺少格式规定的行",
    "row-unplaced": "对应不到格式的行",
    "duplicate-row": "重复的行",
    "table-missing": "缺少格式规定的表格",
    "extra-table": "格式以外的表格",
    "year-from-text": "年度取自正文",
    "year-missing": "找不到报告年度",
    **{rule.id: rule.title for rule in DOCUMENT_RULES},
}
