"""What the county clerk reads after a run: 问题清单.xlsx and 问题清单.html."""

from .findings_html import render_findings_html, write_findings_html
from .findings_xlsx import findings_workbook, write_findings_xlsx

__all__ = ["findings_workbook", "write_findings_xlsx", "render_findings_html", "write_findings_html"]
