"""A date as a clerk writes it in a cell or a report prints it: a real date, "2026年1月20日",
"2026/1/20", "2026-01-20", "2026.1.20", "20260120", "2026年元月20号", "二〇二六年一月二十日",
full-width digits and dots, and a time of day after it ("2026-01-20 00:00:00")."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .textnumbers import parse_number

_CN_YEAR = "〇○零一二三四五六七八九"
_CN_NUMBER = "一二三四五六七八九十"
_DATE = re.compile(
    rf"^(\d{{4}}|[{_CN_YEAR}]{{4}})\s*[年./\-]\s*(\d{{1,2}}|元|[{_CN_NUMBER}]{{1,3}})\s*[月./\-]"
    rf"\s*(\d{{1,2}}|[{_CN_NUMBER}]{{1,3}})\s*[日号]?(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def written_date(value: object) -> dt.date | None:
    """The day `value` is, or None when it is no date (a text of another shape, a day the calendar
    does not have such as 2025年2月30日, a number other than 20260120)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()  # a number 20260120 as the text it shows
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if match is None:
        return None
    year, month, day = match.groups()
    numbers = [parse_number(year), 1 if month == "元" else parse_number(month), parse_number(day)]
    if None in numbers:
        return None
    try:
        return dt.date(*numbers)
    except ValueError:
        return None
