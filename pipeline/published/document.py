"""A published report as its readers see it: paragraphs and tables in reading order.

Each medium (.docx, .html, .txt) is turned into this one shape; everything after (finding the
title, the sections, the tables and their values) is shared and works on it alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Grid:
    """A table as printed: rows of cell texts, a merged cell once per row (vertically merged cells
    repeat their text in each row they cover, as Word shows them)."""

    number: int  # 1-based position among the document's tables
    rows: tuple[tuple[str, ...], ...]


Block = Paragraph | Grid


class Unreadable(Exception):
    """The file cannot be read as a report; `message` is the Chinese text for the clerk."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Bounds against hostile or damaged input (a published report is a few dozen pages at most).
MAX_BYTES = 20 * 1024 * 1024
MAX_CELLS = 20_000
MAX_SPAN = 100  # a colspan or rowspan larger than any report table needs


@dataclass(frozen=True)
class DocumentPlace:
    """Where a value or a text sits in a published report: what a workbook's sheet and cell are to
    a workbook (findings show `sheet` and `coordinate` in those columns)."""

    sheet: str  # the table ("表3") or the section heading as printed
    coordinate: str = ""  # "第5行第4列" within the table

    def __str__(self) -> str:
        return f"{self.sheet}{self.coordinate}"
