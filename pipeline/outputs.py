"""Writing a run's outputs under the configured output folder for the year.

- 问题清单.xlsx and 问题清单.html: every finding;
- 退回修改/<code>-<name>.xlsx: for each unit with errors, its own file marked up;
- 汇总表.xlsx and 汇总报告.docx: the county totals for superiors; data.csv: the accepted values.

File names come from the roster, never from what a township typed. The inbox is only read.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from .batch import FAILED, RunResult
from .config import CountyConfig, safe_stem
from .paths import DATASET, FINDINGS_HTML, FINDINGS_XLSX, RETURNS_DIR, SUMMARY_NAME, SUMMARY_REPORT_NAME, year_folder

# The writers (openpyxl, the summary, python-docx) are imported by the tasks that use them: a run
# that submits the tasks to workers does not import them itself (`preload` does, when it may).


def preload() -> None:
    """Import what the tasks use (in a process about to fork workers that will run them)."""
    from .report import findings_html, findings_xlsx  # noqa: F401
    from .summary import write_summary  # noqa: F401
    from .workbook import annotate  # noqa: F401


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
    Returns {Chinese label: path} for the terminal summary. Everything is written in this process;
    `start_outputs` writes them in worker processes, beside other work.

    With `memo` (a `cache.OutputMemo`), a marked-up copy made from the same bytes and findings as
    last time, and still as written, is not made again."""
    from .pool import Workers

    with Workers(1, 1) as workers:
        pending = start_outputs(result, config, workers, folder=folder, previous=previous, memo=memo)
        for _ in workers.completed(pending.futures):
            pass
        return pending.finish()


@dataclass
class PendingOutputs:
    """The county outputs being written by workers. `futures` maps each task to the name shown
    while it runs (the marked-up copies are the workers' `submit_each`, their outcomes kept in
    `made`); once all are done, `finish()` returns {Chinese label: path} (or raises the first
    task's error)."""

    out: Path
    futures: dict[Future, str]
    findings: Future
    copies: dict[Path, str]  # every marked-up copy: path → digest
    summary: Future
    summary_report: Future
    datasets: Future
    memo: object = None
    # path → pool.Outcome of each copy made this run (None until it is; the others are still as written)
    made: dict = dataclasses.field(default_factory=dict)

    @property
    def tasks(self) -> int:
        """How many tasks the workers have for these outputs (for a progress bar)."""
        return len(self.futures) + len(self.made)

    def finish(self) -> dict[str, Path]:
        """Every task is looked at: what was written is recorded, then the first error (in the
        order below) is raised, or every file that could not be written (`oserrors.OSErrors`)."""
        from .oserrors import raise_first_or_together

        out = self.out
        errors = [f.exception() for f in (self.findings, self.summary, self.summary_report, self.datasets)]
        for path in self.copies:  # in roster order, whatever order the copies finished in
            if path not in self.made:
                continue  # still as written
            outcome = self.made[path]
            if outcome is None:
                raise RuntimeError(f"{path.name} was never made: Workers.completed() was not run to the end")
            errors.append(outcome.error)
            if outcome.error is None and self.memo is not None:
                self.memo.record(path, self.copies[path])
        raise_first_or_together(errors)  # every file open in Office named at once
        written = {"问题清单（Excel）": out / FINDINGS_XLSX, "问题清单（网页）": out / FINDINGS_HTML}
        if self.copies:
            written[f"退回修改的文件（{len(self.copies)} 个）"] = out / RETURNS_DIR
        written["汇总表（报上级）"] = self.summary.result()
        report, draft = self.summary_report.result()
        if report is not None:  # None: no unit passed, no report of zeros (the terminal's next steps say why)
            written["汇总报告（Word，草稿）" if draft else "汇总报告（Word）"] = report
        dataset, texts = self.datasets.result()
        written["分年数据集（明年核对上年结转用）"] = dataset
        written["各单位文字部分（明年比对年年雷同用）"] = texts
        return written


def start_outputs(
    result: RunResult,
    config: CountyConfig,
    workers,
    *,
    folder: Path | None = None,
    previous: Mapping[str, Mapping[str, Decimal]] | None = None,
    memo=None,
    checked_draft: bool | None = None,
) -> PendingOutputs:
    """Submit the writing of every county output to `workers` (a `pool.Workers`); see `write_outputs`.
    The tasks that need all of the run get it through `workers.share`: from this process's memory
    when the workers are forked now or the tasks run here (a 1,000-unit run is some 20 MiB of
    objects, which each worker would otherwise unpickle a copy of), else pickled once, without the
    bytes kept for the copies.
    `checked_draft`: the run checked the Word template already (see `write_summary_report`)."""
    out = folder if folder is not None else year_folder(config)
    # both shared before the first task starts the workers (once forked, they could only be pickled)
    run = workers.share((result if workers.in_memory else _without_sources(result), config, previous))
    # not the whole run unpickled by one more spawned worker: only what the lists show
    listed = workers.share(_findings_lists(result))
    futures: dict[Future, str] = {}

    def submit(label: str, function, *args) -> Future:
        future = workers.submit(function, *args)
        futures[future] = label
        return future

    # the longest first, each on its own worker: 汇总表 (openpyxl, pandas), 汇总报告 (the Word
    # template, pandas); then the smaller ones, and the copies
    summary = submit(SUMMARY_NAME, _summary_task, run, out / SUMMARY_NAME)
    summary_report = submit(SUMMARY_REPORT_NAME, _summary_report_task, run, out / SUMMARY_REPORT_NAME, checked_draft)
    title = f"{config.county}{result.year}年度政府信息公开工作年度报告 问题清单"
    findings = submit(FINDINGS_XLSX, _findings_task, listed, out, title)
    datasets = submit(DATASET, _datasets_task, run, out)
    returns = out / RETURNS_DIR
    copies: dict[Path, str] = {}  # every copy the run has: path → digest
    stale: list[tuple[Path, object]] = []  # (path, unit result) of the copies to make
    for unit in result.units:
        if unit.status != FAILED or unit.submission is None or unit.submission.medium != "xlsx":
            continue  # a published report is not sent back marked up: its findings are in 问题清单
        if unit.source is None:
            continue  # never a copy of bytes other than those checked
        path = returns / f"{safe_stem(unit.unit)}.xlsx"
        # the bytes' sha256 is the file's, taken when it was read
        copies[path] = _copy_digest(unit.submission.file.sha256, _own(unit), result.year, unit.unit.name) if memo is not None else ""
        if memo is None or not memo.fresh(path, copies[path]):
            stale.append((path, unit))
    pending = PendingOutputs(out, futures, findings, copies, summary, summary_report, datasets, memo)
    # the very bytes that were checked (the run keeps them on disk for units with errors): read back
    # by each task, its arguments made only as it is submitted
    tasks = ((path.name, (unit.source, _own(unit), path, result.year, unit.unit.name)) for path, unit in stale)
    made = [path for path, _ in stale]
    pending.made.update((path, None) for path in made)
    workers.submit_each(_copy_task, tasks, lambda index, outcome: pending.made.__setitem__(made[index], outcome))
    _remove_stale(returns, {p.name for p in copies}, config, memo)
    return pending


def _own(unit) -> list:
    """The findings a unit's marked-up copy shows: those of its file, and of the unit as a whole."""
    return [f for f in unit.findings if f.file in ("", unit.submission.file.name)]


def _without_sources(result: RunResult) -> RunResult:
    """The run as pickled for the output tasks: without the bytes of the files with errors (each
    copy's task is sent its own)."""
    return dataclasses.replace(result, units=[dataclasses.replace(u, source=None) for u in result.units])


# --- the tasks (run in a worker process; arguments and results pickle) -----------------------


def _summary_task(run, path: Path) -> Path:
    """`run`: (result, config, previous) as `pool.Workers.share` gave it."""
    from .pool import given
    from .summary import write_summary

    result, config, previous = given(run)
    return write_summary(result, config, path, previous=previous)


def _summary_report_task(run, path: Path, checked_draft: bool | None) -> tuple[Path | None, bool]:
    from .pool import given
    from .summary import NoAcceptedUnit, is_draft, write_summary_report

    result, config, _ = given(run)
    try:
        return write_summary_report(result, config, path, checked_draft=checked_draft), is_draft(result)
    except NoAcceptedUnit:
        return None, False


def _datasets_task(run, out: Path) -> tuple[Path, Path]:
    from .pool import given
    from .store import iter_text_records, write_dataset, write_texts

    result, config, _ = given(run)
    return write_dataset(result, config, out), write_texts(out, iter_text_records(result))


def _findings_task(listed, out: Path, title: str) -> None:
    """问题清单.xlsx and .html. `listed`: (findings, year, rules, units) as `pool.Workers.share`
    gave it (a county's findings pickled are megabytes, and pickling left a UTF-8 copy of every
    message in the run's process: forked workers read them from the memory they inherited)."""
    from .pool import given
    from .report.findings_html import write_findings_html
    from .report.findings_xlsx import write_findings_xlsx

    findings, year, rules, units = given(listed)
    write_findings_xlsx(findings, out / FINDINGS_XLSX, title=title, year=year, rules=rules)
    write_findings_html(findings, out / FINDINGS_HTML, title=title, units=units)


def _findings_lists(result: RunResult) -> tuple:
    """(findings, year, rules, units) of 问题清单: what its two files show."""
    units = [(u.unit.code, u.unit.name, u.status) for u in result.units]
    return result.findings, result.year, result.form.rules + result.form.text_rules, units


def _copy_task(data, findings, path: Path, year: int, unit: str) -> None:
    from .spill import bytes_of
    from .workbook.annotate import annotate_copy

    data = bytes_of(data)  # `spill.HeldBytes` when run in this process
    annotate_copy(data, findings, path, year=year, unit=unit)


def _copy_digest(sha256: str, findings, year: int, name: str) -> str:
    from .cache import digest_of, tool_digest

    return digest_of(tool_digest(), sha256, findings, year, name)


def _remove_stale(folder: Path, keep: set[str], config: CountyConfig, memo=None) -> None:
    """A unit that now passes must not find last run's marked-up copy still waiting for it; nor
    (with the run's `memo`) must a copy an earlier run wrote under a name the roster no longer
    gives (a unit renamed or removed), unless somebody changed it since."""
    from .files import remove_unmade

    remove_unmade(folder, {f"{safe_stem(u)}.xlsx" for u in config.units}, keep, memo)
