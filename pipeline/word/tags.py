"""What a Word report template is called and which names it fills: light on purpose (no python-docx),
so that a run that finds every report still fresh does not load the Word machinery."""

from __future__ import annotations

from pathlib import Path

from ..forms.spec import Form

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = ROOT / "input_templates"

DRAFT_MARK = "草稿（未通过校验）"

# the narrative fields as context names: text.overview → overview
TEXT_NAMES = {"text.preface": "preface", "text.overview": "overview", "text.problems": "problems", "text.other": "other"}
REQUIRED_NAMES = ("title", "signature_name", "signature_date")
NAME_TITLES = {
    "title": "报告标题",
    "signature_name": "落款单位名称",
    "signature_date": "落款日期",
    "draft": "草稿标记",
    "year": "报告年度",
    "unit_name": "单位简称",
    "v": "表格数值",
}
# every name a template may use; the rest would fail at rendering (StrictUndefined)
KNOWN_NAMES = frozenset(NAME_TITLES) | frozenset(TEXT_NAMES.values())

def template_name(form: Form) -> str:
    return f"年度报告模板-{form.id}.docx"


def template_path(form: Form, templates_dir: Path = TEMPLATES_DIR) -> Path:
    return Path(templates_dir) / template_name(form)


def value_tag(key: str) -> str:
    """The context name of a value cell: "t3.received.natural" → "t3_received_natural"."""
    return key.replace(".", "_")
