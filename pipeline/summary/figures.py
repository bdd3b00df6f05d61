"""The headline figures of the summary (同比 and the charts): which cells they add up, and their value
in a year's data even when that year's totals are absent."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable, Mapping

from ..batch import RunResult
from ..forms import UnknownYear, form_for_year
from ..forms.spec import Form


def headline_figures(form: Form) -> list[tuple[str, tuple[str, ...]]]:
    """(name, cell keys summed) of the figures compared with last year."""
    refused = tuple(c.key for c in form.table("t3").cells if c.key.startswith("t3.refused_") and c.key.endswith(".total"))
    figures = [
        ("本年新收", ("t3.received.total",)),
        ("予以公开", ("t3.disclosed.total",)),
        ("部分公开", ("t3.partial.total",)),
        ("不予公开", refused),
        ("行政复议总计", ("t4.review.total",)),
        ("行政诉讼总计", ("t4.suit_direct.total", "t4.suit_after_review.total")),
    ]
    if form.has_cell("t2.fees.amount"):
        figures.append(("收费金额（万元）", ("t2.fees.amount",)))
    return figures


def figure_value(values: Mapping[str, Decimal] | None, keys: Iterable[str], form: Form) -> Decimal | None:
    """The sum of `keys` in `values`; a total that is absent is computed from its parts with `form`.
    None when a part is unknown (or the cell does not exist in that year's format)."""
    if values is None:
        return None
    total = Decimal(0)
    for key in keys:
        value = _value_of(values, key, form)
        if value is None:
            return None
        total += value
    return total


def _value_of(values: Mapping[str, Decimal], key: str, form: Form) -> Decimal | None:
    if values.get(key) is not None:
        return Decimal(values[key])
    if not form.has_cell(key) or not form.cell(key).is_total:
        return None
    parts = [_value_of(values, part, form) for part in form.cell(key).sum_of]
    return None if any(p is None for p in parts) else sum(parts, Decimal(0))


def last_year_form(result: RunResult) -> Form:
    """The format of last year's values (2020 data follow the 2019 format when 2021 is summarised);
    before 2019 there was no national format, and this year's stands in."""
    try:
        return form_for_year(result.year - 1)
    except UnknownYear:
        return result.form


def outcome_groups(form: Form) -> list[tuple[str, tuple[str, ...]]]:
    """（一）予以公开 … （六）其他处理 with the 总计-column keys of their rows, for the outcome chart."""
    table = form.table("t3")
    rows = [c for c in table.cells if c.col_label == "总计" and c.row_label and c.key != "t3.total.total"]
    outcome_keys = set(form.cell("t3.total.natural").sum_of)
    groups: dict[str, list[str]] = {}
    for cell in rows:
        if cell.key.rsplit(".", 1)[0] + ".natural" not in outcome_keys:
            continue  # 本年新收, 上年结转, 结转下年度
        name = _short_label(cell.group or cell.row_label)
        groups.setdefault(name, []).append(cell.key)
    return [(name, tuple(keys)) for name, keys in groups.items()]


def _short_label(label: str) -> str:
    """"（二）部分公开（区分处理的，…）" → "（二）部分公开"."""
    return re.sub(r"（[^（）]*）$", "", label) or label


