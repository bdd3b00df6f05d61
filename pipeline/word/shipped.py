"""The Word templates this tool ships in input_templates/, recorded as checked when they were made.

A run checks its Word template before reading anything (`check_word_template`, about 0.25 s). The
templates in input_templates/ are made from the form spec by `python -m pipeline.word` (make
word-templates), which checks each one and records its SHA-256 in shipped.json beside this module:
a template with exactly those bytes has passed the check (with and without the draft mark). An
edited or any other template is checked as before. tests/test_word.py keeps the record true: it
matches the committed templates, and they pass the check.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from ..cache import file_bytes_digest

RECORD = Path(__file__).with_name("shipped.json")


def is_checked_shipped(path: Path, form_id: str) -> bool:
    """Whether `path` holds the very bytes of the shipped template of `form_id`."""
    expected = _record().get(form_id)
    try:
        return expected is not None and file_bytes_digest(path) == expected
    except OSError:
        return False


def record_shipped(templates: dict[str, Path]) -> None:
    """Record {form id: template path} as checked (the caller has checked them)."""
    digests = {form_id: file_bytes_digest(path) for form_id, path in sorted(templates.items())}
    RECORD.write_text(json.dumps(digests, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _record.cache_clear()


@functools.cache
def _record() -> dict[str, str]:
    try:
        return json.loads(RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
