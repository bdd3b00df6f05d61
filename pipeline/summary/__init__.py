"""汇总表.xlsx and 汇总报告.docx: what the county sends up, from one run.

汇总表.xlsx holds the county totals (the cell-wise sum over the units that passed) in the official
layout of tables 二, 三 and 四, a row per unit with every cell of the form, the 报送情况 of every roster
unit, the 问题清单, this year against last year and a few charts.

The 汇总 sheet is at the same time a filled template for the county as one unit: the hidden marks,
a defined name for every cell of the form and for the unit's code, name, year and format. A city
office therefore runs the same pipeline over its counties' summaries (each county a roster unit of
kind 县区 whose code is the county's `code`) and gets the city summary. Every value is a plain number
(no formulas), so any reader sees the totals without an office suite recalculating them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Mapping

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.workbook.defined_name import DefinedName

from ..batch import RunResult
from ..config import CountyConfig
from ..files import fixed_timestamp, save_workbook
from ..report.findings_xlsx import print_findings_setup, write_findings_table
from ..workbook import layout
from ..workbook.sheetdata import spool_rows
from .charts import _chart_sheet
from .comparison import _comparison_sheet
from .detail import _detail_sheet, detail_headers
from .figures import figure_value, headline_figures, last_year_form, outcome_groups
from ..coverage import SUMMARY_MARK, Coverage, coverage_from_marks
from .marks import _meta_sheet, coverage_of
from .style import page_footer
from .overview import _summary_sheet
from .report import NoAcceptedUnit, is_draft, no_report_reason, summary_report_context, write_summary_report
from .status import UNMATCHED, _status_sheet
from .totals import county_totals, coverage_sentence, summary_unit_code, with_totals

from ..paths import SUMMARY_NAME, SUMMARY_REPORT_NAME  # noqa: E402 (named in paths: the run names them without openpyxl)

SUMMARY_SHEET = "汇总"
DETAIL_SHEET = "分单位明细"
STATUS_SHEET = "报送情况"
FINDINGS_SHEET = "问题清单"
COMPARISON_SHEET = "同比"
CHART_SHEET = "图表"


# --- public API ------------------------------------------------------------------------------



def write_summary(
    result: RunResult,
    config: CountyConfig,
    path: Path,
    *,
    previous: Mapping[str, Mapping[str, Decimal]] | None = None,
) -> Path:
    """Write 汇总表.xlsx to `path` (atomically, byte-identical for the same run). `previous` is last
    year's accepted values by unit code; with it the workbook gets the 同比 sheet and chart."""
    path = Path(path)
    save_workbook(summary_workbook(result, config, previous=previous, compact=True), path)
    return path


def summary_workbook(
    result: RunResult,
    config: CountyConfig,
    *,
    previous: Mapping[str, Mapping[str, Decimal]] | None = None,
    compact: bool = False,
) -> Workbook:
    """The summary workbook, not saved. With `compact`, for saving, not for looking at the cells:
    the sheets with a row per unit or per finding keep their cells as `sheetdata.compact` keeps
    them, each once written (a county of a thousand units: some 60,000 cells), and every sheet's
    rows are written out as soon as the sheet is complete (`sheetdata.spool_rows`)."""
    form = result.form
    totals = county_totals(result)
    wb = Workbook()
    wb.remove(wb.active)
    stamp = fixed_timestamp(result.year)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "nianbao"
    wb.properties.title = f"{config.county}{result.year}年政府信息公开工作年度报告汇总表"

    def done(*sheets) -> None:
        """Sheets complete, in the workbook's order: with `compact`, their rows written out now."""
        if compact:
            for ws in sheets:
                spool_rows(ws)

    places = _summary_sheet(wb.create_sheet(SUMMARY_SHEET), result, config, totals)
    done(wb[SUMMARY_SHEET])
    _detail_sheet(wb.create_sheet(DETAIL_SHEET), result)
    done(wb[DETAIL_SHEET])
    _status_sheet(wb.create_sheet(STATUS_SHEET), result, config, compact)
    done(wb[STATUS_SHEET])
    findings_sheet = wb.create_sheet(FINDINGS_SHEET)
    write_findings_table(findings_sheet, result.findings, header_row=1, compact=compact)
    print_findings_setup(findings_sheet)
    done(findings_sheet)
    if previous is not None:
        _comparison_sheet(wb.create_sheet(COMPARISON_SHEET), result, totals, previous, compact)
        done(wb[COMPARISON_SHEET])
    _chart_sheet(wb.create_sheet(CHART_SHEET), result, config, totals, previous)
    done(wb[CHART_SHEET])
    from ..indicators import INDICATOR_SHEETS, add_indicator_sheets  # here: indicators uses this package's styles

    add_indicator_sheets(wb, result, compact=compact)  # 指标, 排名, 同类单位比较 (pipeline/indicators.py)
    for name in INDICATOR_SHEETS:
        page_footer(wb[name])
        wb[name].print_title_rows = "1:1"
    done(*(wb[name] for name in INDICATOR_SHEETS))
    _meta_sheet(wb.create_sheet(layout.META_SHEET), form, result.year, config, coverage_of(result))
    done(wb[layout.META_SHEET])
    for key, place in places.items():
        name = layout.defined_name(key)
        wb.defined_names[name] = DefinedName(name, attr_text=place.absolute)
    for name, value in {
        "nianbao.format": form.id,
        "nianbao.year": str(result.year),
        "nianbao.unit_code": summary_unit_code(config),
        "nianbao.template_version": layout.TEMPLATE_VERSION,
    }.items():
        wb.custom_doc_props.append(StringProperty(name=name, value=value))
    wb.active = 0
    return wb


__all__ = [
    "SUMMARY_NAME", "SUMMARY_REPORT_NAME", "write_summary", "summary_workbook", "county_totals", "coverage_sentence",
    "headline_figures", "figure_value", "write_summary_report", "summary_report_context", "summary_unit_code",
    "with_totals", "detail_headers", "last_year_form", "outcome_groups", "SUMMARY_MARK", "UNMATCHED", "NoAcceptedUnit", "is_draft", "no_report_reason", "Coverage", "coverage_of", "coverage_from_marks",
]
