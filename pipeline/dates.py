"""A date as a clerk writes it in a cell: a real date, "2026年1月20日", "2026/1/20", "2026-01-20",
"2026.1.20" or "20260120"."""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def written_date(value: object) -> dt.date | None:
    """The day `value` is, or None when it is no date (a text of another shape, a day the calendar
    does not have such as 2025年2月30日, a number)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    text = str(value).strip()  # a number 20260120 as the text it shows
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if match is None:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
