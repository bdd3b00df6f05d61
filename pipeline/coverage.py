"""Whom a summary's totals cover, as its hidden marks state it.

A county's 汇总表 says in its hidden marker sheet how many rostered units it covers and which are
missing or failed, so that the level above (a city reading county summaries) can warn about a
partial county and count coverage at the bottom level (乡镇 and 部门). Written by
`pipeline.summary.marks`, read here from `Submission.marks`.
"""

from __future__ import annotations

from dataclasses import dataclass

# An extra row of the hidden marks: this workbook is a summary (its totals are numbers by design).
SUMMARY_MARK = ("source", "summary")
COVERAGE_KEYS = ("coverage_units", "coverage_accepted", "coverage_uncovered", "coverage_bottom_units", "coverage_bottom_accepted")
UNCOVERED_SEPARATOR = "；"


@dataclass(frozen=True)
class Coverage:
    units: int  # rostered units
    accepted: int  # of them in the totals
    uncovered: tuple[str, ...]  # "07 杏花镇（未报送）" for each of the others
    bottom_units: int  # units at the bottom level (乡镇 and 部门) under the roster, as far as known
    bottom_accepted: int  # of them in the totals

    @property
    def complete(self) -> bool:
        return self.accepted == self.units and self.bottom_accepted == self.bottom_units

    def as_marks(self) -> list[tuple[str, str]]:
        values = (self.units, self.accepted, UNCOVERED_SEPARATOR.join(self.uncovered), self.bottom_units, self.bottom_accepted)
        return [(key, str(value)) for key, value in zip(COVERAGE_KEYS, values)]


def coverage_from_marks(marks: dict[str, str]) -> Coverage | None:
    """The coverage a summary states in its hidden marks; None for a unit's own report (or an older
    summary without coverage marks)."""
    if marks.get(SUMMARY_MARK[0]) != SUMMARY_MARK[1] or not all(marks.get(k, "").isdigit() for k in COVERAGE_KEYS if k != "coverage_uncovered"):
        return None
    uncovered = tuple(part for part in marks.get("coverage_uncovered", "").split(UNCOVERED_SEPARATOR) if part)
    return Coverage(int(marks["coverage_units"]), int(marks["coverage_accepted"]), uncovered,
                    int(marks["coverage_bottom_units"]), int(marks["coverage_bottom_accepted"]))


