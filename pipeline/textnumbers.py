"""Reading numbers and sentences out of a report's narrative: Arabic and Chinese numerals.

"六件", "十二件", "一百零五件", "两件", "1,200件" and "１２件" all read as numbers; a year written
as "二〇二五" reads digit by digit.
"""

from __future__ import annotations

import functools
import re

DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMBER = r"(?P<n>[0-9][0-9,]*|[零〇○一二两三四五六七八九十百千万]+)"

SENTENCE_END = re.compile(r"[。；;！!？?\n]")


_HALF_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_FULL_WIDTH = re.compile("[０-９．]")  # what _HALF_WIDTH changes: a text without any is left as it is


def normalize(text: str) -> str:
    """Full-width digits as half-width; everything else (Chinese punctuation too) as written, so a
    quoted passage reads as the clerk wrote it."""
    text = str(text or "")
    return text.translate(_HALF_WIDTH) if _FULL_WIDTH.search(text) else text


def sentences(text: str) -> list[str]:
    """The sentences of a text (split at 。；！？ and line breaks), stripped, non-empty."""
    return [s.strip() for s in SENTENCE_END.split(normalize(text)) if s.strip()]


def parse_number(token: str) -> int | None:
    """An Arabic or Chinese numeral as an integer, or None when it is not one."""
    token = normalize(token).replace(",", "")
    if not token:
        return None
    if token.isdigit():
        return int(token)
    if all(ch in DIGITS for ch in token):
        if len(token) == 1:
            return DIGITS[token]
        if not any(DIGITS[ch] == 0 for ch in token):
            return None  # 二三件, 三五件: "two or three", not a count
        return int("".join(str(DIGITS[ch]) for ch in token))  # 二〇二五: a year, digit by digit
    return _chinese(token)


def _chinese(token: str) -> int | None:
    total, section, digit = 0, 0, None
    for ch in token:
        if ch in DIGITS:
            if digit is not None and DIGITS[ch] != 0 and digit != 0:
                return None  # 二三 inside a composed numeral: not a number
            digit = DIGITS[ch]
        elif ch in UNITS:
            section += (1 if digit is None else digit) * UNITS[ch]
            digit = None
        elif ch == "万":
            section += digit or 0
            total += (section or 1) * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


@functools.lru_cache(maxsize=256)
def pattern(template: str) -> re.Pattern:
    """A figure pattern of the spec with `{n}` replaced by the number group (compiled once)."""
    return re.compile(template.replace("{n}", NUMBER))


__all__ = ["parse_number", "sentences", "normalize", "pattern", "NUMBER"]
