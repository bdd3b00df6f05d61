"""问题清单.html: the findings grouped by unit, readable in any browser, no external assets.

The page is rendered from templates/findings.html with autoescaping on: a finding quotes what a clerk
typed, which may hold "<" or "&". The output holds no timestamp, so the same findings give the same
bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import jinja2

from ..files import write_atomic
from ..findings import Finding, FindingCounts, count
from ..forms.spec import ERROR, NOTICE, WARNING
from .display import DisplayRow, display_rows
from .findings_order import ordered

TEMPLATE = "findings.html"
UNIDENTIFIED = "未识别单位"

# CSS class of each status of the terminal summary (pipeline.batch.STATUSES); others are neutral.
STATUS_CLASSES = {
    "通过": "ok",
    "有错误": "error",
    "未报送": "missing",
    "无法读取": "error",
    "重复": "warning",
    UNIDENTIFIED: "warning",
}
SEVERITY_CLASSES = {ERROR: "error", WARNING: "warning", NOTICE: "notice"}


@dataclass
class UnitSection(FindingCounts):
    anchor: str
    code: str
    name: str
    status: str
    findings: list[Finding] = field(default_factory=list)


    @property
    def rows(self) -> list[DisplayRow]:
        """The findings as the page shows them (a run of one kind in one sheet is one row)."""
        return display_rows(self.findings)

    @property
    def status_class(self) -> str:
        return STATUS_CLASSES.get(self.status, "neutral")


def write_findings_html(
    findings: Iterable[Finding],
    path: Path,
    *,
    title: str,
    units: Sequence[tuple[str, str, str]] | None = None,
) -> bool:
    """Write 问题清单.html atomically. `units` lists (code, name, status) of every roster unit in the
    order to show them; without it the units are taken from the findings. Returns False when the
    file was unchanged."""
    return write_atomic(Path(path), render_findings_html(findings, title=title, units=units).encode("utf-8"))


def render_findings_html(
    findings: Iterable[Finding], *, title: str, units: Sequence[tuple[str, str, str]] | None = None
) -> str:
    findings = ordered(findings)
    sections = group_by_unit(findings, units)
    template = _environment().get_template(TEMPLATE)
    return template.render(
        title=title,
        sections=sections,
        totals={
            "units": len(sections),
            "errors": count(findings, ERROR),
            "warnings": count(findings, WARNING),
            "notices": count(findings, NOTICE),
        },
        severity_class=SEVERITY_CLASSES,
        location=location,
        row_column=row_column,
    )


def group_by_unit(findings: list[Finding], units: Sequence[tuple[str, str, str]] | None) -> list[UnitSection]:
    """One section per unit: the roster's units in the order given, then any unit only the findings
    name (unknown codes, files no unit was found for). Findings keep their order (errors first)."""
    sections: dict[tuple[str, str], UnitSection] = {}
    by_code: dict[str, UnitSection] = {}
    for code, name, status in units or ():
        section = UnitSection("", code, name, status)
        sections[(code, name)] = section
        by_code[code] = section
    extra: dict[tuple[str, str], UnitSection] = {}
    for finding in findings:
        section = by_code.get(finding.unit_code) if finding.unit_code else None
        if section is None:
            key = (finding.unit_code, finding.unit)
            section = extra.get(key)
            if section is None:
                status = UNIDENTIFIED if not finding.unit_code else ""
                section = extra[key] = UnitSection("", finding.unit_code, finding.unit, status)
        section.findings.append(finding)
    result = list(sections.values()) + sorted(extra.values(), key=lambda s: (s.code == "", s.code, s.name))
    for number, section in enumerate(result, start=1):
        section.anchor = f"unit-{number}"
        if not section.status:
            section.status = "有错误" if section.errors else "通过"
    return result


def location(finding: Finding | DisplayRow) -> str:
    """文件 工作表!单元格, leaving out what the finding does not have."""
    place = f"{finding.sheet}!{finding.cell}" if finding.sheet and finding.cell else finding.sheet or finding.cell
    return " ".join(part for part in (finding.file, place) if part)


def row_column(finding: Finding | DisplayRow) -> str:
    return " / ".join(part for part in (finding.row, finding.column) if part)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


__all__ = ["write_findings_html", "render_findings_html", "group_by_unit"]
