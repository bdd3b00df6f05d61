"""Any file of the inbox into a Submission: the one entry point every run and check goes through.

Each medium has its own reader (the returned workbook today; published reports in other modules),
chosen by the file's bytes, never by its extension. All of them produce the same Submission, so every
check works on all of them unchanged.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from .snapshot import Snapshot, take_snapshot
from .workbook.reader import OLE2_MAGIC, ZIP_MAGIC, Submission, read_snapshot


def read_document(snapshot: Snapshot) -> Submission:
    """Read one snapshot with the reader its bytes call for. Never raises for a bad file."""
    medium = sniff(snapshot.data) if snapshot.error is None else "xlsx"
    if medium == "xlsx":
        return read_snapshot(snapshot)
    from .published import read_published

    return read_published(snapshot, medium)


def sniff(data: bytes) -> str:
    """What the bytes are: "xlsx" (a workbook, and anything no other reader takes: the workbook
    reader says what it is), "docx" (a zip holding word/document.xml), "doc" (Word 97-2003), "html"
    or "txt" (decodable text: UTF-8 or GB18030, with or without a byte-order mark)."""
    from .published.html import looks_like_html
    from .published.text import decode_text

    if data.startswith(OLE2_MAGIC) and "WordDocument".encode("utf-16-le") in data:
        return "doc"  # a Word 97-2003 document: the published-report reader says what to do
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, EOFError, ValueError):
            return "xlsx"
        return "docx" if "word/document.xml" in names and "xl/workbook.xml" not in names else "xlsx"
    if not data.strip():
        return "xlsx"
    head = data[:65536]
    # a character cut in two at the end of the head is not a reason to call the file binary
    text = next((t for cut in range(4 if len(data) > len(head) else 1) if (t := decode_text(head[:len(head) - cut])) is not None), None)
    if text is None:
        return "xlsx"
    return "html" if looks_like_html(text) else "txt"


def read_path(path: Path, label: str = "") -> Submission:
    return read_document(take_snapshot(Path(path), label))
