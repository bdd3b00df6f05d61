"""Word reports: one per unit, in the official layout and GB/T 9704-2012 typography (docxtpl).

- `tags`: where a format's template is and the names it fills (light: no python-docx);
- `template`: the template of each format built from the form spec, and `check_word_template`;
- `render`: the context of a unit's report, rendering one report, and all reports of a run.

The names below are loaded from their module when first used, so that importing one light module
of this package (e.g. `pipeline.word.tags` on a re-run that finds every report fresh) does not load
python-docx.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "REPORTS_DIR": "render", "ReportDataError": "render", "ReportTemplateError": "render", "paragraphs": "render",
    "render_report": "render", "render_reports": "render", "report_context": "render", "signature_date": "render",
    "DRAFT_MARK": "tags", "TEMPLATES_DIR": "tags", "template_name": "tags", "template_path": "tags",
    "build_template": "template", "check_word_template": "template", "write_word_templates": "template",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
