"""汇总报告.docx: the county totals in the format's Word template, with the county as the unit.

The report is a finished draft: an opening paragraph, a coverage statement, section 一 written from
the totals in the manner of the official reports, the tables, clearly marked passages for the county
to complete (五 and 六), the signature and the date. While any rostered unit is missing or failed the
header carries the draft mark, and with no accepted unit no report is written at all (a report of
zeros would read as a county that did nothing).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from ..batch import PASSED, RunResult
from ..config import CountyConfig
from ..forms.spec import Form
from .totals import PARTIAL, county_totals, shown_status

# a passage the county completes before publishing: visible in print, easy to find in Word
TO_COMPLETE = "【待补充】"
PROBLEMS_PROMPT = (
    TO_COMPLETE + "请在此填写本{area}政府信息公开工作存在的主要问题及改进情况（可参考各单位报告第五部分），"
    "定稿前删除本提示。"
)
OTHER_PROMPT = (
    TO_COMPLETE + "请在此填写其他需要报告的事项，包括本{area}收取信息处理费的情况（格式要求专门报告，未收取的也请写明），"
    "定稿前删除本提示。"
)
# what the summary covers: a county's townships and departments, a city's counties
UNITS_BELOW = {"县": "乡镇和部门", "区": "街道、乡镇和部门", "市": "县（市、区）"}


class NoAcceptedUnit(Exception):
    """No rostered unit passed: the summary report is not written. `reason` says why, in Chinese."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def write_summary_report(result: RunResult, config: CountyConfig, path: Path, *, templates_dir: Path | None = None,
                         checked_draft: bool | None = None) -> Path:
    """Write 汇总报告.docx: the county totals in the format's Word template (the county's own
    templates folder when configured). Raises ReportTemplateError when the template is unusable and
    NoAcceptedUnit (after removing an earlier report at `path`) when no unit passed.

    `checked_draft`: the run has already checked this template, with the draft mark required (True)
    or not (False); it is not checked again when that check covers this report (~0.2 s)."""
    from ..word.render import ReportTemplateError, render_report
    from ..word.template import TEMPLATES_DIR, check_word_template, template_path

    path = Path(path)
    if not result.passed():
        path.unlink(missing_ok=True)  # last run's report must not stand for this run's
        raise NoAcceptedUnit(no_report_reason(result))
    folder = templates_dir or config.templates or TEMPLATES_DIR
    template = template_path(result.form, folder)
    draft = is_draft(result)
    covered = checked_draft is not None and (checked_draft or not draft)
    problems = [] if covered else check_word_template(template, result.form, draft=draft)
    if problems:
        raise ReportTemplateError(problems)
    render_report(template, summary_report_context(result, config), path)
    return path


def summary_report_context(result: RunResult, config: CountyConfig) -> dict:
    """The Word template's context for the county totals, with the county as the unit."""
    from ..word.render import format_value, paragraphs
    from ..word.template import TEXT_NAMES, value_tag
    from ..word.typography import balanced_title

    form = result.form
    totals = county_totals(result)
    year = result.year
    # the 办结率 from the totals, then 实质公开率, 纠错率, ranking and peers (pipeline/indicators.py)
    from ..indicators import indicator_sentences as unit_indicator_sentences

    indicators = indicator_sentences(form, totals) + unit_indicator_sentences(result, "全" + area_word(config))
    context: dict = {
        "title": balanced_title(f"{config.county}{year}年政府信息公开工作年度报告"),
        "year": year,
        "unit_name": config.county,
        "signature_name": f"{config.county}人民政府",
        "signature_date": report_date(config, year),
        "draft": is_draft(result),
        # sentences on indicators (实质公开率 …) computed from the totals; they close section 一
        "indicator_sentences": indicators,
    }
    texts = {
        "text.preface": "\n".join([opening_paragraph(form, config, year), coverage_statement(result)]),
        "text.overview": "\n".join(overview_paragraphs(form, totals, config, year) + indicators),
        "text.problems": PROBLEMS_PROMPT.format(area=area_word(config)),
        "text.other": OTHER_PROMPT.format(area=area_word(config)),
    }
    for key, name in TEXT_NAMES.items():
        context[name] = paragraphs(texts[key])
    context["v"] = {value_tag(cell.key): format_value(totals[cell.key], cell) for cell in form.cells}
    return context


def area_word(config: CountyConfig) -> str:
    """县, 区 or 市, as the report calls its own area ("全县", "本市"); 县 when the name does not say."""
    return config.county[-1] if config.county[-1:] in UNITS_BELOW else "县"


def is_draft(result: RunResult) -> bool:
    """A rostered unit is missing or failed, a county's summary leaves units out, or a file could not
    be matched: the totals are partial."""
    return any(shown_status(u) != PASSED for u in result.units) or bool(result.unmatched)


def no_report_reason(result: RunResult) -> str:
    sent = sum(1 for u in result.units if u.files)
    return (
        f"名册 {len(result.units)} 个单位中没有一个通过校验（{sent} 个报送了文件），未生成汇总报告："
        "没有可汇总的数字，全为 0 的报告会被误读为全年无工作。请先处理问题清单中的错误。"
    )


def report_date(config: CountyConfig, year: int) -> str:
    """The date the report is due (the deadline of county.toml, by default 31 January): the county
    changes it to the day of publication if it differs."""
    date = config.deadline or dt.date(year + 1, 1, 31)
    return f"{date.year}年{date.month}月{date.day}日"


def opening_paragraph(form: Form, config: CountyConfig, year: int) -> str:
    return (
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{form.document}要求，"
        f"由{config.county}政府信息公开工作主管部门汇总本{area_word(config)}各{UNITS_BELOW[area_word(config)]}的年度报告编制。"
        "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
        f"存在的主要问题及改进情况、其他需要报告的事项。本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    )


def coverage_statement(result: RunResult) -> str:
    """本报告汇总了名册 18 个单位中通过校验的 11 个单位的数据；未计入：杏花镇（未报送）、…。"""
    units = result.units
    text = f"本报告汇总了名册 {len(units)} 个单位中通过校验的 {len(result.passed())} 个单位的数据"
    left_out = [f"{u.unit.name}（{u.status}）" for u in units if u.status != PASSED]
    if left_out:
        text += "；未计入：" + "、".join(left_out)
    partial = [u.unit.name for u in units if shown_status(u) == PARTIAL]
    if partial:
        text += "；" + "、".join(partial) + "的汇总未覆盖其全部单位"
    if result.unmatched:
        text += f"；另有 {len(result.unmatched)} 个文件无法确定报送单位，未计入"
    return text + "。"


def overview_paragraphs(form: Form, totals: Mapping[str, Decimal], config: CountyConfig, year: int) -> list[str]:
    """Section 一 from the numbers, one paragraph per subject with a run-in heading."""
    n = lambda key: _number(totals.get(key, Decimal(0)))  # noqa: E731
    whole = "全" + area_word(config)
    refused = sum((totals[c.key] for c in form.table("t3").cells
                   if c.col_label == "总计" and c.key.startswith("t3.refused_")), Decimal(0))
    disclosed = (
        f"（一）主动公开。{year}年，{whole}{_rules_sentence(form, totals)}"
        f"行政许可处理决定{n('t2.licensing.decisions')}件，行政处罚处理决定{n('t2.penalty.decisions')}件，"
        f"行政强制处理决定{n('t2.enforcement.decisions')}件。"
    )
    if form.has_cell("t2.fees.amount"):
        disclosed += f"行政事业性收费{_number(totals['t2.fees.amount'])}万元。"
    requests = (
        f"（二）依申请公开。{whole}共收到政府信息公开申请{n('t3.received.total')}件，"
        f"上年结转{n('t3.carried_in.total')}件；办结{n('t3.total.total')}件，"
        f"其中予以公开{n('t3.disclosed.total')}件，部分公开{n('t3.partial.total')}件，不予公开{_number(refused)}件；"
        f"结转下年度继续办理{n('t3.carried_over.total')}件。"
    )
    suits = _number(totals["t4.suit_direct.total"] + totals["t4.suit_after_review.total"])
    appeals = (
        f"（三）行政复议和行政诉讼。{whole}因政府信息公开被申请行政复议{n('t4.review.total')}件，"
        f"被提起行政诉讼{suits}件（未经复议直接起诉{n('t4.suit_direct.total')}件，复议后起诉{n('t4.suit_after_review.total')}件）。"
    )
    return [disclosed, requests, appeals]


def indicator_sentences(form: Form, totals: Mapping[str, Decimal]) -> list[str]:
    """Sentences on indicators computed from the totals, closing section 一. Each indicator that
    can be computed adds its sentence here (实质公开率 and others are added the same way)."""
    sentences = []
    handled = totals["t3.total.total"]
    due = totals["t3.received.total"] + totals["t3.carried_in.total"]
    if due:
        sentences.append(
            f"本年度应办理的申请（本年新收与上年结转）共{_number(due)}件，已办结{_number(handled)}件，"
            f"办结率为{_percent(handled, due)}。"
        )
    return sentences


def _rules_sentence(form: Form, totals: Mapping[str, Decimal]) -> str:
    if form.has_cell("t2.rules.issued"):
        return (
            f"制发规章{_number(totals['t2.rules.issued'])}件、行政规范性文件{_number(totals['t2.normative.issued'])}件，"
            f"现行有效行政规范性文件{_number(totals['t2.normative.in_force'])}件；"
        )
    return (
        f"新制作规章{_number(totals['t2.rules.made'])}件、规范性文件{_number(totals['t2.normative.made'])}件，"
        f"对外公开规范性文件总数{_number(totals['t2.normative.public_total'])}件；"
    )


def _number(value: Decimal) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _percent(part: Decimal, whole: Decimal) -> str:
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.1'))}%"
