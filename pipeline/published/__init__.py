"""Published reports (.docx, .html, .txt) read into the same Submission a returned workbook gives.

One reader per medium turns the file into paragraphs and tables (`document.py`); the rest is shared:
labels matched against the form spec (`labels.py`), values placed on the form's cells (`tables.py`),
title, year, unit, sections and the rules of a published document (`report.py`).
"""

from __future__ import annotations

from ..snapshot import Snapshot
from ..forms.spec import ERROR
from ..workbook.reader import FileInfo, Submission
from .document import Unreadable

MEDIA = ("docx", "doc", "html", "txt")


def read_published(snapshot: Snapshot, medium: str) -> Submission:
    """Read one published report; `medium` is what the bytes were sniffed as. Never raises for a
    bad file: whatever cannot be read is a finding."""
    from .docx import read_docx
    from .html import read_html
    from .report import assemble
    from .text import read_text

    submission = Submission(FileInfo.of_snapshot(snapshot), medium=medium)
    readers = {"docx": read_docx, "doc": _old_word, "html": read_html, "txt": read_text}
    try:
        blocks = readers[medium](snapshot.data, snapshot.name)
    except Unreadable as exc:
        submission.note(ERROR, "unreadable", exc.message)
        return submission
    try:
        assemble(submission, blocks)
    except RecursionError:
        submission.form = None
        submission.note(ERROR, "unreadable", f"{snapshot.name} 的结构嵌套过深，无法读取。")
    return submission


def _old_word(data: bytes, name: str):
    raise Unreadable(f"{name} 是旧版 Word 文档（.doc），无法读取。请用 Word 或 WPS 打开后“另存为”Word 文档（*.docx）。")
