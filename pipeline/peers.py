"""Checks against the peers in the county's run (rule P1 of the form spec).

After every unit is checked, each main figure of a unit that passed is compared with the median of
the other passed units of the same kind (乡镇 with 乡镇, 部门 with 部门): 0 where the peers' median
exceeds `median`, or above `factor` times the median (at least `factor` × `floor`), is a notice.
Medians are exact (Decimal); pandas groups the long-form values by kind and key.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from .findings import Finding, fmt_number, sort_key
from .forms.spec import TextRule


def peer_keys(form) -> list[str]:
    """The cells the peer rules compare, sorted."""
    return sorted({key for rule in form.text_rules_for("peers") for key in rule.cells})


def peer_rows(result) -> list[tuple[str, str, str, Decimal]]:
    """The long-form values the peer check reads: one row per passed unit and cell of a peer rule
    (unit_code, kind, key, value as Decimal)."""
    keys = peer_keys(result.form)
    return [
        (u.unit.code, u.unit.kind, key, Decimal(u.submission.values[key]))
        for u in result.passed()
        for key in keys
        if key in u.submission.values
    ]


def peer_values(result):
    """`peer_rows` as a pandas DataFrame (columns unit_code, kind, key, value)."""
    import pandas as pd

    return pd.DataFrame(peer_rows(result), columns=["unit_code", "kind", "key", "value"])


def peer_findings(result) -> list[Finding]:
    """P1 notices for the run, sorted; stamped with each unit's code and name."""
    rules = result.form.text_rules_for("peers")
    if not rules:
        return []
    frame = peer_values(result)
    by_code = {u.unit.code: u for u in result.units}
    findings: list[Finding] = []
    for rule in rules:
        for (kind, key), group in frame[frame["key"].isin(rule.cells)].groupby(["kind", "key"], sort=True):
            values = dict(zip(group["unit_code"], group["value"]))
            medians = medians_of_others(list(values.values()))
            for (code, value), median in sorted(zip(values.items(), medians)):
                finding = _compare(result, rule, kind, key, by_code[code], value, median, len(values) - 1)
                if finding is not None:
                    findings.append(finding)
    return sorted(findings, key=sort_key)


def medians_of_others(values: list[Decimal]) -> list[Decimal | None]:
    """For each value, `statistics.median` of all the other values (None when there is no other),
    the very same number, from one sort: the others of a value are the sorted values less its own
    entry (sorting is stable), so their middle is found by index (a county of n units: n log n, not
    the n² log n of a median per unit)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ordered = [values[i] for i in order]
    count = len(values) - 1  # how many others each value has
    medians: list[Decimal | None] = [None] * len(values)
    if count < 1:
        return medians
    half = count // 2
    for position, index in enumerate(order):
        # the i-th of this value's sorted others is ordered[i], or ordered[i + 1] from its own place on
        upper = ordered[half + (half >= position)]
        if count % 2:
            medians[index] = upper
        else:
            medians[index] = (ordered[half - 1 + (half - 1 >= position)] + upper) / 2
    return medians


def _compare(result, rule: TextRule, kind: str, key: str, unit, value: Decimal, median: Decimal | None,
             others: int) -> Finding | None:
    if others < rule.limit("min_peers") or median is None:
        return None
    factor, floor = rule.limit("factor"), rule.limit("floor")
    if value == 0 and median > rule.limit("median"):
        how = f"本单位为0，而同类单位的中位数为 {fmt_number(median)}"
    elif value > factor * max(median, floor):
        how = f"是同类单位中位数 {fmt_number(median)} 的 {fmt_number((value / median).quantize(Decimal('0.1')))} 倍" if median else "而同类单位的中位数为0"
    else:
        return None
    submission = unit.submission
    cell = result.form.cell(key)
    place = submission.places.get(key)
    row = f"{cell.group} {cell.row_label}".strip() if cell.table == "t3" else (cell.row_label or cell.group)
    return Finding(
        unit_code=unit.unit.code, unit=unit.unit.name, file=submission.file.name,
        sheet=place.sheet if place else "", cell=place.coordinate if place else "", row=row, column=cell.col_label,
        rule=rule.id, severity=rule.severity,
        message=(
            f"{submission.where(key)} {cell.label}为 {fmt_number(value)}，{how}（本县{kind}共 {others + 1} 个通过校验）。"
            f"请核对是否填错；确属实际情况的，可不修改。"
        ),
        expected=fmt_number(median), actual=fmt_number(value),
    )


def add_peer_findings(result, *, cache: Path | None = None) -> None:
    """Add the peer notices to the run: to each unit's findings and to the run's sorted list.

    With `cache` (the run's cache folder), the notices are remembered by everything they are made
    of (the values compared, and the units, files and cells they name), so that a re-run with the
    same values neither compares again nor loads pandas."""
    if cache is None or not result.form.text_rules_for("peers"):
        extra = peer_findings(result)
    else:
        extra = _remembered_peer_findings(result, Path(cache))
    by_code = {u.unit.code: u for u in result.units}
    for finding in extra:
        by_code[finding.unit_code].findings.append(finding)
    if extra:
        result.findings[:] = sorted(result.findings + extra, key=sort_key)


def _remembered_peer_findings(result, cache: Path) -> list[Finding]:
    from .cache import digest_of, digest_of_each, load_entry, store_entry, tool_digest

    # what a notice names: the unit, its file and the places of the compared cells (not every cell's:
    # a thousand units' places are megabytes), a unit at a time
    keys = peer_keys(result.form)
    named = ((u.unit, u.submission.file.name, [(k, u.submission.places.get(k)) for k in keys]) for u in result.passed())
    entry = cache / PEERS / digest_of(tool_digest(), result.form.id, digest_of_each(peer_rows(result)), digest_of_each(named))
    found = load_entry(entry)
    if isinstance(found, list) and all(isinstance(f, Finding) for f in found):
        return found
    findings = peer_findings(result)
    if entry.parent.is_dir():
        for old in entry.parent.iterdir():  # one entry: the last comparison
            if old.name != entry.name and not old.name.startswith("."):
                try:
                    old.unlink()
                except OSError:
                    pass  # a cache that cannot be tidied only costs space
    store_entry(entry, findings)
    return findings


PEERS = "peers"  # the cache's sub-folder

__all__ = ["peer_findings", "add_peer_findings", "peer_values", "peer_rows", "peer_keys"]
