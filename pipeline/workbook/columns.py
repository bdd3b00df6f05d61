"""Column letters and column numbers of cell references (A = 1, Z = 26, AA = 27, XFD = 16384)."""

from __future__ import annotations

import functools

MAX_LETTERS_COLUMN = 18_278  # ZZZ: the largest column three letters can name


@functools.lru_cache(maxsize=None)
def column_index(letters: str) -> int:
    """The number of a column given by its upper-case letters."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


@functools.lru_cache(maxsize=None)
def column_letter(index: int) -> str:
    """The letters of a column number; ValueError outside 1..18278 (as openpyxl's get_column_letter)."""
    if not 1 <= index <= MAX_LETTERS_COLUMN:
        raise ValueError(f"Invalid column index {index}")
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


__all__ = ["column_index", "column_letter"]
