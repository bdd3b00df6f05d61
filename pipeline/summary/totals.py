"""What the summary adds up and whom it covers: the county totals, the county's code as a unit of the
level above, and the coverage of the roster."""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from ..batch import DUPLICATE, MISSING, PASSED, UNREADABLE, RunResult, UnitResult
from ..config import CountyConfig
from ..forms.spec import Form

PARTIAL = "部分"  # 报送情况 of a county whose summary leaves some of its units out


def summary_unit_code(config: CountyConfig) -> str:
    """The county's code as a unit of the level above: `code` of county.toml, else the county name."""
    return config.code or config.county


def county_totals(result: RunResult) -> dict[str, Decimal]:
    """Every cell of the form summed over the units that passed; totals from their parts."""
    form = result.form
    totals = {cell.key: Decimal(0) for cell in form.input_cells}
    for unit in result.passed():  # a unit at a time: a run's units are read back from disk (pipeline/spill.py)
        if unit.submission is None:
            continue
        values = unit.submission.values
        for key in totals:
            value = values.get(key)
            if value is not None:
                totals[key] += Decimal(value)
    return with_totals(form, totals)


def with_totals(form: Form, values: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """`values` of the input cells plus every total computed from its parts."""
    return form.with_totals(values)


def coverage_sentence(result: RunResult) -> str:
    """名册共 18 个单位，17 个报送了文件，11 个通过校验并计入本表；未报送：杏花镇；未通过：白沙镇、…。"""
    units = result.units
    sent = [u for u in units if u.status != MISSING]
    text = f"名册共 {len(units)} 个单位，{len(sent)} 个报送了文件，{len(result.passed())} 个通过校验并计入本表"
    missing = [u.unit.name for u in units if u.status == MISSING]
    reasons = {UNREADABLE: "（无法读取）", DUPLICATE: "（重复报送）"}
    failed = [u.unit.name + reasons.get(u.status, "") for u in units if u.status not in (PASSED, MISSING)]
    if missing:
        text += "；未报送：" + "、".join(missing)
    if failed:
        text += "；未通过：" + "、".join(failed)
    if result.unmatched:
        text += f"；另有 {len(result.unmatched)} 个文件无法确定报送单位，未计入"
    partial = [u.unit.name for u in units if shown_status(u) == PARTIAL]
    if partial:
        text += "；部分汇总：" + "、".join(partial)
    if any(u.submission is not None and u.submission.is_summary for u in units):
        from .marks import coverage_of

        coverage = coverage_of(result)
        text += f"；覆盖乡镇和部门 {coverage.bottom_accepted}/{coverage.bottom_units}"
    return text + "。"


def shown_status(unit: UnitResult) -> str:
    """The status 报送情况 shows: 部分 for a county whose summary passed but leaves units out."""
    if unit.status == PASSED and any(f.rule == "partial-summary" for f in unit.findings):
        return PARTIAL
    return unit.status
