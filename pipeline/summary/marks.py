"""The hidden marker sheet of the summary: the county as a unit of the level above, and whom its
totals cover.

The coverage marks let the level above see, without trusting a sentence, that a county's totals
leave units out: `coverage_units` rostered units, `coverage_accepted` of them in the totals,
`coverage_uncovered` naming the others ("07 杏花镇（未报送）；…"), and the same two counts at the
bottom level (乡镇 and 部门) for a summary of summaries.
"""

from __future__ import annotations

from ..batch import MISSING, PASSED, RunResult, UnitResult
from ..config import CountyConfig
from ..forms.spec import Form
from ..workbook import layout
from ..workbook.cells import write_cell
from ..coverage import SUMMARY_MARK, Coverage, coverage_from_marks
from .totals import summary_unit_code


def coverage_of(result: RunResult) -> Coverage:
    """Whom the run's totals cover; a unit that is itself a summary counts with its own bottom level."""
    uncovered = tuple(f"{u.unit.code} {u.unit.name}（{_reason(u)}）" for u in result.units if u.status != PASSED)
    bottom_units = bottom_accepted = 0
    for unit in result.units:
        below = coverage_from_marks(unit.submission.marks) if unit.submission is not None else None
        if below is None:
            bottom_units += 1
            bottom_accepted += unit.status == PASSED
        else:
            bottom_units += below.bottom_units
            bottom_accepted += below.bottom_accepted if unit.status == PASSED else 0
    return Coverage(len(result.units), len(result.passed()), uncovered, bottom_units, bottom_accepted)


def _reason(unit: UnitResult) -> str:
    return "未报送" if unit.status == MISSING else unit.status


def _meta_sheet(ws, form: Form, year: int, config: CountyConfig, coverage: Coverage) -> None:
    values = {
        "product": layout.PRODUCT,
        "format": form.id,
        "year": str(year),
        "unit_code": summary_unit_code(config),
        "unit_name": config.county,
        "template_version": layout.TEMPLATE_VERSION,
    }
    rows = [(key, values[key]) for key in layout.META_KEYS] + [SUMMARY_MARK] + coverage.as_marks()
    for i, (key, value) in enumerate(rows, start=1):
        write_cell(ws, i, 1, key)
        write_cell(ws, i, 2, value)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
