"""The reader's own number-format table, date test and serial dates give what openpyxl 3.1.5 gives,
and reading and checking a workbook imports no openpyxl."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl.styles import numbers as openpyxl_numbers
from openpyxl.utils import get_column_letter
from openpyxl.utils import datetime as openpyxl_datetime

from pipeline.forms import form_for_year
from pipeline.workbook.columns import column_letter
from pipeline.workbook.dates import BUILTIN_FORMATS, from_excel, is_date_format

from helpers import write_county_toml, write_report

CUSTOM_FORMATS = [
    "General", "@", "0", "0.00", "[Red]0.00", "[Blue]#,##0", '"yyyy"0', '"年"0', '0"天"', '0" days"',
    "[h]:mm:ss", "[hh]:mm", "[mm]:ss", "[s]", "[ss].00", "0.00E+00", "##0.0E+0", "#,##0;[Red]-#,##0",
    "#,##0;[Red]-#,##0;\"-\"", '0;"d-m-y"', '"d";0', 'd;0', '0;d', "\\d0", "\\y0.00", "_d0", "_)0",
    "yyyy-mm-dd", "yyyy\"年\"m\"月\"d\"日\"", "[$-804]yyyy\"年\"m\"月\"", "[$-F800]dddd, mmmm dd, yyyy",
    "[DBNum1][$-804]yyyy\"年\"m\"月\"d\"日\"", "[$¥-804]#,##0.00", "[$€-2] #,##0.00", "m/d/yy h:mm",
    "h:mm AM/PM", "mm:ss.0", "Y", "S", "#,##0.00_);[Red](#,##0.00)", '"Month: "0', '"a""b"0',
    '"unterminated d', "[Red", "[Red]", "[>100]0;0", "[<=9999999]###-####;(###) ###-####",
    "0.00%", "# ?/?", "\\\\d", "General;General;General;@", "", ";", ";;;", "0;;d",
]


@pytest.mark.parametrize("code", sorted(set(openpyxl_numbers.BUILTIN_FORMATS.values())) + CUSTOM_FORMATS)
def test_is_date_format_as_openpyxl(code):
    assert is_date_format(code) == openpyxl_numbers.is_date_format(code)


def test_builtin_formats_as_openpyxl_and_the_east_asian_ones_as_dates():
    """openpyxl's built-in formats, and the ids East Asian locales reserve (all dates or times there),
    which openpyxl does not know: Chinese Excel saves 'yyyy"年"m"月"d"日"' as id 31 alone."""
    east_asian = set(range(27, 37)) | set(range(50, 59))
    assert {i: BUILTIN_FORMATS[i] for i in openpyxl_numbers.BUILTIN_FORMATS} == openpyxl_numbers.BUILTIN_FORMATS
    assert set(BUILTIN_FORMATS) - set(openpyxl_numbers.BUILTIN_FORMATS) == east_asian
    assert all(is_date_format(BUILTIN_FORMATS[i]) for i in east_asian)
    assert BUILTIN_FORMATS[31] == 'yyyy"年"m"月"d"日"'


SERIALS = [0, 0.25, 0.5, 0.999999, 0.9999999999, 1, 1.5, 59, 59.99, 60, 60.5, 61, 365, 1462, 45291, 45291.123456789,
           45291.999999999, 2_958_465, 2_958_465.99999]


@pytest.mark.parametrize("epoch", [dt.datetime(1899, 12, 30), dt.datetime(1904, 1, 1)])
def test_from_excel_as_openpyxl(epoch):
    for serial in SERIALS:
        mine, theirs = _outcome(from_excel, serial, epoch), _outcome(openpyxl_datetime.from_excel, serial, epoch)
        assert (type(mine), mine) == (type(theirs), theirs), serial


def _outcome(convert, serial, epoch):
    """The date, or the type of the exception raised (beyond 9999-12-31)."""
    try:
        return convert(serial, epoch)
    except OverflowError as exc:
        return type(exc)


def test_column_letter_as_openpyxl():
    assert all(column_letter(i) == get_column_letter(i) for i in range(1, 18_279))
    for index in (0, -1, 18_279):
        with pytest.raises(ValueError):
            column_letter(index)


READ_AND_CHECK = """
import sys
from pathlib import Path
from pipeline.batch import Roster
from pipeline.config import load_config
from pipeline.forms import form_for_year
from pipeline.perfile import CheckJob, FileJob, examine_path

config = load_config(Path(sys.argv[1]))
job = FileJob(Roster.of(config), config.year, form_for_year(config.year), {}, False, {})
for path in sorted(config.inbox.glob("*.xlsx")):
    for each in (job, CheckJob()):
        outcome = examine_path(path, each)
        assert outcome.submission.readable and not outcome.crash, outcome.crash
        assert outcome.submission.findings, path
print(sorted(name for name in sys.modules if name.split(".")[0] == "openpyxl"))
"""


def test_reading_and_checking_import_no_openpyxl(tmp_path):
    config = write_county_toml(tmp_path, 2025)
    form = form_for_year(2025)
    inbox = tmp_path / "收件箱"
    write_report(inbox / "03-青塘镇.xlsx", form, changes={form.input_cells[0].key: "6件"})
    write_report(inbox / "03-青塘镇-日期.xlsx", form, changes={form.input_cells[1].key: dt.datetime(2025, 3, 1)})
    done = subprocess.run([sys.executable, "-c", READ_AND_CHECK, str(config)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
