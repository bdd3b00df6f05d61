"""Where a run writes its outputs: one small module that the output writers and the Word renderer
both import (so that neither imports the other)."""

from __future__ import annotations

from pathlib import Path

FINDINGS_XLSX = "问题清单.xlsx"
FINDINGS_HTML = "问题清单.html"
RETURNS_DIR = "退回修改"
REPORTS_DIR = "报告"
CRASH_DIR = "程序错误记录"  # tracebacks of files whose reading raised an unexpected exception
CACHE_DIR = ".cache"  # results of earlier runs, safe to delete
SUMMARY_NAME = "汇总表.xlsx"
SUMMARY_REPORT_NAME = "汇总报告.docx"
DATASET = "data.csv"
TEXTS = "texts.csv"


def year_folder(config) -> Path:
    """The output folder of the config's year: <output>/<year>."""
    return Path(config.output) / str(config.year)
