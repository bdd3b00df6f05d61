"""The county's run: discover the inbox, read and check every file, match files to the roster.

Data flows one way: files → submissions → findings → outputs. This module produces a `RunResult`;
writing the outputs is done by `pipeline.outputs`, printing by the CLI.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Mapping

from .checks import check_submission
from .config import CountyConfig, Unit
from .findings import Finding, FindingCounts, count, sort_key
from .forms import Form, form_for_year
from .forms.spec import ERROR, NOTICE, WARNING, normalize_label
from .inbox import LOCK_PREFIXES, InboxFiles, inbox_files, scan_inbox
from .peers import add_peer_findings  # issue 11
from .reading import read_path
from .workbook.reader import Submission

PASSED = "通过"
FAILED = "有错误"
MISSING = "未报送"
UNREADABLE = "无法读取"
DUPLICATE = "重复"
STATUSES = (PASSED, FAILED, MISSING, UNREADABLE, DUPLICATE)

Progress = Callable[[str], None]


@dataclass
class UnitResult(FindingCounts):
    unit: Unit
    status: str
    submission: Submission | None = None  # the file used (None when missing, duplicated or unreadable)
    files: list[Submission] = field(default_factory=list)  # every file of this unit
    findings: list[Finding] = field(default_factory=list)



@dataclass
class RunResult:
    year: int
    form: Form
    units: list[UnitResult]
    unmatched: list[Submission]  # files no roster unit could be found for
    findings: list[Finding]  # all findings, sorted (errors first)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)

    def unit(self, code: str) -> UnitResult:
        return next(u for u in self.units if u.unit.code == code)

    def passed(self) -> list[UnitResult]:
        return [u for u in self.units if u.status == PASSED]


def discover(inbox: Path) -> InboxFiles:
    """Every file in the inbox (and its sub-folders), except Office lock files and hidden files; the
    result also names ambiguous files by their folder and holds a finding for each folder or link that
    could not be followed (see `pipeline.inbox`)."""
    return scan_inbox(Path(inbox))


def run_batch(
    config: CountyConfig,
    *,
    previous_by_unit: Mapping[str, Mapping[str, Decimal]] | None = None,
    progress: Progress | None = None,
    paths: Iterable[Path] | None = None,
    previous_texts: Mapping[str, Mapping[str, str]] | None = None,  # issue 11: last year's texts by unit code
) -> RunResult:
    """Read and check every file of the inbox against the roster."""
    form = form_for_year(config.year)
    paths = discover(config.inbox) if paths is None else inbox_files(paths, config.inbox)
    submissions = []
    for path in paths:
        submissions.append(read_path(path, paths.label(path)))
        if progress:
            progress(paths.label(path) or path.name)
    by_unit: dict[str, list[Submission]] = {u.code: [] for u in config.units}
    unmatched: list[Submission] = []
    for submission in submissions:
        unit = identify(submission, config)
        if unit is None:
            unmatched.append(submission)
        else:
            by_unit[unit.code].append(submission)
    results = []
    for unit in config.units:
        previous = (previous_by_unit or {}).get(unit.code)
        results.append(_unit_result(unit, by_unit[unit.code], config, form, previous, history=previous_by_unit is not None,
                                    previous_texts=(previous_texts or {}).get(unit.code)))  # issue 11
    loose = [f for s in unmatched for f in s.findings] + paths.findings
    findings = sorted([f for r in results for f in r.findings] + loose, key=sort_key)
    result = RunResult(config.year, form, results, unmatched, findings)
    add_peer_findings(result)  # issue 11: P1 notices against peers of the same kind (pipeline/peers.py)
    return result


def identify(submission: Submission, config: CountyConfig) -> Unit | None:
    """The roster unit a file belongs to: by the template's unit code, else by name (with a warning)."""
    name = submission.file.name
    codes = {u.code: u for u in config.units}
    if submission.unit_code in codes:
        return codes[submission.unit_code]
    if not submission.readable:
        # an unreadable file may still name its unit in the file name: report it under that unit
        return _match_name(Path(name).stem, config.units)
    candidates = [str(submission.info.get("info.unit_name") or ""), submission.unit_name, Path(name).stem]
    for text in candidates:
        unit = _match_name(text, config.units)
        if unit is not None:
            how = "基本信息中的单位名称" if text and text == candidates[0] else "文件名"
            submission.note(
                WARNING, "unit-by-name",
                f"{name} 没有县里模板的单位代码，已按{how}“{text}”识别为 {unit.code} {unit.name}。请使用县里下发的本单位模板。",
            )
            return unit
    shown = submission.unit_code or candidates[0] or "（未填写）"
    submission.note(
        ERROR, "unknown-unit",
        f"{name} 无法确定是哪个单位报送的（单位代码或名称：{shown}），名册中没有对应单位。请确认报送单位后，用该单位的模板重新报送，或在 county.toml 的名册中补充别名。",
    )
    return None


def _match_name(text: str, units: Iterable[Unit]) -> Unit | None:
    """A roster unit whose name, full name or alias is the text, or occurs in it (longest wins)."""
    text = normalize_label(text)
    if not text:
        return None
    best, best_len = None, 0
    for unit in units:
        for name in (unit.name, unit.full_name, *unit.aliases):
            name = normalize_label(name)
            if name and (name == text or name in text) and len(name) > best_len:
                best, best_len = unit, len(name)
    return best


def _unit_result(
    unit: Unit, files: list[Submission], config: CountyConfig, form: Form, previous, *, history: bool = False,
    previous_texts: Mapping[str, str] | None = None,
) -> UnitResult:
    """`history`: last year's data was given, so a unit missing from it is worth a notice."""
    stamp = lambda s: [dataclasses.replace(f, unit_code=unit.code, unit=unit.name) for f in s.findings]
    if not files:
        finding = Finding(
            unit_code=unit.code, unit=unit.name, file="", sheet="", cell="", row="", column="",
            rule="missing", severity=ERROR,
            message=f"{unit.code} {unit.name} 未报送年度报告文件。请催报，收到后放入收件箱重新运行。",
        )
        return UnitResult(unit, MISSING, None, [], [finding])
    if len(files) > 1:
        listing = "；".join(
            f"{s.file.name}（{s.file.size} 字节，{_modified(s.file.modified)}，SHA-256 {s.file.sha256[:12]}…）"
            for s in files
        )
        same = len({s.file.sha256 for s in files}) == 1
        note = "这几个文件内容完全相同，" if same else ""
        findings = []
        for s in files:
            findings.append(
                Finding(
                    unit_code=unit.code, unit=unit.name, file=s.file.name, sheet="", cell="", row="", column="",
                    rule="duplicate", severity=ERROR,
                    message=f"{unit.code} {unit.name} 报送了 {len(files)} 个文件：{listing}。{note}在删除多余的文件之前，这些文件都不会被采用。请保留最终版本，把其余文件移出收件箱后重新运行。",
                )
            )
        return UnitResult(unit, DUPLICATE, None, files, findings)
    submission = files[0]
    if not submission.readable:
        return UnitResult(unit, UNREADABLE, None, files, stamp(submission))
    _check_year_and_format(submission, config.year, form)
    check_submission(submission, unit.kind, previous, previous_texts=previous_texts)  # issue 11: previous_texts
    if history and previous is None:
        submission.note(NOTICE, "previous-missing", f"{unit.code} {unit.name} 在上年数据中没有记录，未核对上年结转。")
    findings = stamp(submission)
    status = FAILED if any(f.severity == ERROR for f in findings) else PASSED
    return UnitResult(unit, status, submission, files, findings)


def _modified(when) -> str:
    return f"修改于 {when:%Y-%m-%d %H:%M}" if when is not None else "修改时间无法识别"


def _check_year_and_format(submission: Submission, year: int, form: Form) -> None:
    name = submission.file.name
    if submission.form is not form:
        said = f"{submission.year}年度的" if submission.year else ""
        submission.note(
            ERROR, "wrong-format",
            f"{name} 使用的是{said}旧版模板（{submission.form.document}《{submission.form.name}》），"
            f"{year}年度应使用{form.document}《{form.name}》。请用县里下发的{year}年度模板重新填写。",
            expected=form.document, actual=submission.form.document,
        )
    elif submission.year is not None and submission.year != year:
        submission.note(
            ERROR, "wrong-year",
            f"{name} 是{submission.year}年度的模板，本次收集的是{year}年度报告。请用县里下发的{year}年度模板重新填写。",
            expected=str(year), actual=str(submission.year),
        )


def check_files(paths: Iterable[Path], *, unit_kind: str | None = None, progress: Progress | None = None) -> list[Submission]:
    """Check single workbooks without a county config (a township clerk before sending)."""
    submissions = []
    for path in paths:
        submission = read_path(Path(path))
        check_submission(submission, unit_kind)
        submission.findings.sort(key=sort_key)
        submissions.append(submission)
        if progress:
            progress(Path(path).name)
    return submissions
