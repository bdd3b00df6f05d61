"""Matching labels as printed in a published report to the labels the form spec knows.

One place for every reader: a printed label is compared with the official ones, first exactly (as
`normalize_label` compares: width, spaces, line breaks, quote styles), then ignoring punctuation and
numbering, then after undoing the drift real reports show (`forms/published.py`), and last by
resemblance. Only the exact match is silent; the others say how the label was recognised, so that
each becomes a finding (提示 when certain, 警告 when guessed).
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from typing import Iterable

from ..forms.published import LABEL_ALIASES, LABEL_DRIFT
from ..forms.spec import NOTICE, WARNING, Form, Table, normalize_label

EXACT, VARIANT, DRIFT, GUESSED = "exact", "variant", "drift", "guessed"

_NUMBERING = re.compile(r"^(?:\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3}[、.]|\d{1,2}[、.])")
_PUNCTUATION = re.compile(r"[\"'、，,。.：:；;（）()\[\]【】《》<>·・_\-—－–~～!！?？\s]")
GUESS_RATIO = 0.86  # resemblance needed to guess a label (labels differing in one word stay apart)


@dataclass(frozen=True)
class Match:
    official: str
    how: str  # exact | variant | drift | guessed
    words: tuple[tuple[str, str], ...] = ()  # drift: (as printed, official) pairs undone

    @property
    def severity(self) -> str | None:
        return {EXACT: None, VARIANT: NOTICE, DRIFT: NOTICE, GUESSED: WARNING}[self.how]

    def explain(self, printed: str) -> str:
        """How the label was read, for a clerk: "“钩稽”应为“勾稽”" etc."""
        shown = _one_line(printed)
        if self.how == DRIFT:
            fixes = "、".join(f"“{a}”应为“{b}”" for a, b in self.words)
            return f"“{shown}”中{fixes}，已按“{self.official}”读取"
        if self.how == VARIANT:
            return f"“{shown}”与规定的“{self.official}”标点、全半角或编号写法不同，已按“{self.official}”读取"
        if self.how == GUESSED:
            return f"“{shown}”与规定的文字不一致，推测为“{self.official}”，请核对"
        return ""


@functools.lru_cache(maxsize=4096)
def canonical(text: str) -> str:
    """A label without spaces, punctuation and its leading numbering ("（三）", "1.", "一、")."""
    text = normalize_label(text)
    text = _NUMBERING.sub("", text)
    return _PUNCTUATION.sub("", text)


@functools.lru_cache(maxsize=4096)
def undrift(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """`text` (canonical) with the known misprints replaced by the official words."""
    words = []
    for printed, official in LABEL_DRIFT:
        printed_c, official_c = canonical(printed), canonical(official)
        if printed_c in text:
            text = text.replace(printed_c, official_c)
            words.append((printed, official))
    return text, tuple(words)


def match_label(printed: str, officials: Iterable[str]) -> Match | None:
    """The official label `printed` stands for, and how it was recognised; None when none fits."""
    officials = tuple(dict.fromkeys(officials))
    exact = normalize_label(printed)
    if not exact:
        return None
    for official in officials:
        if normalize_label(official) == exact:
            return Match(official, EXACT)
    text = canonical(printed)
    if not text:
        return None
    by_canonical = {canonical(o): o for o in officials}
    if text in by_canonical:
        return Match(by_canonical[text], VARIANT)
    fixed, words = undrift(text)
    if words and fixed in by_canonical:
        return Match(by_canonical[fixed], DRIFT, words)
    for alias, official in LABEL_ALIASES:
        if fixed == canonical(alias) and official in officials:
            return Match(official, DRIFT, words + ((alias, official),))
    return _guess(fixed, by_canonical)


def _guess(text: str, by_canonical: dict[str, str]) -> Match | None:
    scored = sorted(((difflib.SequenceMatcher(None, text, c).ratio(), c) for c in by_canonical), reverse=True)
    if scored and scored[0][0] >= GUESS_RATIO and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.05):
        return Match(by_canonical[scored[0][1]], GUESSED)
    truncated = [c for c in by_canonical if len(text) >= 3 and c.startswith(text) and len(c) - len(text) <= 3]
    if len(truncated) == 1:
        return Match(by_canonical[truncated[0]], GUESSED)
    return None


_TABLE_LABELS: dict[int, frozenset[str]] = {}  # id of a form's table (module constants) → its labels


def table_labels(table: Table) -> frozenset[str]:
    """Every text a table of the form prints (headers, titles, row and column labels), canonical."""
    if id(table) not in _TABLE_LABELS:
        _TABLE_LABELS[id(table)] = _table_labels(table)
    return _TABLE_LABELS[id(table)]


def _table_labels(table: Table) -> frozenset[str]:
    texts = {label.text for label in table.labels} | {cell.col_label for cell in table.cells}
    return frozenset(canonical(t) for t in texts if canonical(t))


def label_hits(texts: Iterable[str], labels: frozenset[str] | set[str]) -> int:
    """How many of `texts` (printed) are, drift undone, one of `labels` (canonical)."""
    return sum(1 for t in texts if undrift(canonical(t))[0] in labels)


def distinctive_labels(forms: Iterable[Form]) -> dict[str, frozenset[str]]:
    """form id → the canonical labels only that form's tables print (how a 2019 table is told from
    a 2021 one)."""
    return _distinctive(tuple(f.id for f in forms))


@functools.lru_cache(maxsize=None)
def _distinctive(ids: tuple[str, ...]) -> dict[str, frozenset[str]]:
    from ..forms import form_by_id

    forms = tuple(form_by_id(i) for i in ids)
    every = {f.id: frozenset().union(*(table_labels(t) for t in f.tables)) for f in forms}
    return {f.id: every[f.id] - frozenset().union(*(every[o.id] for o in forms if o is not f)) for f in forms}


def _one_line(text: str) -> str:
    return re.sub(r"\s+", "", str(text))
