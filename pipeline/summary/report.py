"""汇总报告.docx: the county totals in the format's Word template, with the county as the unit."""

from __future__ import annotations

from pathlib import Path

from ..batch import RunResult
from ..config import CountyConfig
from .totals import county_totals, summary_unit_code


def summary_report_context(result: RunResult, config: CountyConfig) -> dict:
    """The Word template's context for the county totals, with the county as the unit. The narrative
    is left empty and the date blank: the county writes its own in Word."""
    from ..word.render import format_value
    from ..word.template import TEXT_NAMES, value_tag

    form = result.form
    totals = county_totals(result)
    context: dict = {
        "title": f"{config.county}{result.year}年政府信息公开工作年度报告",
        "year": result.year,
        "unit_name": config.county,
        "signature_name": f"{config.county}人民政府",
        "signature_date": "",
        "draft": False,
    }
    for name in TEXT_NAMES.values():
        context[name] = []
    context["v"] = {value_tag(cell.key): format_value(totals[cell.key], cell) for cell in form.cells}
    return context


def write_summary_report(result: RunResult, config: CountyConfig, path: Path, *, templates_dir: Path | None = None) -> Path:
    """Write 汇总报告.docx: the county totals in the format's Word template (the county's own
    templates folder when configured). Raises ReportTemplateError when the template is unusable."""
    from ..word.render import ReportTemplateError, render_report
    from ..word.template import TEMPLATES_DIR, check_word_template, template_path

    folder = templates_dir or config.templates or TEMPLATES_DIR
    template = template_path(result.form, folder)
    problems = check_word_template(template, result.form)
    if problems:
        raise ReportTemplateError(problems)
    render_report(template, summary_report_context(result, config), Path(path))
    return Path(path)


