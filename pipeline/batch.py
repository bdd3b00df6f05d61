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
from .findings import Finding, FindingCounts, sort_key
from .forms import Form, form_for_year
from .forms.spec import ERROR, NOTICE, WARNING, normalize_label
from .inbox import InboxFiles, inbox_files, scan_inbox
from .peers import add_peer_findings
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
    # the bytes of the file as read, kept only for a unit with errors (its marked-up return copy);
    # a run keeps them on disk (`spill.HeldBytes`): `source_bytes()` gives them
    source: object = field(default=None, repr=False)

    def source_bytes(self) -> bytes | None:
        from .spill import bytes_of

        return bytes_of(self.source)


@dataclass
class RunResult:
    year: int
    form: Form
    units: list[UnitResult]
    unmatched: list[Submission]  # files no roster unit could be found for
    findings: list[Finding]  # all findings, sorted (errors first)
    crashes: dict[str, str] = field(default_factory=dict)  # {file name: traceback} of files whose reading raised
    file_keys: dict[str, str] = field(default_factory=dict)  # {str(file path): cache key} when run with a cache

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
    previous_texts: Mapping[str, Mapping[str, str]] | None = None,  # last year's texts by unit code
    jobs: int | None = 1,
    mp_context=None,
    cache: Path | None = None,
    warmup=None,
) -> RunResult:
    """Read and check every file of the inbox against the roster.

    The per-file stage runs in `jobs` worker processes (None: one per core; 1: in this process).
    With `cache` (a folder), files examined by an earlier run with the same bytes, roster, year, last
    year's data and tool are not examined again (see `pipeline.cache`). `warmup` (a `warmup.Warmup`)
    runs here while worker processes read (see `perfile.examine_all`). The units' numbers, texts and
    the bytes of files with errors are kept in a temporary file while the result lives (see
    `pipeline.spill`): the result's submissions read them back when asked."""
    from .cache import FileCache
    from .perfile import FileJob, examine_all
    from .spill import Spill

    form = form_for_year(config.year)
    paths = discover(config.inbox) if paths is None else inbox_files(paths, config.inbox)
    job = FileJob(Roster.of(config), config.year, form, dict(previous_by_unit or {}), previous_by_unit is not None,
                  {code: dict(texts) for code, texts in (previous_texts or {}).items()})
    files = FileCache(cache, job_digest(job)) if cache is not None else None
    try:
        outcomes = examine_all(paths, job, jobs=jobs, progress=progress, mp_context=mp_context, cache=files,
                               warmup=warmup, spill=Spill())
    except BaseException:
        if files is not None:
            files.close(compact=False)  # a run that stops keeps what was examined, and all earlier results
        raise
    if files is not None:
        files.close()
    result = assemble(config, form, outcomes, paths.findings, cache=cache)
    if files is not None:
        result.file_keys = {str(o.submission.file.path): files.key(o.submission.file.name, o.submission.file.sha256) for o in outcomes}
    return result


def job_digest(job) -> str:
    """What every file's result depends on besides its bytes and name."""
    from .cache import digest_by_unit, digest_of, tool_digest

    return digest_of(tool_digest(), job.year, job.form.id, job.roster.units, digest_by_unit(job.previous_by_unit),
                     job.history, digest_by_unit(job.previous_texts))


def assemble(config: CountyConfig, form: Form, outcomes: list, inbox_findings: list[Finding] = (), *,
             cache: Path | None = None) -> RunResult:
    """The run's result from the per-file outcomes (in inbox order): files matched to the roster,
    duplicates and missing units found, units compared with their peers, findings stamped with the
    unit and sorted. `inbox_findings`: what scanning the inbox found (unreadable folders, broken links).
    With `cache` (a folder), the comparison with peers is remembered by what it compares."""
    by_unit: dict[str, list] = {u.code: [] for u in config.units}
    unmatched: list[Submission] = []
    for outcome in outcomes:
        if outcome.unit_code is None:
            unmatched.append(outcome.submission)
        else:
            by_unit[outcome.unit_code].append(outcome)
    results = [_unit_result(unit, by_unit[unit.code]) for unit in config.units]
    loose = [f for s in unmatched for f in s.findings] + list(inbox_findings)
    findings = sorted([f for r in results for f in r.findings] + loose, key=sort_key)
    crashes = {o.submission.file.name: o.crash for o in outcomes if o.crash}
    result = RunResult(config.year, form, results, unmatched, findings, crashes)
    add_peer_findings(result, cache=cache)  # P1: units far from their peers of the same kind (pipeline/peers.py)
    return result


@dataclass(frozen=True)
class Roster:
    """The roster indexed once: unit by code, and every name, full name and alias normalised."""

    units: tuple[Unit, ...]
    by_code: Mapping[str, Unit]
    names: tuple[tuple[str, Unit], ...]  # (normalised name, unit), longest names first
    rank: Mapping[str, int] = field(default_factory=dict)  # normalised name → its first place in `names`

    @classmethod
    def of(cls, config: CountyConfig) -> "Roster":
        names = []
        for unit in config.units:
            for name in dict.fromkeys((unit.name, unit.full_name, *unit.aliases)):
                name = normalize_label(name)
                if name:
                    names.append((name, unit))
        names.sort(key=lambda item: -len(item[0]))  # stable: roster order among equal lengths
        rank: dict[str, int] = {}
        for place, (name, _) in enumerate(names):
            rank.setdefault(name, place)
        return cls(tuple(config.units), {u.code: u for u in config.units}, tuple(names), rank)

    def match_name(self, text: str) -> Unit | None:
        """A roster unit whose name, full name or alias is the text, or occurs in it (the longest;
        the first in the roster among equals)."""
        found = self._names_in(normalize_label(text))
        return self._unit_named(min(found, key=self.rank.__getitem__)) if found else None

    def _unit_named(self, name: str) -> Unit:
        return self.names[self.rank[name]][1]

    def _names_in(self, normalized: str) -> set[str]:
        """The roster's names that occur in `normalized`, looked up by each run of its characters:
        a file's time does not grow with the roster (40,000 files of a roster as long: not 10^9 tests)."""
        longest = len(self.names[0][0]) if self.names else 0
        return {normalized[i:j] for i in range(len(normalized))
                for j in range(i + 1, min(len(normalized), i + longest) + 1) if normalized[i:j] in self.rank}

    def other_unit_named(self, text: str, unit: Unit) -> Unit | None:
        """The roster unit `text` names when that is not `unit`: another unit's name, full name or
        alias occurs in it, longer than any run of characters it shares with one of `unit`'s own.
        So "东河口" (东河口乡's, short) does not name 河口镇 by its alias "河口", "青塘镇（龙潭乡代交）"
        is 青塘镇's, and "公安局交警大队" names 交警大队 even on 公安局's template."""
        normalized = normalize_label(text)
        if not normalized:
            return None
        others = [name for name in self._names_in(normalized) if self._unit_named(name) != unit]
        if not others:
            return None
        name = min(others, key=self.rank.__getitem__)  # the longest, the first in the roster among equals
        own_names = (normalize_label(n) for n in (unit.name, unit.full_name, *unit.aliases))
        own = max((_shared_run(normalized, own) for own in own_names if own), default=0)
        return self._unit_named(name) if len(name) > own else None


def _shared_run(text: str, name: str) -> int:
    """The length of the longest run of characters `text` and `name` have in common."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, text, name, autojunk=False).find_longest_match(0, len(text), 0, len(name)).size


def identify(submission: Submission, config: "CountyConfig | Roster") -> Unit | None:
    """The roster unit a file belongs to: by the template's unit code, else by name (with a warning)."""
    roster = config if isinstance(config, Roster) else Roster.of(config)
    name = submission.file.name
    if submission.unit_code in roster.by_code:
        unit = roster.by_code[submission.unit_code]
        _check_named_unit(submission, roster, unit)
        return unit
    if not submission.readable:
        # an unreadable file may still name its unit in the file name: report it under that unit
        return roster.match_name(Path(name).stem)
    candidates = [str(submission.info.get("info.unit_name") or ""), submission.unit_name, Path(name).stem]
    for text in candidates:
        unit = roster.match_name(text)
        if unit is not None:
            how = "基本信息中的单位名称" if text and text == candidates[0] else "文件名"
            if submission.unit_code:  # a template's code, of no unit of this roster
                said = f"（{submission.unit_name}）" if submission.unit_name and submission.unit_name != text else ""
                without = f"的单位代码 {submission.unit_code}{said}不在名册中"
                todo = "请确认这确实是该单位的报告：名册中单位的代码若已改动，请用县里新下发的本单位模板重新填写"
            else:
                without, todo = "没有县里模板的单位代码", "请使用县里下发的本单位模板"
            submission.note(WARNING, "unit-by-name", f"{name} {without}，已按{how}“{text}”识别为 {unit.code} {unit.name}。{todo}。")
            return unit
    shown = submission.unit_code or candidates[0] or "（未填写）"
    submission.note(
        ERROR, "unknown-unit",
        f"{name} 无法确定是哪个单位报送的（单位代码或名称：{shown}），名册中没有对应单位。请确认报送单位后，用该单位的模板重新报送，或在 county.toml 的名册中补充别名。",
    )
    return None


def _check_named_unit(submission: Submission, roster: Roster, unit: Unit) -> None:
    """A file whose template is `unit`'s (by its code) but whose unit name in 基本信息, or whose
    file name, names another unit of the roster: one unit may have filled in another's template.
    An error, so that neither unit's report is made from it before a person has looked."""
    name = submission.file.name
    said = [(str(submission.info.get("info.unit_name") or ""), "基本信息中的单位名称", "info.unit_name"),
            (Path(name).stem, "文件名", "")]
    for text, where, key in said:
        other = roster.other_unit_named(text, unit)
        if other is None:
            continue
        fix = "把文件改名" if not key else "改正基本信息中的单位名称"
        submission.note(
            ERROR, "unit-mismatch",
            f"{name} 用的是 {unit.code} {unit.name} 的模板（单位代码 {unit.code}），但{where}“{text}”是名册中的另一个单位 "
            f"{other.code} {other.name}。在核实之前，本文件按有错误处理：不计入汇总，也不生成正式报告。请核实：如果这是{unit.name}的报告，"
            f"请{fix}后重新运行；如果是{other.name}的报告，请{other.name}用县里下发给本单位的模板重新填写后报送。",
            key, expected=f"{unit.code} {unit.name}", actual=f"{other.code} {other.name}",
        )
        return


def _unit_result(unit: Unit, outcomes: list) -> UnitResult:
    """The unit's status from its files, already read and (when single and readable) checked."""
    if not outcomes:
        finding = Finding(
            unit_code=unit.code, unit=unit.name, file="", sheet="", cell="", row="", column="",
            rule="missing", severity=ERROR,
            message=f"{unit.code} {unit.name} 未报送年度报告文件。请催报，收到后放入收件箱重新运行。",
        )
        return UnitResult(unit, MISSING, None, [], [finding])
    files = [o.submission for o in outcomes]
    if len(files) > 1:
        for outcome in outcomes:  # a duplicate is not checked: only what reading found stays with it
            del outcome.submission.findings[outcome.read_findings:]
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
    outcome = outcomes[0]
    submission = outcome.submission
    findings = [_stamped(f, unit) for f in submission.findings]
    if not submission.readable:
        return UnitResult(unit, UNREADABLE, None, files, findings)
    status = FAILED if any(f.severity == ERROR for f in findings) else PASSED
    return UnitResult(unit, status, submission, files, findings, source=outcome.data if status == FAILED else None)


def _stamped(finding: Finding, unit: Unit) -> Finding:
    """`finding` with the unit's code and roster name (the very object when it has them already:
    the file's findings are then not held twice)."""
    if finding.unit_code == unit.code and finding.unit == unit.name:
        return finding
    return dataclasses.replace(finding, unit_code=unit.code, unit=unit.name)


def check_unit_file(submission: Submission, unit: Unit, year: int, form: Form, previous, *, history: bool,
                    previous_texts: Mapping[str, str] | None = None) -> None:
    """The checks of a unit's single readable file (findings are added to the submission)."""
    _check_year_and_format(submission, year, form)
    check_submission(submission, unit.kind, previous, previous_texts=previous_texts, year=year)
    if history and previous is None:
        submission.note(NOTICE, "previous-missing", f"{unit.code} {unit.name} 在上年数据中没有记录，未核对上年结转。")


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


def check_files(
    paths: Iterable[Path], *, unit_kind: str | None = None, progress: Progress | None = None, jobs: int | None = 1,
    mp_context=None,
) -> list[Submission]:
    """Check single workbooks without a county config (a township clerk before sending)."""
    from .perfile import CheckJob, examine_all

    outcomes = examine_all([Path(p) for p in paths], CheckJob(unit_kind), jobs=jobs, progress=progress, mp_context=mp_context)
    return [o.submission for o in outcomes]
