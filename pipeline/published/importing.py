"""`nianbao import`: last years' published reports into the history the next run reads.

Each file is read (any medium), matched to a roster unit by its code in the file name, else by the
names its title and signature give (a unit's name, full name or alias; when they point to different
units, or to none, the file is listed as unmatched, never guessed), and checked with the form's
rules. Per report year the values go to `<history>/<year>/data.csv` (the dataset schema, plus the
`flags` and `source` columns: a value that failed a rule is imported all the same, flagged), the
narrative to `texts.csv`, and every finding to `导入问题清单.xlsx`.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..batch import Roster, discover
from ..checks import check_submission
from ..config import CountyConfig, Unit
from ..findings import Finding, sort_key
from ..forms.spec import ERROR, WARNING, evaluate
from ..reading import read_path
from ..report.findings_xlsx import write_findings_xlsx
from ..store import DATASET, TextRecord, ValueRecord, _row_label, is_imported, write_imported, write_texts
from ..workbook.reader import Submission

FINDINGS_NAME = "导入问题清单.xlsx"


class ImportRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ImportResult:
    imported: dict[int, list[tuple[Unit, Submission]]] = field(default_factory=dict)  # year → reports
    unmatched: list[Submission] = field(default_factory=list)  # no roster unit, no year, or unreadable
    duplicates: list[Submission] = field(default_factory=list)  # several files for one unit and year
    findings: dict[int, list[Finding]] = field(default_factory=dict)  # year → findings of its reports
    written: dict[str, Path] = field(default_factory=dict)


def expand(paths: Iterable[Path]) -> list[Path]:
    files = []
    for path in paths:
        path = Path(path)
        files += discover(path) if path.is_dir() else [path]
    return files


def import_reports(config: CountyConfig, paths: Iterable[Path], progress: Callable[[str], None] | None = None) -> ImportResult:
    if config.history is None:
        raise ImportRefused("county.toml 中没有 history（往年数据文件夹），导入的数据无处保存。请先在 county.toml 中写明 history。")
    result = ImportResult()
    by_key: dict[tuple[int, str], list[Submission]] = defaultdict(list)
    units: dict[str, Unit] = {}
    for path in expand(paths):
        submission = read_path(path)
        if progress:
            progress(path.name)
        unit = identify_report(submission, config)
        if unit is None or submission.form is None or submission.year is None:
            if submission.form is not None and unit is None:
                submission.note(ERROR, "unknown-unit", _unmatched_message(submission))
            result.unmatched.append(submission)
            continue
        units[unit.code] = unit
        by_key[(submission.year, unit.code)].append(submission)
    for (year, code), files in sorted(by_key.items()):
        unit = units[code]
        findings = result.findings.setdefault(year, [])
        if len(files) > 1:
            names = "、".join(s.file.name for s in files)
            for s in files:
                findings.append(_stamp(Finding(code, unit.name, s.file.name, "", "", "", "", "duplicate", ERROR,
                                               f"{unit.code} {unit.name} 的{year}年度报告有 {len(files)} 个文件：{names}。都未导入；请只保留一个后重新导入。"), unit))
            result.duplicates += files
            continue
        submission = files[0]
        check_submission(submission, unit.kind, None)
        findings += [_stamp(f, unit) for f in submission.findings]
        result.imported.setdefault(year, []).append((unit, submission))
    for submission in result.unmatched:
        if submission.year is not None:
            result.findings.setdefault(submission.year, []).extend(submission.findings)
    _write(config, result)
    return result


def identify_report(submission: Submission, config: CountyConfig) -> Unit | None:
    """The roster unit of a report: by code in the file name ("03-青塘镇.docx"), else by the names in
    its title and signature, which must agree."""
    stem = Path(submission.file.name).stem
    for unit in config.units:
        if re.match(rf"^{re.escape(unit.code)}(?:[-_ ]|$)", stem):
            return unit
    if submission.unit_code:
        return next((u for u in config.units if u.code == submission.unit_code), None)
    roster = Roster.of(config)
    names = [str(submission.info.get("info.unit_name") or ""), submission.unit_name]
    found = {u.code: u for u in (roster.match_name(n) for n in names if n) if u is not None}
    if len(found) == 1:
        return next(iter(found.values()))
    if not found:
        return roster.match_name(stem)
    return None


def _unmatched_message(submission: Submission) -> str:
    said = "、".join(dict.fromkeys(n for n in (submission.unit_name, str(submission.info.get("info.unit_name") or "")) if n)) or "（无）"
    return (f"{submission.file.name} 无法确定是名册中的哪个单位（标题和落款中的单位：{said}），未导入。"
            "请在 county.toml 中为该单位补充别名，或把文件名改为“单位代码-单位名称”后重新导入。")


def _stamp(finding: Finding, unit: Unit) -> Finding:
    return dataclasses.replace(finding, unit_code=unit.code, unit=unit.name)


def _write(config: CountyConfig, result: ImportResult) -> None:
    years = sorted(set(result.imported) | set(result.findings))
    for year in years:
        folder = config.history / str(year)
        dataset = folder / DATASET
        if dataset.is_file() and not is_imported(dataset):
            raise ImportRefused(
                f"{dataset} 是 nianbao run 生成的 {year} 年度数据，导入不会覆盖它。"
                f"如确要用已发布的报告代替，请先把该文件移走后重新导入。"
            )
    for year in years:
        folder = config.history / str(year)
        reports = sorted(result.imported.get(year, []), key=lambda r: r[0].code)
        if reports:
            result.written[f"{year}年度数据"] = write_imported(folder, [r for unit, s in reports for r in value_records(unit, s, year)])
            result.written[f"{year}年度文字"] = write_texts(folder, [r for unit, s in reports for r in text_records(unit, s, year)])
        form = reports[0][1].form if reports else None
        rules = list(form.rules if form else ())  # D1–D3 are listed with the finding types
        title = f"{config.county}{year}年度已发布的政府信息公开工作年度报告 导入问题清单"
        path = folder / FINDINGS_NAME
        write_findings_xlsx(sorted(result.findings.get(year, []), key=sort_key), path, title=title, year=year, rules=rules)
        result.written[f"{year}年度导入问题清单"] = path


def value_records(unit: Unit, submission: Submission, year: int) -> list[ValueRecord]:
    form = submission.form
    flags = _flags(unit, submission)
    records = []
    for cell in form.cells:
        if cell.key not in submission.values:
            continue
        source = submission.provenance.get(cell.key)
        records.append(ValueRecord(
            unit.code, unit.name, year, form.id, cell.key, form.section(form.table(cell.table).section).heading,
            _row_label(cell), cell.col_label, submission.values[cell.key], " ".join(flags.get(cell.key, ())),
            "｜".join((source.file, source.table, source.row, source.column)) if source else submission.file.name,
        ))
    return records


def _flags(unit: Unit, submission: Submission) -> dict[str, list[str]]:
    """value key → the rules it failed and the reading findings at its place (errors and warnings)."""
    flags: dict[str, list[str]] = defaultdict(list)
    for rule in submission.form.rules_for(unit.kind, cross_year=False):
        outcome = evaluate(rule, submission.values)
        if outcome is not None and not outcome.passed and rule.severity == ERROR:
            for key in rule.left.keys + rule.right.keys:
                if rule.id not in flags[key]:
                    flags[key].append(rule.id)
    at = {(str(p.sheet), p.coordinate): k for k, p in submission.places.items() if submission.form.has_cell(k)}
    for finding in submission.findings:
        key = at.get((finding.sheet, finding.cell))
        if key and finding.severity in (ERROR, WARNING) and finding.rule not in flags[key]:
            flags[key].append(finding.rule)
    return flags


def text_records(unit: Unit, submission: Submission, year: int) -> list[TextRecord]:
    return [TextRecord(unit.code, unit.name, year, submission.form.id, t.key, t.title, submission.texts[t.key])
            for t in submission.form.texts if submission.texts.get(t.key)]
