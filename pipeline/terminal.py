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

from .batch import FAILED, MISSING, PASSED, RunResult
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
        table.add_row(escape(unit.unit.code), escape(unit.unit.name), f"[{style}]{unit.status}[/]", str(unit.errors), str(unit.warnings), str(unit.notices), files)
    for submission in result.unmatched:
        table.add_row("?", "（未识别）", "[red]无法识别[/]", str(count(submission.findings, ERROR)), str(count(submission.findings, WARNING)), str(count(submission.findings, NOTICE)), escape(submission.file.name))
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
        out.print(f"{label}：{escape(path)}", soft_wrap=True)  # a path must stay whole to be copied


def print_check_report(submissions, out: Console) -> None:
    for submission in submissions:
        errors = count(submission.findings, ERROR)
        warnings = count(submission.findings, WARNING)
        head = f"{escape(submission.file.name)}：{errors} 个错误，{warnings} 个警告"
        out.print(f"[bold]{head}[/]" if errors == 0 else f"[bold red]{head}[/]")
        if not submission.findings:
            out.print("  未发现问题，可以报送。")
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
