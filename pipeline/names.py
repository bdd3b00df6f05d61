"""File names as they can be shown and written anywhere.

A file name comes from the clerk's file system, not from us: a GBK name unzipped on Linux arrives as
surrogate escapes (bytes that are not UTF-8), and a name may hold control characters (ESC, BEL). Such
a name cannot be encoded as UTF-8, written into a workbook or shown on a terminal as it is; every
place that shows a file name uses `shown_name`, which writes the bad bytes and control characters
as visible escapes ("\\xb2", "\\x1b") so the clerk can still tell which file is meant.
"""

from __future__ import annotations


def shown_name(name: str) -> str:
    """`name` with undecodable bytes and control characters written as \\xNN (other lone surrogates as �)."""
    if name.isprintable() and not _has_surrogate(name):
        return name
    return "".join(_shown_char(ch) for ch in name)


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def _shown_char(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by the file system's surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    return ch
