"""A crash report: when the program itself fails, the traceback goes to a file, not to the clerk.

The clerk sees one Chinese sentence saying where the report is; whoever supports the county reads the
file. The report is written to the first folder that accepts it: the run's output folder when it is
known, else the system's temporary folder, else the current folder.
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Iterable

REPORT_PREFIX = "程序错误报告"


def write_crash_report(exc: BaseException, argv: Iterable[str], folders: Iterable[Path]) -> Path | None:
    """Write the traceback of `exc` into the first writable folder; None when no folder took it."""
    now = dt.datetime.now()
    text = _report_text(exc, list(argv), now)
    name = f"{REPORT_PREFIX}-{now:%Y%m%d-%H%M%S}.txt"
    for folder in [*folders, Path(tempfile.gettempdir()), Path.cwd()]:
        try:
            folder = Path(folder)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8", errors="backslashreplace")
            return path.resolve()
        except OSError:
            continue
    return None


def _report_text(exc: BaseException, argv: list[str], now: dt.datetime) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool = version("nianbao")
    except PackageNotFoundError:
        tool = "not installed"
    lines = [
        f"nianbao {tool} crash report, {now.isoformat(timespec='seconds')}",
        f"python {sys.version.split()[0]} on {platform.platform()}",
        f"arguments: {argv!r}",
        "",
        *traceback.format_exception(exc),
    ]
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"
