"""Word reports: one per unit, in the official layout and GB/T 9704-2012 typography (docxtpl).

- `template`: the template of each format built from the form spec, and `check_word_template`;
- `render`: the context of a unit's report, rendering one report, and all reports of a run.
"""

from .render import (
    REPORTS_DIR,
    ReportDataError,
    ReportTemplateError,
    paragraphs,
    render_report,
    render_reports,
    report_context,
    signature_date,
)
from .template import (
    DRAFT_MARK,
    TEMPLATES_DIR,
    build_template,
    check_word_template,
    template_name,
    template_path,
    write_word_templates,
)

__all__ = [
    "REPORTS_DIR", "ReportDataError", "ReportTemplateError", "paragraphs", "render_report", "render_reports",
    "report_context", "signature_date", "DRAFT_MARK", "TEMPLATES_DIR", "build_template", "check_word_template",
    "template_name", "template_path", "write_word_templates",
]
