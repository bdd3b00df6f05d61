"""Findings: every problem the pipeline notices, as one record type.

A finding is data, not a log line: the 问题清单 workbook and page, the marked-up return copies, the
terminal summary and the exit code are all derived from the same list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from decimal import Decimal

from .forms.spec import ERROR, NOTICE, WARNING

SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTICE: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    unit_code: str  # 单位代码 ("" when the unit is not known)
    unit: str  # 单位 (name from the roster, or what the file says when unknown)
    file: str  # 文件 (file name in the inbox)
    sheet: str  # 工作表
    cell: str  # 单元格 (A1 notation)
    row: str  # 行 (the row label of the cell)
    column: str  # 列 (the column label)
    rule: str  # 规则: a rule id of the form spec (R1, I2, W1 …) or a finding type (see TYPES)
    severity: str  # 级别: 错误 | 警告 | 提示
    message: str  # 说明: a full Chinese sentence: where, expected, found, difference, what to do
    expected: str = ""  # 期望值
    actual: str = ""  # 实际值
    difference: str = ""  # 差额

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def rule_title(self) -> str:
        return rule_name(self.rule)

    def as_row(self) -> list[str]:
        return [getattr(self, name) for name, _ in COLUMNS]

    def as_dict(self) -> dict:
        return asdict(self)


# The columns of 问题清单, in order: (field, Chinese header).
COLUMNS = (
    ("unit_code", "单位代码"),
    ("unit", "单位"),
    ("file", "文件"),
    ("sheet", "工作表"),
    ("cell", "单元格"),
    ("row", "行"),
    ("column", "列"),
    ("rule", "规则"),
    ("severity", "级别"),
    ("message", "说明"),
    ("expected", "期望值"),
    ("actual", "实际值"),
    ("difference", "差额"),
)
assert [f.name for f in fields(Finding)] == [name for name, _ in COLUMNS]

# Finding types that are not rules of the form spec: id → Chinese title.
TYPES = {
    "blank": "空白单元格",
    "placeholder": "用符号代替数字",
    "unit-in-number": "数字中带单位或文字",
    "not-a-number": "不是数字",
    "not-integer": "不是整数",
    "negative": "负数",
    "too-large": "数值超出合理范围",
    "too-many-decimals": "小数位数过多",
    "normalized": "已自动规范的输入",
    "formula-no-value": "公式没有计算结果",
    "formula-overwritten": "合计公式被改写",
    "date-in-number": "数字被识别为日期",
    "text-missing": "文字部分未填写",
    "text-too-long": "篇幅超过要求",
    "info-missing": "基本信息未填写",
    "info-date": "落款日期有误",
    "not-xlsx": "文件格式不是 .xlsx",
    "encrypted": "文件设置了密码",
    "unreadable": "文件无法读取",
    "not-a-template": "不是本县下发的模板",
    "unknown-unit": "无法确定报送单位",
    "unit-by-name": "按单位名称识别",
    "unit-mismatch": "单位代码与名称不符",
    "wrong-year": "年度不符",
    "wrong-format": "使用了旧版格式",
    "layout-changed": "模板版式被改动",
    "duplicate": "重复报送",
    "missing": "未报送",
    "previous-missing": "缺少上年数据",
    "inbox-folder-unreadable": "收件箱中的文件夹无法打开",
    "inbox-broken-link": "收件箱中的链接指向不存在的文件",
    "inbox-link-loop": "收件箱中的链接形成循环",
    "package-limit": "文件超出读取限制",
    "unsafe-xml": "文件含有不安全的 XML 声明",
    "formula-in-input": "填报单元格中是公式",
    "total-error": "合计显示错误值",
    "control-chars": "已删除无法显示的控制字符",
    "narrative-too-long": "文字部分超出上限",
    "changed-during-run": "文件在运行期间被改动",
    "partial-summary": "汇总未覆盖全部单位",
}

# The finding types of published reports (pipeline/published) are titled beside their rules.
from .forms.published import FINDING_TYPES as _PUBLISHED_TYPES  # noqa: E402

TYPES.update(_PUBLISHED_TYPES)


# Short Chinese names of the form's rules for the 规则 column (the spec's titles are sentences);
# a rule id not listed here shows the spec's title up to its first colon.
RULE_NAMES = {
    "R1": "勾稽关系",
    "I1": "办理结果之和",
    "I2": "申请人之和",
    "X1": "上年结转",
    "X2": "上一年项目数量",
    "W1": "乡镇填报规章",
    "W2": "无新收却有办理结果",
    "W3": "其他处理占比偏高",
}


def rule_name(rule: str) -> str:
    """The Chinese name a clerk reads in the 规则 column: "R1" → 勾稽关系, "blank" → 空白单元格."""
    if rule in TYPES:
        return TYPES[rule]
    if rule in RULE_NAMES:
        return RULE_NAMES[rule]
    from .forms import FORMS  # the forms are data above this module; imported late to keep it light

    for form in FORMS:
        for spec_rule in (*form.rules, *form.text_rules):
            if spec_rule.id == rule and spec_rule.title:
                return spec_rule.title.split("：")[0]
    return rule


def sort_key(finding: Finding) -> tuple:
    """Errors first, then by unit, file, sheet and position."""
    return (
        SEVERITY_ORDER.get(finding.severity, 9),
        finding.unit_code or "~",
        finding.file,
        finding.sheet,
        _cell_order(finding.cell),
        finding.rule,
    )


def _cell_order(cell: str) -> tuple[int, str]:
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (int(digits) if digits else 0, cell)


def count(findings, severity: str) -> int:
    return sum(1 for f in findings if f.severity == severity)


class FindingCounts:
    """Error, warning and notice counts of anything that holds a `findings` list."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        return count(self.findings, ERROR)

    @property
    def warnings(self) -> int:
        return count(self.findings, WARNING)

    @property
    def notices(self) -> int:
        return count(self.findings, NOTICE)


def fmt_number(value) -> str:
    """A number as a clerk writes it: no exponent, no trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral_value():
            return str(int(value))
        return format(value, "f")
    return str(value)


__all__ = ["Finding", "FindingCounts", "COLUMNS", "TYPES", "RULE_NAMES", "rule_name", "ERROR", "WARNING", "NOTICE", "sort_key", "count", "fmt_number"]
