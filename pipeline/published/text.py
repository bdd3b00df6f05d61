"""A published report as text copied out of Word: table cells one per line, each line starting
with a tab, rows separated by an empty line (as in the seed report).

A line without a leading tab is a paragraph and ends the table before it; an empty cell is a line
holding only the tab. Word's conversion leaves markers like "[bookmark: _GoBack]": they are removed.
"""

from __future__ import annotations

import codecs
import re

from .document import MAX_BYTES, MAX_CELLS, Block, Grid, Paragraph, Unreadable

_MARKERS = re.compile(r"\[bookmark:[^\]]*\]")
_SECTION = re.compile(r"^[一二三四五六七八九十]{1,2}[、.．]")


def decode_text(data: bytes) -> str | None:
    """The text of `data` when it is text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030.
    None for anything else (binary data)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n\f\v")
        if "\x00" in text or controls > 8:
            return None
        return text
    return None


def read_text(data: bytes, name: str) -> list[Block]:
    if len(data) > MAX_BYTES:
        raise Unreadable(f"{name} 超过 {MAX_BYTES // 1024 // 1024} MB，不像年度报告，未读取。")
    text = decode_text(data)
    if text is None:
        raise Unreadable(f"{name} 不是文本文件（也不是 Excel 工作簿、Word 文档或网页），无法读取。")
    blocks: list[Block] = []
    rows: list[tuple[str, ...]] = []
    row: list[str] = []
    cells = 0

    def end_row() -> None:
        nonlocal row
        if row:
            rows.append(tuple(row))
            row = []

    def end_table() -> None:
        nonlocal rows
        end_row()
        if rows:
            blocks.append(Grid(sum(isinstance(b, Grid) for b in blocks) + 1, tuple(rows)))
            rows = []

    in_cell = False  # the line before was a cell: a line without a tab right after it continues it
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _MARKERS.sub("", line)
        if line.startswith("\t"):
            row.append(line[1:].strip())
            cells += 1
            if cells > MAX_CELLS:
                raise Unreadable(f"{name} 的表格过大（超过 {MAX_CELLS} 个单元格），不像年度报告，未读取。")
            in_cell = True
            continue
        if not line.strip():
            end_row()
        elif in_cell and row and len(line.strip()) <= 40 and not _SECTION.match(line.strip()):
            row[-1] += "\n" + line.strip()  # a label wrapped onto the next line
            continue
        else:
            end_table()
            blocks.append(Paragraph(line.strip()))
        in_cell = False
    end_table()
    return blocks
