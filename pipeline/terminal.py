"""What the clerk sees in the terminal: a progress bar while reading, then a table of units.

Two promises hold for everything printed here. User text (unit names, file names, cell contents in
messages, paths) is never read as rich markup: it passes through `escape` ("[red]x.xlsx" shows as
typed, "[/]" cannot end a style that is not open). And printing never crashes on a console that cannot
show a character (a GBK Windows console, output redirected to a file, an ASCII locale): the
character is replaced (see `make_streams_safe`).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator

from rich.console import Console
from rich.markup import escape as _escape_markup
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .batch import DUPLICATE, FAILED, MISSING, PASSED, UNREADABLE, RunResult
from .findings import count
from .forms.spec import ERROR, NOTICE, WARNING
from .names import shown_name

STATUS_STYLE = {PASSED: "green", FAILED: "red", MISSING: "yellow"}


def make_streams_safe() -> None:
    """Characters stdout and stderr cannot encode are replaced ("?"), never a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors="replace")
        except (ValueError, OSError):  # a closed or detached stream: nothing will be printed to it
            pass


def escape(text: object) -> str:
    """User text as rich shows it literally (markup characters escaped, file-name escapes applied)."""
    return _escape_markup(shown_name(str(text)))


def console() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


@contextlib.contextmanager
def progress_bar(total: int, label: str) -> Iterator:
    """A progress bar on stderr; yields a function to call once per finished item with its name."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[item]}", markup=False),
        console=Console(file=sys.stderr),
        transient=True,
    )
    with progress:
        task = progress.add_task(label, total=total, item="")

        def advance(item: str) -> None:
            progress.update(task, advance=1, item=shown_name(str(item)))

        yield advance


def print_run_summary(result: RunResult, outputs: dict[str, Path], out: Console) -> None:
    table = Table(title=f"{result.year}年度政府信息公开工作年度报告 校验结果", show_lines=False)
    for header in ("代码", "单位", "状态", "错误", "警告", "提示", "文件"):
        table.add_column(header, justify="right" if header in ("错误", "警告", "提示") else "left")
    for unit in result.units:
        files = "、".join(escape(s.file.name) for s in unit.files) or "—"
        style = STATUS_STYLE.get(unit.status, "red")
        table.add_row(Text(unit.unit.code), Text(unit.unit.name), f"[{style}]{unit.status}[/]", str(unit.errors), str(unit.warnings), str(unit.notices), Text(files))
    for submission in result.unmatched:
        table.add_row("?", "（未识别）", "[red]无法识别[/]", str(count(submission.findings, ERROR)), str(count(submission.findings, WARNING)), str(count(submission.findings, NOTICE)), Text(submission.file.name))
    out.print(table)
    by_status: dict[str, int] = {}
    for unit in result.units:
        by_status[unit.status] = by_status.get(unit.status, 0) + 1
    summary = "，".join(f"{status} {n} 个" for status, n in by_status.items())
    totals = f"共 {count(result.findings, ERROR)} 个错误、{count(result.findings, WARNING)} 个警告、{count(result.findings, NOTICE)} 个提示。"
    out.print(f"名册 {len(result.units)} 个单位：{summary}。{totals}", soft_wrap=True)
    if result.unmatched:
        out.print(f"[red]另有 {len(result.unmatched)} 个文件无法确定报送单位，见问题清单。[/]")
    for label, path in outputs.items():
        out.print(Text(f"{label}：{path}"), soft_wrap=True)  # a path must stay whole to be copied
    print_next_steps(result, out)


def print_next_steps(result: RunResult, out: Console) -> None:
    """The block that ends a run: what the clerk does next, one line a task."""
    out.print("[bold]下一步：[/]")
    for number, step in enumerate(next_steps(result), start=1):
        out.print(Text(f"{number}. {step}"), soft_wrap=True)  # file names are text, never markup


def _what_to_do(findings) -> str:
    """What the first error's message says to do (its sentences from "请" on): an empty file is sent
    for again, a zip is unzipped here, an .xls is saved as .xlsx; else the template again."""
    for finding in findings:
        at = finding.message.find("。请") if finding.severity == ERROR else -1
        if at >= 0:
            return finding.message[at + 1:]
    return "请该单位用县里下发的模板重新报送。"


def next_steps(result: RunResult) -> list[str]:
    """What to do after a run, in Chinese: files to send back, duplicates to resolve, units to chase,
    files no unit was found for, partial county summaries, and the state of the summary report."""
    from .config import safe_stem
    from .summary import is_draft, no_report_reason

    steps = []
    returned = [u for u in result.units if u.status == FAILED and u.submission is not None and u.submission.medium == "xlsx"]
    if returned:
        files = "、".join(f"退回修改/{safe_stem(u.unit)}.xlsx" for u in returned)
        steps.append(f"把退回修改的文件发回 {len(returned)} 个单位，修改后重新报送：{files}。")
    for unit in result.units:
        if unit.status == DUPLICATE:
            names = "、".join(s.file.name for s in unit.files)
            steps.append(f"{unit.unit.name}报送了 {len(unit.files)} 个文件（{names}）：保留最终版本，把其余文件移出收件箱后重新运行。")
        elif unit.status == UNREADABLE:
            names = "、".join(s.file.name for s in unit.files)
            steps.append(f"{unit.unit.name}的文件 {names} 无法读取：{_what_to_do(unit.findings)}")
    missing = [u.unit.name for u in result.units if u.status == MISSING]
    if missing:
        steps.append(f"催报 {len(missing)} 个未报送的单位：{'、'.join(missing)}。")
    readable = [s for s in result.unmatched if s.readable]
    unreadable = [s for s in result.unmatched if not s.readable]
    if readable:
        names = "、".join(s.file.name for s in readable)
        steps.append(f"核实无法确定报送单位的文件（{names}）：用该单位的模板重新报送，或在 county.toml 的名册中补充别名。")
    if unreadable:  # not a report at all: an alias cannot help
        names = "、".join(s.file.name for s in unreadable)
        steps.append(f"收件箱中有无法读取的文件（{names}）：不是年度报告或已损坏，见问题清单；确认来源后移出收件箱，或请报送单位重新报送。")
    for unit in result.units:
        partial = [f for f in unit.findings if f.rule == "partial-summary"]
        if partial:
            steps.append(f"{unit.unit.name}的汇总表不完整（{partial[0].actual}/{partial[0].expected} 个乡镇和部门）：请其补齐后重新报送汇总表。")
    if not result.passed():
        steps.append(no_report_reason(result))
    elif is_draft(result):
        left_out = sum(1 for u in result.units if u.status != PASSED)
        what = f"名册中 {left_out} 个单位未计入" if left_out else "有单位的汇总不完整"
        steps.append(f"汇总报告是草稿（页眉标注草稿）：{what}。补齐后重新运行；定稿前补写第五、六部分中标注【待补充】的内容。")
    else:
        steps.append("全部单位已通过校验：补写汇总报告第五、六部分中标注【待补充】的内容，核对落款日期后即可报送汇总表和汇总报告。")
    return steps


def print_check_report(submissions, out: Console) -> None:
    for submission in submissions:
        errors = count(submission.findings, ERROR)
        warnings = count(submission.findings, WARNING)
        head = f"{escape(submission.file.name)}：{errors} 个错误，{warnings} 个警告"
        out.print(f"[bold]{head}[/]" if errors == 0 else f"[bold red]{head}[/]")
        if not submission.findings:
            # a workbook can still be sent; a published report (.docx, .html, .txt) is already out
            out.print("  未发现问题，可以报送。" if submission.medium == "xlsx" else "  未发现问题。")
            continue
        table = Table(show_header=True, show_lines=False, expand=False)
        table.add_column("级别")
        table.add_column("位置")
        table.add_column("说明", overflow="fold")  # Chinese has no spaces to wrap at
        for finding in submission.findings:
            where = f"{finding.sheet}!{finding.cell}" if finding.cell else "—"
            style = {ERROR: "red", WARNING: "yellow"}.get(finding.severity, "")
            table.add_row(f"[{style}]{finding.severity}[/]" if style else finding.severity, escape(where), escape(finding.message))
        out.print(table)
