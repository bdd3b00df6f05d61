"""Writing a run's outputs under the configured output folder for the year.

- 问题清单.xlsx and 问题清单.html: every finding;
- 退回修改/<code>-<name>.xlsx: for each unit with errors, its own file marked up;
- 汇总表.xlsx and 汇总报告.docx: the county totals for superiors; data.csv: the accepted values.

File names come from the roster, never from what a township typed. The inbox is only read.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Mapping

from .batch import FAILED, RunResult
from .config import CountyConfig, safe_stem
from .report.findings_html import write_findings_html
from .report.findings_xlsx import write_findings_xlsx
from .store import text_records, write_dataset, write_texts
from .summary import SUMMARY_NAME, SUMMARY_REPORT_NAME, NoAcceptedUnit, is_draft, write_summary, write_summary_report
from .workbook.annotate import annotate_copy

from .paths import FINDINGS_HTML, FINDINGS_XLSX, RETURNS_DIR, year_folder  # noqa: F401 (re-exported)

def write_outputs(
    result: RunResult,
    config: CountyConfig,
    *,
    folder: Path | None = None,
    previous: Mapping[str, Mapping[str, Decimal]] | None = None,
    memo=None,
) -> dict[str, Path]:
    """Write the run's outputs (into `folder`, by default the output folder of the year): the
    问题清单, the marked-up copies, the per-year dataset, the summary workbook (with the
    year-over-year sheet when last year's values are given) and the summary Word report.
    Returns {Chinese label: path} for the terminal summary.

    With `memo` (a `cache.OutputMemo`), a marked-up copy made from the same bytes and findings as
    last time, and still as written, is not made again."""
    out = folder if folder is not None else year_folder(config)
    title = f"{config.county}{result.year}年度政府信息公开工作年度报告 问题清单"
    write_findings_xlsx(result.findings, out / FINDINGS_XLSX, title=title, year=result.year, rules=result.form.rules + result.form.text_rules)
    units = [(u.unit.code, u.unit.name, u.status) for u in result.units]
    write_findings_html(result.findings, out / FINDINGS_HTML, title=title, units=units)
    returns = out / RETURNS_DIR
    expected = set()
    for unit in result.units:
        if unit.status != FAILED or unit.submission is None or unit.submission.medium != "xlsx":
            continue  # a published report is not sent back marked up: its findings are in 问题清单
        path = returns / f"{safe_stem(unit.unit)}.xlsx"
        data = unit.source  # the very bytes that were checked (the run keeps them for units with errors)
        if data is None:
            continue  # never a copy of bytes other than those checked
        own = [f for f in unit.findings if f.file in ("", unit.submission.file.name)]
        digest = _copy_digest(data, own, result.year, unit.unit.name) if memo is not None else ""
        if memo is None or not memo.fresh(path, digest):
            annotate_copy(data, own, path, year=result.year, unit=unit.unit.name)
            if memo is not None:
                memo.record(path, digest)
        expected.add(path.name)
    _remove_stale(returns, expected, config)
    written = {"问题清单（Excel）": out / FINDINGS_XLSX, "问题清单（网页）": out / FINDINGS_HTML}
    if expected:
        written[f"退回修改的文件（{len(expected)} 个）"] = returns
    written["汇总表（报上级）"] = write_summary(result, config, out / SUMMARY_NAME, previous=previous)
    try:
        report = write_summary_report(result, config, out / SUMMARY_REPORT_NAME)
        written["汇总报告（Word，草稿）" if is_draft(result) else "汇总报告（Word）"] = report
    except NoAcceptedUnit:
        pass  # no report of zeros; the terminal's next steps say why
    written["分年数据集（明年核对上年结转用）"] = write_dataset(result, config, out)
    written["各单位文字部分（明年比对年年雷同用）"] = write_texts(out, text_records(result))
    return written


def _copy_digest(data: bytes, findings, year: int, name: str) -> str:
    import hashlib

    from .cache import digest_of, tool_digest

    return digest_of(tool_digest(), hashlib.sha256(data).hexdigest(), findings, year, name)


def _remove_stale(folder: Path, keep: set[str], config: CountyConfig) -> None:
    """A unit that now passes must not find last run's marked-up copy still waiting for it."""
    if not folder.is_dir():
        return
    ours = {f"{safe_stem(u)}.xlsx" for u in config.units}
    for path in folder.iterdir():
        if path.name in ours and path.name not in keep:
            path.unlink()
