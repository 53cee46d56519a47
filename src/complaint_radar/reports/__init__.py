"""Renderers of the analysis report dict (REPORT_SCHEMA.md): a self-contained HTML page, an XLSX workbook."""

from complaint_radar.reports.html import render_html
from complaint_radar.reports.xlsx import write_xlsx

__all__ = ["render_html", "write_xlsx"]
