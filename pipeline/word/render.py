"""Filling the Word template: one report per unit, ready to stamp and publish.

`report_context` turns a submission into the template's context (the texts as paragraphs, every
value as the text to print), `render_report` fills one template with docxtpl (autoescape, and
StrictUndefined so that a missing value fails instead of printing blank), and `render_reports` does
every unit of a run that passed (with `draft`, also those with errors, marked 草稿（未通过校验）).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from markupsafe import Markup, escape

from ..batch import FAILED, PASSED, RunResult, UnitResult
from ..config import CountyConfig, Unit, safe_stem
from ..files import fixed_timestamp, normalize_zip, write_atomic
from ..forms.spec import Cell, Form
from ..office import OfficeUnavailable, convert, find_soffice
from ..paths import REPORTS_DIR, year_folder
from ..pool import Indexed
from ..workbook.reader import Submission
from .tags import NAME_TITLES, TEMPLATES_DIR, TEXT_NAMES, template_path, value_tag

# （一） … （十）, also （十一） and half-width brackets: a level-2 heading of the narrative
HEADING_LINE = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]")
RUN_IN_LIMIT = 40  # characters: a longer "lead" is a sentence, not a heading
# characters XML 1.0 cannot hold (a pasted form feed, bell …); they cannot be printed either
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# what _protect changes in a text: those, what markupsafe escapes, and braces
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff&<>'\"{}]")


class ReportTemplateError(Exception):
    """The report template cannot be used; `problems` are the Chinese messages, one per tag."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class ReportDataError(Exception):
    """A report lacks data it must print (a value, the 落款日期); `problems` are Chinese messages.

    Raised by `render_reports` after every other report was written; `written` holds those."""

    def __init__(self, problems: list[str], written: Mapping[str, Path] | None = None):
        super().__init__("\n".join(problems))
        self.problems = problems
        self.written = dict(written or {})


# --- the context ------------------------------------------------------------------------------


def report_context(form: Form, year: int, unit: Unit, submission: Submission, *, draft: bool = False) -> dict:
    """The template context of one unit's report.

    Every value is the text to print. A value the reader refused is left out (rendering then fails
    with StrictUndefined) unless `draft`, where it is printed as the cell held it; the same for the
    落款日期.
    """
    context: dict[str, Any] = {
        "title": report_title(unit.full_name or unit.name, year),
        "year": year,
        "unit_name": unit.name,
        "signature_name": unit.full_name or unit.name,
        "draft": draft,
    }
    for key, name in TEXT_NAMES.items():
        context[name] = paragraphs(submission.texts.get(key, ""))
    values: dict[str, str] = {}
    # each looked up once (a run's submission reads them back from its spill when asked for)
    accepted, raw = submission.values, submission.raw
    # a total over a refused part: the reader's provisional reading is what the sheet's SUM shows
    provisional = getattr(submission, "provisional", {})
    for cell in form.cells:
        if cell.key in accepted:
            values[value_tag(cell.key)] = format_value(accepted[cell.key], cell)
        elif draft and cell.is_total and cell.key in provisional:
            values[value_tag(cell.key)] = format_value(provisional[cell.key], cell)
        elif draft:
            values[value_tag(cell.key)] = format_raw(raw.get(cell.key))
    context["v"] = values
    date = signature_date(submission.info.get("info.date"))
    if date or draft:
        context["signature_date"] = date
    return context


def report_title(full_name: str, year: int) -> str:
    """The title with the unit's full name, as the body and the signature name it, broken in a
    balanced way where it does not fit one line of 二号 ("\n" becomes a line break in Word)."""
    from .typography import balanced_title

    return balanced_title(f"{full_name}{year}年政府信息公开工作年度报告")


def paragraphs(text: str) -> list[dict]:
    """One paragraph per non-empty line, stripped of spaces (full-width too).

    A line starting with （一）…（十） is a level-2 heading (`heading`). When such a line goes on
    after its first "。" (e.g. "（一）主动公开情况。全年……"), it is a body paragraph with a run-in
    heading instead: `lead` is printed in the heading font, `rest` in the body font. `text` is always
    the whole line."""
    result = []
    for line in str(text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        item = {"text": line, "heading": False, "lead": "", "rest": line}
        if HEADING_LINE.match(line):
            end = line.find("。") + 1
            if not 0 < end < len(line):
                item.update(heading=True)
            elif end <= RUN_IN_LIMIT:
                item.update(lead=line[:end], rest=line[end:])
            # else: a long first sentence is no heading, the line is a plain paragraph
        result.append(item)
    return result


def format_value(value: Decimal, cell: Cell) -> str:
    """A number as printed: whole numbers without decimals, amounts with the digits typed (no
    trailing zeros, no exponent), negative with "-"."""
    value = Decimal(value)
    if cell.kind.is_integer or value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def format_raw(raw: object) -> str:
    """What a refused cell held, for a draft: blank stays blank."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, (dt.datetime, dt.date)):
        return raw.strftime("%Y-%m-%d")
    if isinstance(raw, float) and raw == int(raw):
        return str(int(raw))
    text = str(raw).strip()
    return "" if text.startswith("=") else text  # a formula without a result shows nothing


def signature_date(value: object) -> str:
    """落款日期 as "2020年1月13日"; a text that is no date is kept as written; missing → ""."""
    from ..dates import written_date

    if value is None:
        return ""
    date = written_date(value)
    if date is None or (isinstance(value, str) and not any(ch.isdigit() for ch in value)):
        return str(value).strip()  # no date, or one in Chinese numerals (二〇二〇年一月十三日): as written
    return f"{date.year}年{date.month}月{date.day}日"


# --- rendering --------------------------------------------------------------------------------


def render_report(template: Path, context: Mapping[str, Any], out_path: Path) -> bool:
    """Fill `template` with `context` and write `out_path` atomically (byte-identical for the same
    input). Raises jinja2's UndefinedError when the template asks for a name the context lacks.
    Returns False when the file already held these bytes."""
    return write_atomic(Path(out_path), report_bytes(template, context))


def report_bytes(template: Path, context: Mapping[str, Any]) -> bytes:
    """The report's .docx bytes, from the template prepared once per process (`compiled`)."""
    from .compiled import compiled_template

    return compiled_template(Path(template)).render(_protect(dict(context)))


def docxtpl_report_bytes(template: Path, context: Mapping[str, Any]) -> bytes:
    """The same report through plain docxtpl, one DocxTemplate per report: the reference the fast
    path is compared against, and the naive way the benchmark measures."""
    from docxtpl import DocxTemplate
    from jinja2 import Environment, StrictUndefined

    document = DocxTemplate(Path(template))
    env = Environment(autoescape=True, undefined=StrictUndefined)
    document.render(_protect(dict(context)), env)
    props = document.docx.core_properties
    if context.get("title"):
        props.title = str(context["title"]).replace("\n", "")
    if context.get("signature_name"):
        props.author = str(context["signature_name"])
    if isinstance(context.get("year"), int):
        stamp = fixed_timestamp(context["year"])
        props.created = props.modified = props.last_printed = stamp
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_zip(buffer.getvalue())


def _protect(value: Any) -> Any:
    """Text as XML that prints verbatim: escaped, and with braces as character references.

    docxtpl turns "{_{" in its output back into "{{" (its own escape for literal tags), so a
    township's "{_{" would not survive as plain text; written as &#123; it does."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return _protect_text(value)
    if isinstance(value, dict):
        # most values are texts: protected here, without a call of _protect each
        return {k: _protect_text(v) if type(v) is str else _protect(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_protect(v) for v in value]
    return value


def _protect_text(text: str) -> Markup:
    if _UNSAFE.search(text) is None:
        return Markup(text)  # nothing to drop, escape or replace (most values: digits, plain Chinese)
    text = _XML_INVALID.sub("", text)
    return Markup(str(escape(text)).replace("{", "&#123;").replace("}", "&#125;"))


def render_reports(
    result: RunResult,
    config: CountyConfig,
    templates_dir: Path = TEMPLATES_DIR,
    out_dir: Path | None = None,
    *,
    draft: bool = False,
    pdf: bool = False,
    progress: Callable[[str], None] | None = None,
    jobs: int | None = 1,
    memo=None,
    checked: bool = False,
) -> dict[str, Path]:
    """Write 报告/<code>-<name>.docx under `out_dir` (the year's output folder) for every unit that
    passed, and with `draft` also for every unit with errors whose file could be read (marked as a
    draft). Returns {unit code: path of the .docx}; with `pdf`, a .pdf is written next to each.

    The template is checked first (ReportTemplateError), unless the caller did (`checked`). A report
    lacking data is skipped and, once the others are written, reported together (ReportDataError).
    Reports of roster units that no longer qualify are removed, so an old report never outlives a
    unit's new errors.

    With `memo` (a `cache.OutputMemo`), a report whose template and context are those it was last
    written from, and which still holds the bytes written, is not rendered again. The reports are
    rendered in `jobs` processes; `start_reports` renders them beside other work.
    """
    from ..pool import Workers

    pending = start_reports(result, config, templates_dir, out_dir, draft=draft, pdf=pdf, memo=memo,
                            checked=checked, progress=progress)
    with Workers(jobs, len(pending.tasks)) as workers:
        pending.submit(workers)
        for label in workers.completed():
            if progress:
                progress(label)
        return pending.finish()


def start_reports(
    result: RunResult,
    config: CountyConfig,
    templates_dir: Path = TEMPLATES_DIR,
    out_dir: Path | None = None,
    *,
    draft: bool = False,
    pdf: bool = False,
    memo=None,
    checked: bool = False,
    progress: Callable[[str], None] | None = None,
) -> "PendingReports":
    """Choose the reports to render (see `render_reports`; `PendingReports.submit` gives them to
    workers); `progress` is called now for each report that is still fresh."""
    form = result.form
    template = template_path(form, templates_dir)
    problems = [] if checked else _check_template(template, form, draft)
    if problems:
        raise ReportTemplateError(problems)
    if pdf and find_soffice() is None:
        raise OfficeUnavailable(
            "未找到 LibreOffice（soffice），无法把报告转换为 PDF。请安装 LibreOffice 后重试，或不加 --pdf 只生成 Word 报告。"
        )
    folder = Path(out_dir if out_dir is not None else year_folder(config)) / REPORTS_DIR
    chosen = []
    for unit_result in result.units:
        is_draft = unit_result.status == FAILED
        if not (unit_result.status == PASSED or (draft and is_draft)) or unit_result.submission is None:
            continue
        if unit_result.submission.is_summary:
            continue  # a county's 汇总表 at the level above: the county publishes its own report
        chosen.append((unit_result, folder / f"{safe_stem(unit_result.unit)}.docx", is_draft))
    pending = PendingReports(result, config, folder, template, pdf, memo)
    if memo is not None:
        from ..cache import digest_of, file_bytes_digest, tool_digest

        shape = digest_of(tool_digest(), file_bytes_digest(template), pdf, result.year)
        stale = []
        for unit_result, path, is_draft in chosen:
            unit = unit_result.unit
            # the context is a function of the file's content (its cache key) and these; without a
            # key, of the context itself
            key = result.file_keys.get(str(unit_result.submission.file.path))
            made_of = key if key else report_context(form, result.year, unit, unit_result.submission, draft=is_draft)
            pending.digests[unit.code] = digest_of(shape, unit, is_draft, made_of)
            if memo.fresh(path, pending.digests[unit.code]) and (not pdf or _pdf_of(path.with_suffix(".pdf"), path)):
                pending.written[unit.code] = path
                if progress:
                    progress(path.name)
            else:
                stale.append((unit_result, path, is_draft))
        chosen = stale
    pending.tasks = chosen
    return pending


class PendingReports:
    """The reports of a run being rendered (`submit` gives them to a `pool.Workers`; they run while
    its `completed()` is iterated to the end); once all are done, `finish()` converts PDFs, removes
    stale reports and returns {unit code: path}, or raises ReportDataError naming the reports that
    could not be written."""

    def __init__(self, result: RunResult, config: CountyConfig, folder: Path, template: Path, pdf: bool, memo):
        self.result, self.config, self.folder, self.template, self.pdf, self.memo = result, config, folder, template, pdf, memo
        self.tasks: list[tuple[UnitResult, Path, bool]] = []  # (unit's result, path, draft) of each report to render
        self.digests: dict[str, str] = {}
        self.written: dict[str, Path] = {}
        self._outcomes: list = []  # pool.Outcome of each task, as it finishes
        self._arguments: Sequence | None = None  # what each task is sent for its made_of (`share`)

    def made_of(self, index: int) -> tuple:
        """The arguments of report_context for task `index`."""
        unit_result, _, is_draft = self.tasks[index]
        return self.result.form, self.result.year, unit_result.unit, unit_result.submission, is_draft

    def share(self, workers) -> None:
        """Before `workers` start (`submit` does it when not done before): forked, they find each
        report's unit and submission in their own memory (reading its numbers from the run's spill
        themselves) instead of this process reading, unpickling and pickling them again for every
        task (see `pool.Workers.share_each`)."""
        self._arguments = workers.share_each(Indexed(len(self.tasks), self.made_of))

    def submit(self, workers) -> None:
        """Give the reports to `workers` (a `pool.Workers`): rendered while `workers.completed()`
        runs, a few at a time."""
        self._outcomes = [None] * len(self.tasks)
        if self._arguments is None:
            self.share(workers)  # the items themselves once the workers run (see pool.Workers.share_each)
        tasks = ((path.name, (self.template, argument, path)) for (_, path, _), argument in zip(self.tasks, self._arguments))
        workers.submit_each(_render_task, tasks, self._outcomes.__setitem__)

    def finish(self) -> dict[str, Path]:
        """Every report is looked at (a report that could not be written, e.g. open in Word, does
        not keep the others from being recorded); then the first such error is raised."""
        form, memo, written = self.result.form, self.memo, self.written
        failures: list[str] = []
        errors: list[BaseException] = []
        for index, ((unit_result, path, _), done) in enumerate(zip(self.tasks, self._outcomes)):
            unit = unit_result.unit
            if done.error is not None:
                errors.append(done.error)
                continue
            outcome = done.result
            if outcome == _UNDEFINED:
                failures.append(_missing_data(form, unit, _context(*self.made_of(index))))
                continue
            if outcome == _TOO_LARGE:
                failures.append(
                    f"{unit.code} {unit.name} 的年度报告内容过长（某段文字超出 Word 文档能保存的长度），无法完整生成，未生成。"
                    "请检查该单位报送文件中的文字部分是否误粘贴了大量内容，删减后重新运行。"
                )
                continue
            written[unit.code] = path
            if memo is not None:
                memo.record(path, self.digests[unit.code])
            pdf_path = path.with_suffix(".pdf")
            if self.pdf and (outcome or not _pdf_of(pdf_path, path)):
                convert(path, self.folder, "pdf")
            elif not self.pdf and pdf_path.exists() and (outcome or not _pdf_of(pdf_path, path)):
                pdf_path.unlink()  # last run's PDF no longer shows this report
        written = {u.unit.code: written[u.unit.code] for u in self.result.units if u.unit.code in written}  # roster order
        failed = {path for (_, path, _), done in zip(self.tasks, self._outcomes) if done.error is not None}
        _remove_stale(self.folder, set(written.values()) | failed, self.config, memo)  # a failed one is named below
        if errors:
            from ..oserrors import raise_first_or_together

            raise_first_or_together(errors)  # every report open in Word named at once
        if failures:
            raise ReportDataError(failures, written)
        return written


def _pdf_of(pdf: Path, report: Path) -> bool:
    """The PDF exists and was made after the report was last written (a run that stopped between
    writing a report and converting it leaves a PDF older than the report)."""
    try:
        return pdf.stat().st_mtime_ns >= report.stat().st_mtime_ns
    except OSError:
        return False


def _check_template(template: Path, form: Form, draft: bool) -> list[str]:
    from .template import check_word_template  # python-docx: loaded only when a template is checked

    return check_word_template(template, form, draft=draft)


_UNDEFINED, _TOO_LARGE = "undefined", "too-large"


def _context(form: Form, year: int, unit: Unit, submission: Submission, draft: bool) -> dict:
    return report_context(form, year, unit, submission, draft=draft)


def _render_task(template: Path, made_of, path: Path) -> bool | str:
    """Render one report (in a worker, its context made there too): True when written, False when
    already identical, or why not. `made_of`: the arguments of report_context, as
    `pool.Workers.share_each` gave them (`pool.given` makes them the arguments)."""
    from jinja2 import UndefinedError

    from ..pool import given
    from .compiled import ReportTooLarge

    try:
        return render_report(template, _context(*given(made_of)), path)
    except UndefinedError:
        return _UNDEFINED
    except ReportTooLarge:
        return _TOO_LARGE


def _missing_data(form: Form, unit: Unit, context: Mapping[str, Any]) -> str:
    missing = []
    if "signature_date" not in context:
        missing.append(NAME_TITLES["signature_date"])
    values = context.get("v", {})
    missing += [cell.label for cell in form.cells if value_tag(cell.key) not in values]
    shown = "、".join(missing[:5]) + (f" 等 {len(missing)} 项" if len(missing) > 5 else "")
    return (
        f"{unit.code} {unit.name} 的年度报告缺少数据（{shown or '模板所需的内容'}），未生成。"
        "请在该单位的报送文件中补填后重新运行。"
    )


def _remove_stale(folder: Path, keep: set[Path], config: CountyConfig, memo=None) -> None:
    """Reports (and their PDFs) this run did not make: of a roster unit that has none now, and (with
    the run's `memo`) any an earlier run wrote here and nobody has changed since, such as a unit's
    report under its name before the roster renamed or removed the unit."""
    from ..files import remove_unmade

    ours = {f"{safe_stem(u)}{suffix}" for u in config.units for suffix in (".docx", ".pdf")}
    kept = {p.name for p in keep} | {p.with_suffix(".pdf").name for p in keep}
    remove_unmade(folder, ours, kept, memo, siblings=(".pdf",))
