"""Renderers of the analysis report dict (REPORT_SCHEMA.md): a self-contained HTML page, an XLSX workbook."""

from complaint_radar.reports.html import render_html

__all__ = ["render_html"]
