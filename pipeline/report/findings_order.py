"""The one order of findings in every list, and a finding's field as cell text."""

from __future__ import annotations

from typing import Iterable

from ..findings import Finding, fmt_number, sort_key
from ..workbook.cells import MAX_CELL_CHARS, cell_text


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Sorted with `sort_key` (errors first), ties broken by the whole row so that the order never
    depends on the order the findings arrived in."""
    return sorted(findings, key=lambda f: (sort_key(f), tuple(text_of(v) for v in f.as_row())))


def text_of(value) -> str:
    """A finding's field as cell text: numbers as a clerk writes them, characters a worksheet
    cannot hold removed, and no longer than Excel allows."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else fmt_number(value)
    return cell_text(text)[:MAX_CELL_CHARS]
