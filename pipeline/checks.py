"""Checking submissions: the form's rules, the narrative and basic information, the roster.

Everything here adds findings to a submission or returns findings; nothing prints. The rules
themselves live in the form spec; this module only evaluates them and words the messages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from .findings import Finding, fmt_number
from .forms.spec import ERROR, NOTICE, WARNING, Form, Rule, Side, evaluate, side_value
from .workbook.reader import Submission
from .checks_history import run_history_rules
from .checks_text import run_text_rules

Values = Mapping[str, Decimal]


def check_submission(
    submission: Submission,
    unit_kind: str | None = None,
    previous: Values | None = None,
    *,
    previous_texts: Mapping[str, str] | None = None,
    year: int | None = None,
) -> None:
    """Apply every rule of the submission's form, and check the texts and the basic information.
    `previous` is the unit's values of last year, `previous_texts` its texts of last year (by text key),
    `year` the year the report is collected for (default: the year the file says)."""
    if submission.form is None:
        return
    current = submission.rule_values  # the rules only add findings: the values stay as they are
    for rule in submission.form.rules_for(unit_kind):
        if rule.cross_year and previous is None:
            continue
        check_rule(submission, rule, current, previous)
    check_texts(submission)
    check_info(submission, year)
    check_coverage(submission)
    # issue 11: the narrative against the tables (T1–T7), and against last year (X3–X5)
    run_text_rules(submission)
    run_history_rules(submission, previous, previous_texts)


def check_rule(submission: Submission, rule: Rule, current: Values, previous: Values | None = None) -> None:
    outcome = evaluate(rule, current, previous)
    if outcome is None or outcome.passed:
        return
    left = describe(rule.left, current, previous)
    scope = f"（{rule.scope}）" if rule.scope and rule.id not in ("W1",) else ""
    if rule.op == "=" and not rule.right.terms:
        detail = f"{left}，应为 {fmt_number(outcome.right)}"
    elif rule.op == "=":
        right = describe(rule.right, current, previous)
        detail = f"{left}，{right}，相差 {fmt_number(abs(outcome.difference))}"
    else:
        right = describe(rule.right, current, previous)
        detail = f"{left}，超过{right}"
    submission.note(
        rule.severity,
        rule.id,
        f"{submission.where(rule.anchor)} {rule.failure}{scope}：{detail}。{rule.instruction}",
        rule.anchor,
        expected=fmt_number(_round(outcome.right)),
        actual=fmt_number(outcome.left),
        difference=fmt_number(_round(outcome.difference)),
    )


def describe(side: Side, current: Values, previous: Values | None) -> str:
    """'本年新收 0 ＋ 上年结转 0 ＝ 0' or '各类申请人之和 12'."""
    total = side_value(side, current, previous)
    if not side.terms:
        return fmt_number(total)
    if len(side.labels) == len(side.terms) > 1:
        parts = []
        for label, term in zip(side.labels, side.terms):
            source = previous if term.previous_year else current
            parts.append(f"{label} {fmt_number(source[term.key])}")
        return " ＋ ".join(parts) + f" ＝ {fmt_number(total)}"
    label = side.labels[0] if side.labels else "合计"
    return f"{label} {fmt_number(_round(total))}"


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01")).normalize() if value != value.to_integral_value() else value


def check_texts(submission: Submission) -> None:
    form: Form = submission.form
    for text in form.texts:
        if text.key not in submission.places:
            continue
        content = submission.texts.get(text.key, "")
        if not content and text.required:
            submission.note(
                ERROR, "text-missing",
                f"{submission.where(text.key)} “{text.title}”没有填写。请按格式要求填写这一部分的文字。",
                text.key,
            )
        elif text.max_chars and len(content) > text.max_chars:
            submission.note(
                WARNING, "text-too-long",
                f"{submission.where(text.key)} “{text.title}”共 {len(content)} 字，超过格式要求的原则上不超过{text.max_chars}字。请精简。",
                text.key, expected=str(text.max_chars), actual=str(len(content)),
                difference=str(len(content) - text.max_chars),
            )
    other = form.text("text.other")
    if other.prefill and "text.other" in submission.places:
        content = submission.texts.get("text.other", "")
        if content and "信息处理费" not in content:  # a blank 六 is already an error above
            submission.note(
                WARNING, "text-missing",
                f"{submission.where('text.other')} “{other.title}”中没有说明信息处理费的收取情况。格式要求在此专门报告，未收取的也请写明。",
                "text.other",
            )


def check_coverage(submission: Submission) -> None:
    """A county's summary read at the level above whose totals leave rostered units out (its hidden
    coverage marks say so) gets a warning naming them: the level above's totals are then partial."""
    from .coverage import coverage_from_marks

    coverage = coverage_from_marks(submission.marks) if submission.is_summary else None
    if coverage is None or coverage.complete:
        return
    who = submission.unit_name or submission.unit_code
    uncovered = "、".join(coverage.uncovered) or "（未列出）"
    submission.note(
        WARNING, "partial-summary",
        f"{submission.file.name} {who}的汇总表只汇总了名册 {coverage.units} 个单位中通过校验的 {coverage.accepted} 个"
        f"（乡镇和部门 {coverage.bottom_accepted}/{coverage.bottom_units}），未计入：{uncovered}。"
        f"本级汇总中{who}的数字不完整。请{who}补齐后重新报送汇总表。",
        expected=str(coverage.bottom_units), actual=str(coverage.bottom_accepted),
        difference=str(coverage.bottom_units - coverage.bottom_accepted),
    )


# The contact is for the county's questions (a warning); the date signs the published report (an error).
INFO_REQUIRED = {"info.contact": WARNING, "info.phone": WARNING, "info.date": ERROR}


def check_info(submission: Submission, year: int | None = None) -> None:
    from .workbook import layout

    labels = {i.key: i.label for i in layout.INFO_FIELDS}
    for key, severity in INFO_REQUIRED.items():
        if key in submission.places and submission.info.get(key) in (None, ""):
            why = "年度报告的落款需要这个日期。" if key == "info.date" else ""
            submission.note(
                severity, "info-missing",
                f"{submission.where(key)} “{labels[key]}”没有填写。{why}请在“基本信息”表中补充。",
                key,
            )
    check_signature_date(submission, submission.year if year is None else year)


def check_signature_date(submission: Submission, year: int | None) -> None:
    """落款日期 signs the published report on `year`: a real day (not a formula, whose result changes
    with the day the file is opened), not before the report's year (last year's report copied);
    within the report's year itself it is suspicious (the report covers the whole year). A later
    year is no finding: a county may enter an earlier year's reports long after."""
    from .dates import written_date

    value = submission.info.get("info.date")
    if value in (None, ""):
        return  # info-missing, when the cell is there at all
    example = f"如 {year + 1}/1/20" if year else "写成“年/月/日”"
    where = f"{submission.where('info.date')} “落款日期”"
    text = str(value).strip()
    date = written_date(value)
    if date is None:
        if text.startswith("="):
            message = (f"{where}中是公式“{text}”。落款日期是报告签署的那一天，公式的结果会随打开文件的日期变化，"
                       f"或文件中没有保存计算结果。请直接填写日期，{example}。")
        else:
            message = f"{where}填写的“{text}”不是有效的日期。请填写报告实际的落款日期，{example}。"
        submission.note(ERROR, "info-date", message, "info.date", actual=text)
        return
    if year is None:
        return
    shown = f"{date.year}年{date.month}月{date.day}日"
    if date.year < year:
        submission.note(
            ERROR, "info-date",
            f"{where}是{shown}，早于报告所属的{year}年度，可能沿用了往年的报告。请改为本年度报告实际的落款日期，{example}。",
            "info.date", expected=f"{year + 1}年", actual=shown,
        )
    elif date.year == year:
        submission.note(
            WARNING, "info-date",
            f"{where}是{shown}，在{year}年度结束之前。年度报告统计全年的情况，一般在次年1月落款。请核对日期。",
            "info.date", expected=f"{year + 1}年", actual=shown,
        )


__all__ = ["check_submission", "check_rule", "check_texts", "check_info", "check_coverage", "describe", "Finding", "NOTICE"]
