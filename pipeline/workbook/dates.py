"""Which cell formats show a number as a date, and the date a serial number stands for.

The reader needs only this much of a spreadsheet library: the built-in number formats (ECMA-376
18.8.30), a test whether a format code shows a date or a time, and the conversion of a serial day
number into a datetime. Both give exactly what openpyxl 3.1.5 gives (`openpyxl.styles.numbers.
is_date_format`, `openpyxl.utils.datetime.from_excel`), so a workbook reads as it did when openpyxl
did this, without importing openpyxl (about 0.4 s) in every run; except that the built-in formats
of East Asian locales, which openpyxl does not know, are dates here as they are in such an Excel.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

BUILTIN_FORMATS: dict[int, str] = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
# Ids 27–36 and 50–58 are reserved for East Asian locales (ECMA-376 18.8.30): an Excel of such a
# locale writes only the id for these formats, with no code in styles.xml. Every one of them is a
# date or a time there; the codes are those of the Chinese (PRC) locale. openpyxl does not know them
# and reads such a cell as a plain number: a 落款日期 typed in Chinese Excel would be 46042.
BUILTIN_FORMATS.update({
    27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy", 31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"', 34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"',
    36: 'yyyy"年"m"月"', 50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: 'm"月"d"日"', 55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"', 57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
})

# Quoted literals, and bracketed parts other than elapsed hours, minutes or seconds ([Red], [$-804])
_IGNORED = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
# A date or time letter that is not escaped (\d) nor the width of a padding (_d)
_DATE_LETTER = re.compile(r"(?<![_\\])[dmhysDMHYS]")

_EPOCH_1900 = dt.datetime(1899, 12, 30)
_SECONDS_PER_DAY = 86_400


@functools.lru_cache(maxsize=1024)
def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or a time (only its first, positive section counts)."""
    first = _IGNORED.sub("", code.split(";")[0])
    return _DATE_LETTER.search(first) is not None


def from_excel(serial: int | float, epoch: dt.datetime = _EPOCH_1900) -> dt.datetime | dt.time:
    """The date (a time of day for a serial below 1) of a serial day number; the 1900 calendar
    keeps Excel's phantom 29 February 1900."""
    day, fraction = divmod(serial, 1)
    diff = dt.timedelta(milliseconds=round(fraction * _SECONDS_PER_DAY * 1000))  # this order, as openpyxl rounds
    if 0 <= serial < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return dt.time(hours, minutes, seconds, diff.microseconds)
    if 0 < serial < 60 and epoch == _EPOCH_1900:
        day += 1
    return epoch + dt.timedelta(days=day) + diff


__all__ = ["BUILTIN_FORMATS", "is_date_format", "from_excel"]
