"""A county's run as one library function: what `nianbao run` does, without printing.

`run_county` checks the Word template (before the long part), loads last year's dataset, discovers
the inbox, reads and checks every file (in worker processes), then writes the county outputs and
renders the units' reports side by side (in worker processes too; PDF when asked). The CLI parses
the arguments, calls it and prints the outcome; a test calls exactly the same function.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager

from .batch import RunResult
from .config import CountyConfig
from .findings import Finding, sort_key
from .forms.spec import WARNING
from .paths import CACHE_DIR, CRASH_DIR, year_folder

# progress(label, total) → a context manager yielding advance(item name); the CLI's progress bar
Progress = Callable[[str, int], ContextManager[Callable[[str], None]]]


class RunError(Exception):
    """The run cannot start or go on (bad Word template, no LibreOffice for --pdf, unreadable history);
    `message` is Chinese text for the clerk."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RunOptions:
    draft: bool = False  # units with errors get a report too, marked 草稿（未通过校验）
    pdf: bool = False  # a PDF of every report (LibreOffice)
    jobs: int | None = None  # worker processes (None: one per core; 1: in this process)
    cache: bool = True  # reuse earlier results kept in <output>/<year>/.cache/


@dataclass
class RunOutcome:
    result: RunResult
    outputs: dict[str, Path]  # {Chinese label: path} for the terminal summary
    reports: dict[str, Path]  # {unit code: .docx}
    notices: list[str] = field(default_factory=list)  # Chinese lines to show (e.g. last year's data missing)
    problems: list[str] = field(default_factory=list)  # reports that could not be written, in Chinese
    crashes: dict[str, Path] = field(default_factory=dict)  # {file name: saved traceback}

    @property
    def failed(self) -> bool:
        return self.result.has_errors or bool(self.problems)


@contextlib.contextmanager
def no_progress(label: str, total: int):
    yield lambda item: None


def run_county(config: CountyConfig, options: RunOptions = RunOptions(), progress: Progress = no_progress) -> RunOutcome:
    """Everything `nianbao run` does for one county and year. Raises RunError before reading when
    the run cannot be done; a bad file is never an exception but findings for its unit."""
    from .batch import discover, run_batch
    from .forms import form_for_year
    from .office import OfficeUnavailable, find_soffice
    from .store import StoreError, load_previous, load_previous_texts, previous_missing_message
    from .word.shipped import is_checked_shipped
    from .word.tags import TEMPLATES_DIR, template_path

    if config.inbox.exists() and not config.inbox.is_dir():
        raise RunError(
            f"county.toml 中的收件文件夹 inbox 指向的 {config.inbox} 是一个文件，不是文件夹。"
            "请把 inbox 改为存放各单位交回的工作簿的文件夹。"
        )
    if not config.inbox.is_dir():
        raise RunError(f"收件文件夹 {config.inbox} 不存在。请建立该文件夹并放入各单位交回的工作簿，或修改 county.toml 中的 inbox。")
    # a county's edited Word template is checked before the long part of the run
    templates = config.templates or TEMPLATES_DIR
    form = form_for_year(config.year)
    folder = year_folder(config)
    cache = folder / CACHE_DIR if options.cache else None
    template = template_path(form, templates)
    # input_templates/ as shipped was checked when it was made, with and without the draft mark
    shipped = is_checked_shipped(template, form.id)
    problems, remember_check = ([], lambda: None) if shipped else template_problems(template, form, options.draft, cache)
    if problems:
        raise RunError("Word 报告模板有问题，未处理任何文件：\n" + "\n".join(problems))
    if options.pdf and find_soffice() is None:
        raise RunError("未找到 LibreOffice（soffice），无法生成 PDF。请安装 LibreOffice，或不加 --pdf。")
    try:
        previous = load_previous(config)  # last year's dataset, for the cross-year rules (X1, X2)
        previous_texts = load_previous_texts(config)  # last year's texts, for 年年雷同 (X5)
    except StoreError as exc:
        raise RunError(exc.message) from None
    notices = []
    if previous is None and config.history is not None:
        notices.append(previous_missing_message(config, "本次未核对上年结转等跨年度数据"))

    from .cache import OutputMemo

    remember_check()  # only now: a run stopped before reading writes nothing at all
    paths = discover(config.inbox)
    with progress("读取并校验", len(paths)) as advance:
        result = run_batch(config, paths=paths, progress=advance, previous_by_unit=previous,
                           previous_texts=previous_texts, jobs=options.jobs, cache=cache,
                           warmup=output_warmup(template))
    crashes = save_crashes(result, folder)
    note_changed_files(result)
    memo = OutputMemo(cache, folder) if cache is not None else None
    digest = outputs = None
    if memo is not None:
        digest = county_digest(result, config, previous, template)
        outputs = _fresh_county_outputs(memo, digest, folder)  # None: to be written
    try:
        # the template was checked before reading (RunError otherwise): with the draft mark when asked
        outputs, reports, report_problems = _write_outputs_and_reports(
            result, config, options, templates, previous, memo, digest, outputs, progress,
            checked_draft=options.draft or shipped)
    except OfficeUnavailable as exc:
        raise RunError(str(exc)) from None
    finally:
        if memo is not None:
            memo.save()
    from .files import remove_stale_temporaries

    remove_stale_temporaries(folder)  # what a run killed while writing an output left beside it
    if crashes:
        outputs[f"程序错误记录（{len(crashes)} 个）"] = year_folder(config) / CRASH_DIR
    if reports:
        outputs[f"Word 年度报告（{len(reports)} 份）"] = next(iter(reports.values())).parent
    return RunOutcome(result, outputs, reports, notices, report_problems, crashes)


def output_warmup(template: Path):
    """What the comparison with peers, the county outputs and the reports need, prepared in this
    process while the workers read (see `pipeline.warmup`): the workers forked for the outputs
    share it."""
    from .warmup import Warmup

    def compile_template():
        from .word.compiled import compiled_template

        compiled_template(template)

    def writers():
        from .outputs import preload

        preload()  # openpyxl, the summary, the findings lists, the marked-up copies

    return Warmup([
        lambda: __import__("pandas"),  # P1 (pipeline/peers.py) here, the indicator sheets there
        writers,
        compile_template,
    ])


def _write_outputs_and_reports(result, config, options, templates, previous, memo, digest, outputs, progress, *,
                               checked_draft: bool):
    """The county outputs (unless `outputs` are those still as written from `digest`) and the units'
    reports, written side by side by the same workers (`checked_draft`: see `outputs.start_outputs`).
    Returns (outputs, reports, problems):
    `problems` names the reports that lacked data (ReportDataError)."""
    from .pool import Workers
    from .word.render import ReportDataError, start_reports

    pending_reports = start_reports(result, config, templates, draft=options.draft, pdf=options.pdf,
                                    memo=memo, checked=True)
    county_tasks = 0 if outputs is not None else len(result.units) + 4  # at most: the copies and 4 outputs
    with Workers(options.jobs, len(pending_reports.tasks) + county_tasks) as workers:
        pending_reports.share(workers)  # before any task starts the workers
        pending_outputs = None
        if outputs is None:
            from .outputs import start_outputs

            pending_outputs = start_outputs(result, config, workers, previous=previous, memo=memo,
                                            checked_draft=checked_draft)
        pending_reports.submit(workers)
        labels = pending_outputs.futures if pending_outputs else {}
        fresh = [p.name for p in pending_reports.written.values()]
        total = (pending_outputs.tasks if pending_outputs else 0) + len(pending_reports.tasks) + len(fresh)
        with progress("写出问题清单、退回修改的文件、汇总表和 Word 报告", total) as advance:
            for name in fresh:
                advance(name)  # reports still as last written
            for name in workers.completed(labels):
                advance(name)
        error = None
        if pending_outputs is not None:
            try:
                outputs = pending_outputs.finish()
                if memo is not None:
                    _record_county_outputs(memo, digest, year_folder(config), outputs, pending_outputs.copies)
            except Exception as exc:  # raised once the reports are finished and recorded too
                error = exc
        try:
            reports, problems = pending_reports.finish(), []
        except ReportDataError as exc:
            reports, problems = exc.written, exc.problems
        except OSError as exc:  # with the county outputs' own: every file to close named at once
            from .oserrors import raise_first_or_together

            raise_first_or_together([error, exc])  # a bug among them: that one
        if error is not None:
            raise error
        return outputs, reports, problems


def template_problems(template: Path, form, draft: bool, cache: Path | None):
    """check_word_template, remembered in the cache by the template's content (it costs ~0.3 s).
    Returns the problems and a function that stores a passed check (called once the run goes on)."""
    from .cache import digest_of, file_bytes_digest, load_entry, store_entry, tool_digest

    def check_word_template(*args, **kwargs):  # python-docx is loaded only when the check is not remembered
        from .word.template import check_word_template

        return check_word_template(*args, **kwargs)

    if cache is None or not template.is_file():
        return check_word_template(template, form, draft=draft), lambda: None
    key = digest_of(tool_digest(), file_bytes_digest(template), form.id, draft)
    entry = cache / "templates" / key
    found = load_entry(entry)
    if isinstance(found, list) and not found:
        return found, lambda: None
    problems = check_word_template(template, form, draft=draft)
    return problems, (lambda: None) if problems else (lambda: store_entry(entry, problems))


COUNTY_OUTPUTS = "::county"  # the memo's entry for the county outputs: (digest, {label: relative path}, [copies])


def county_digest(result: RunResult, config: CountyConfig, previous, template: Path) -> str:
    """Everything the county outputs (问题清单, copies, 汇总表, 汇总报告, datasets) are made of."""
    from .cache import digest_by_unit, digest_of, digest_of_each, file_bytes_digest, tool_digest

    # the long parts item by item (their whole repr is megabytes at a thousand units)
    units = ((u.unit, u.status, [(s.file.name, result.file_keys.get(str(s.file.path), s.file.sha256)) for s in u.files]) for u in result.units)
    unmatched = [(s.file.name, result.file_keys.get(str(s.file.path), s.file.sha256)) for s in result.unmatched]
    return digest_of(
        tool_digest(), dataclasses.asdict(config), digest_by_unit(previous), previous is None,
        file_bytes_digest(template), digest_of_each(units), unmatched, digest_of_each(result.findings),
    )


def _fresh_county_outputs(memo, digest: str, folder: Path) -> dict[str, Path] | None:
    """The county outputs as last written, when made from `digest` and all still as written: each
    file, and each marked-up copy in the 退回修改 folder (deleted or edited: all are made again)."""
    entry = memo.entries.get(COUNTY_OUTPUTS)
    if entry is None or len(entry) != 3 or entry[0] != digest:
        return None
    _, labelled, copies = entry
    outputs = {label: folder / relative for label, relative in labelled.items()}
    for path in outputs.values():
        if path.is_dir():
            continue
        if not memo.fresh(path, digest):
            return None
    if not all(memo.intact(folder / relative) for relative in copies):
        return None
    return outputs


def _record_county_outputs(memo, digest: str, folder: Path, outputs: dict[str, Path], copies) -> None:
    """What `_fresh_county_outputs` looks at: the outputs' paths by label and every copy's path
    (each copy is recorded with its own digest when made)."""
    for path in outputs.values():
        if Path(path).is_file():
            memo.record(path, digest)
    memo.entries[COUNTY_OUTPUTS] = (
        digest,
        {label: str(Path(p).relative_to(folder)) for label, p in outputs.items()},
        sorted(str(Path(p).relative_to(folder)) for p in copies),
    )


def save_crashes(result: RunResult, folder: Path) -> dict[str, Path]:
    """The traceback of every file whose reading raised, saved as <output>/<year>/程序错误记录/<file>.txt."""
    from .files import write_atomic

    saved = {}
    files = {s.file.name: s for s in _all_files(result)}
    for name, trace in result.crashes.items():
        sha = files[name].file.sha256 if name in files else ""
        path = folder / CRASH_DIR / f"{name}.txt"
        write_atomic(path, f"{name}（SHA-256 {sha}）\n\n{trace}".encode("utf-8"))
        saved[name] = path
    return saved


def note_changed_files(result: RunResult) -> None:
    """A file changed or deleted after it was read: a warning for its unit (the run used the bytes
    it read, the outputs are still written)."""
    for unit in result.units:
        added = []
        for submission in unit.files:
            if _changed(submission):
                added.append(
                    Finding(
                        unit_code=unit.unit.code, unit=unit.unit.name, file=submission.file.name, sheet="", cell="",
                        row="", column="", rule="changed-during-run", severity=WARNING,
                        message=(
                            f"{submission.file.name} 在本次运行读取之后被修改、移走或删除。本次结果按读取时的内容生成，"
                            "可能已不是最新版本。请确认收件箱中的文件已放好后重新运行。"
                        ),
                    )
                )
        if added:
            unit.findings.extend(added)
            result.findings.extend(added)
    result.findings.sort(key=sort_key)


def _changed(submission) -> bool:
    info = submission.file
    if not info.sha256:
        return False  # it could not be read in the first place
    try:
        stat = os.stat(info.path)
    except OSError:
        return True
    if stat.st_size != info.size:
        return True
    try:
        when = dt.datetime.fromtimestamp(stat.st_mtime)
    except (OverflowError, OSError, ValueError):  # a time the calendar cannot hold: FileInfo.modified is None
        when = None
    return when != info.modified


def _all_files(result: RunResult):
    for unit in result.units:
        yield from unit.files
    yield from result.unmatched
